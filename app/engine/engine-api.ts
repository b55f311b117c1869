import type { CommandResult, HostStatus, HostUpdate, WorkspaceCommand } from '../../workers/host/api.ts';

/** What the engine worker exposes over comlink to the tab that owns the engine. */
export interface EngineWorkerApi {
  /**
   * Opens the workspace (IndexedDB `storeName`), rebuilds it from the stored
   * events and starts the feed. `onUpdate` is called after every step.
   * Resolves once the host runs; rejects with the reason it could not start.
   */
  start(opts: EngineStartOptions, onUpdate: (u: HostUpdate) => void): Promise<HostStatus>;
  status(): Promise<HostStatus>;
  command(c: WorkspaceCommand, source?: string): Promise<CommandResult>;
  stop(): Promise<void>;
}

export interface EngineStartOptions {
  storeName: string;
  /** Replay speed (x real time) from the URL; undefined leaves the host's default and the stored setting. */
  replaySpeed?: number;
  /** The app's origin + base, where /data and /models are served from. */
  baseUrl: string;
}
