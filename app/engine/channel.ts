import type { HostUpdate, WorkspaceCommand } from '../../workers/host/api.ts';

/** Messages between tabs on BroadcastChannel('tradeguard'). */
export type ChannelMessage =
  /** The owner's engine stepped. */
  | { kind: 'update'; from: string; update: HostUpdate }
  /** The owner says it runs the engine (on taking the lock, and when asked). */
  | { kind: 'owner'; tabId: string; error: string | null }
  | { kind: 'who'; from: string }
  | ({ kind: 'request'; id: string; from: string } & ({ op: 'status' } | { op: 'command'; command: WorkspaceCommand; source?: string }))
  | ({ kind: 'reply'; id: string; to: string } & ({ ok: true; value: unknown } | { ok: false; error: string }));

/** Which tab runs the engine, as this tab knows it: what the header shows. */
export interface EngineOwnerInfo {
  tabId: string;
  /** null until the owner has announced itself. */
  ownerTabId: string | null;
  isOwner: boolean;
  state: 'waiting' | 'starting' | 'running' | 'error';
  /** Why the engine is not running, in words. */
  error: string | null;
}
