import { createContext, useContext, type Accessor } from 'solid-js';
import type { HostStatus, WorkspaceHostApi } from '../../workers/host/api.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { EngineOwnerInfo } from '../engine/channel.ts';

/**
 * What every view reads: the workspace's store (IndexedDB, opened in this tab),
 * the host that applies commands (this tab's engine worker, or the tab that owns
 * the engine), and the host's latest status. Views re-query the store in a
 * `createResource` keyed on `version`, which bumps on every HostUpdate.
 */
export interface Workspace {
  /** Reads; writes only for model and bar imports, notes and settings (the engine owns the record). */
  store: EngineStore;
  /** Commands reach the tab that runs the engine, whichever tab that is. */
  host: WorkspaceHostApi;
  status: Accessor<HostStatus | null>;
  /** Bumps on every HostUpdate. */
  version: Accessor<number>;
  /** True in the tab whose worker runs the engine. */
  isOwner: Accessor<boolean>;
  /** Which tab runs the engine, and why it does not run (the shell shows it; absent in test doubles). */
  engine?: Accessor<EngineOwnerInfo>;
  /** When the last HostUpdate reached this tab (its clock, ms). */
  lastUpdateAt?: Accessor<number | null>;
}

export const WorkspaceContext = createContext<Workspace>();

export function useWorkspace(): Workspace {
  const w = useContext(WorkspaceContext);
  if (!w) throw new Error('useWorkspace() outside <WorkspaceContext.Provider>: the app shell provides it');
  return w;
}
