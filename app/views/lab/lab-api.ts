import type { Workspace } from '../../state/workspace.ts';
import { attachedToRelay } from '../../remote/attach.ts';
import { RelayClient, RelayError } from '../../remote/relay-client.ts';
import { createCell, forkCell, seedBuiltinCells, type CellLabDeps, type CellTestPlan } from '../../../workers/cells/cells.ts';
import type { Cell, CellDraft } from '../../../workers/lab/cell.ts';
import type { Diagnostic } from '../../../workers/lab/errors.ts';

/** What creating or forking a cell gave: the stored cell, or why not in words (with the compiler's diagnostics when it was the source). */
/** The stored bars a cell is tested on when it is created. */
export type LabPlan = Pick<CellTestPlan, 'symbol' | 'timeframe'>;

export type LabOutcome = { ok: true; cell: Cell } | { ok: false; message: string; errors?: Diagnostic[] };

/**
 * Where the lab's cells live, decided as the rest of the app decides: this
 * browser's workspace keeps them in its own IndexedDB (created here through
 * the same createCell the relay runs); a workspace on a relay keeps them
 * there, created through its cells API (which checks and tests them) and read
 * through its store route.
 */
export interface LabCells {
  list(): Promise<Cell[]>;
  /** Stores a new cell, tested on `plan`'s stored bars (EURUSD H1 by default). */
  create(draft: CellDraft, plan?: LabPlan): Promise<LabOutcome>;
  fork(parentId: string, fork: { source: string; mutation: string; author: CellDraft['author']; name?: string; hypothesis?: string }, plan?: LabPlan): Promise<LabOutcome>;
  where: 'browser' | 'relay';
}

export function labCells(ws: Workspace): LabCells {
  return attachedToRelay(ws) ? relayCells(ws, new RelayClient()) : browserCells(ws);
}

function browserCells(ws: Workspace): LabCells {
  const deps: CellLabDeps = { store: ws.store, now: () => Date.now() };
  let seeded: Promise<unknown> | null = null;
  const words = (out: Awaited<ReturnType<typeof createCell>>): LabOutcome =>
    out.ok ? { ok: true, cell: out.cell } : 'errors' in out ? { ok: false, message: `the program does not compile: ${firstError(out.errors)}`, errors: out.errors } : { ok: false, message: `${out.field}: ${out.message.replace(new RegExp(`^${out.field} `), '')}` };
  return {
    where: 'browser',
    async list() {
      // The built-in cells are stored (each tested on the bundled EURUSD H1) the first time the lab opens.
      seeded ??= seedBuiltinCells(deps).catch((e) => {
        seeded = null;
        throw e;
      });
      await seeded;
      return ws.store.cells.list();
    },
    create: async (draft, plan) => words(await createCell(deps, { ...draft }, plan)),
    fork: async (parentId, fork, plan) => words(await forkCell(deps, parentId, { ...fork }, plan)),
  };
}

function relayCells(ws: Workspace, relay: RelayClient): LabCells {
  const send = async (path: string, body: unknown): Promise<LabOutcome> => {
    try {
      const r = await relay.json<{ cell: Cell }>(path, { method: 'POST', body: JSON.stringify(body) });
      return { ok: true, cell: r.cell };
    } catch (e) {
      return { ok: false, message: e instanceof RelayError || e instanceof Error ? e.message : String(e) };
    }
  };
  return {
    where: 'relay',
    async list() {
      // GET /api/cells seeds the built-in cells on the lab's first use; the store route gives them with their sources.
      await relay.json('/api/cells');
      return ws.store.cells.list();
    },
    create: (draft, plan) => send('/api/cells', { ...draft, ...plan }),
    fork: (parentId, fork, plan) => send(`/api/cells/${encodeURIComponent(parentId)}/fork`, { ...fork, ...plan }),
  };
}

export function firstError(errors: readonly Diagnostic[]): string {
  const d = errors[0];
  return d ? `line ${d.line}, column ${d.column}: ${d.message}` : 'no error';
}
