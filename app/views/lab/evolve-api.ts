import type { Workspace } from '../../state/workspace.ts';
import { attachedToRelay } from '../../remote/attach.ts';
import { RelayClient, RelayError } from '../../remote/relay-client.ts';
import { checkEvolution, evolutionRunId, runCells, runEvolution, type EvolutionProgress } from '../../../workers/cells/evolution-run.ts';
import { interruptedProgress, pruneRunRecords, recordRun, runRecord, runRecords, type EvolutionRunRecord, type RunRecorder } from '../../../workers/cells/evolution-record.ts';
import type { CellLabDeps } from '../../../workers/cells/cells.ts';
import type { EvolutionSpec } from '../../../workers/lab/evolution/spec.ts';
import { sharedBrowserPool } from '../../lab/evolution-pool.ts';

export type EvolveStart = { ok: true; runId: string; progress: EvolutionProgress } | { ok: false; message: string };

/** A run the Evolve view lists: its progress (live, or as kept) and whether this page runs it. */
export interface EvolveRunListing {
  spec: EvolutionSpec;
  progress: EvolutionProgress;
  /** Its progress is live: this page runs it, or (attached) the relay runs it now. */
  here: boolean;
}

/**
 * Where an evolution runs, decided as the lab's cells are: in this browser
 * (runEvolution in the tab, its backtests on a pool of Web Workers, one per
 * core, its cells stored in IndexedDB, the run kept in the settings so a reload
 * can list and resume it) or on the relay the workspace is attached to
 * (POST /api/cells/evolve, its progress polled; the relay keeps its runs in its
 * own settings the same way, across its restarts). Both resume a run from its
 * stored cells with the spec kept for it.
 */
export interface LabEvolution {
  where: 'browser' | 'relay';
  /** Checks the spec and starts the run (or continues `resumeId`); the run goes on in the background. */
  start(spec: EvolutionSpec, resumeId?: string): Promise<EvolveStart>;
  /** Continues a run with the spec it was started with. */
  resume(runId: string): Promise<EvolveStart>;
  progress(runId: string): Promise<EvolutionProgress | null>;
  /** Stops the run after the backtests under way; it can be resumed. */
  cancel(runId: string): Promise<void>;
  /** The runs this workspace kept, newest first (this browser's, or the relay's). */
  runs(): Promise<EvolveRunListing[]>;
}

export function labEvolution(ws: Workspace): LabEvolution {
  return attachedToRelay(ws) ? relayEvolution(new RelayClient()) : browserEvolution(ws);
}

interface BrowserRun {
  spec: EvolutionSpec;
  progress: EvolutionProgress;
  cancel: boolean;
  recorder: RunRecorder;
  /** Settles once the run ended, its record was written and its lock let go. */
  ended: Promise<void>;
}

/** This tab's runs (kept across visits to the lab view while the tab lives; a reload empties it, the settings keep them). */
const browserRuns = new Map<string, BrowserRun>();

/** The Web Lock a page holds while it runs a run: another tab (or this one after a reload) can tell it runs. */
const lockName = (runId: string) => `tradeguard evolution ${runId}`;

/**
 * Takes the run's lock if free and holds it until `done` settles: whether it was
 * taken (always, in a browser without Web Locks) and when it is let go.
 */
function holdLock(runId: string, done: Promise<unknown>): Promise<{ taken: boolean; released: Promise<unknown> }> {
  if (!navigator.locks) return Promise.resolve({ taken: true, released: done });
  return new Promise((answer) => {
    const released: Promise<unknown> = navigator.locks.request(lockName(runId), { ifAvailable: true }, async (lock) => {
      answer({ taken: lock !== null, released });
      if (lock) await done;
    });
  });
}

/** Whether a page holds the run's lock now; null when this browser cannot tell. */
async function lockHeld(runId: string): Promise<boolean | null> {
  if (!navigator.locks) return null;
  const { held = [] } = await navigator.locks.query();
  return held.some((l) => l.name === lockName(runId));
}

function browserEvolution(ws: Workspace): LabEvolution {
  const deps: CellLabDeps = { store: ws.store, now: () => Date.now() };
  const settings = ws.store.settings;

  /** A kept run as it is now: live here, running in another tab, or interrupted (nothing runs it). */
  const listing = async (record: EvolutionRunRecord): Promise<EvolveRunListing> => {
    const live = browserRuns.get(record.runId);
    if (live) return { spec: live.spec, progress: liveProgress(live), here: true };
    if (record.progress.status !== 'running') return { spec: record.spec, progress: record.progress, here: false };
    const held = await lockHeld(record.runId);
    if (held) return { spec: record.spec, progress: { ...record.progress, message: 'running in another tab of this browser' }, here: false };
    const cells = (await runCells(ws.store, record.runId)).length;
    const p = interruptedProgress(record, cells);
    return { spec: record.spec, progress: held === null ? { ...p, message: `${p.message} (this browser cannot tell whether another tab still runs it)` } : p, here: false };
  };

  const api: LabEvolution = {
    where: 'browser',
    async start(spec, resumeId) {
      const checked = await checkEvolution(deps, spec);
      if (!checked.ok) return { ok: false, message: `${checked.field}: ${checked.message.replace(new RegExp(`^${checked.field} `), '')}` };
      const runId = resumeId ?? evolutionRunId(spec, deps.now());
      const before = browserRuns.get(runId);
      if (before?.progress.status === 'running') return { ok: false, message: `run ${runId} is still running` };
      // Cancelled in this page a moment ago: its last record write and its lock are let go first.
      await before?.ended;
      let finish!: () => void;
      const over = new Promise<void>((resolve) => (finish = resolve));
      const lock = await holdLock(runId, over);
      if (!lock.taken) return { ok: false, message: `run ${runId} is already running in this browser` };
      const pool = sharedBrowserPool();
      const run: BrowserRun = {
        spec,
        recorder: recordRun(settings, runId, spec, deps.now),
        ended: lock.released.then(() => undefined),
        cancel: false,
        progress: { runId, status: 'running', generation: 0, generations: spec.generations, evaluated: 0, total: spec.population * spec.generations + spec.keep, discarded: 0, duplicates: 0, best: null, survivors: [] },
      };
      browserRuns.set(runId, run);
      // Kept at the start, at each generation's end and at the end, for a reload to list and resume.
      const progressed = (p: EvolutionProgress) => {
        run.progress = p;
        run.recorder.progress(p);
      };
      progressed(run.progress);
      void pruneRunRecords(settings).catch(() => undefined);
      void runEvolution(deps, spec, { runId, evaluate: pool.evaluator(checked.series), concurrency: pool.size, isCancelled: () => run.cancel, onProgress: progressed })
        .then(
          (out) => {
            if (!out.ok) progressed({ ...run.progress, status: 'failed', message: `${out.field}: ${out.message}` });
          },
          (e: unknown) => progressed({ ...run.progress, status: 'failed', message: `${errorWords(e)}; resume with run id ${runId}` }),
        )
        .then(() => run.recorder.flushed())
        .finally(finish);
      return { ok: true, runId, progress: run.progress };
    },
    async resume(runId) {
      const spec = browserRuns.get(runId)?.spec ?? (await runRecord(settings, runId))?.spec;
      return spec ? api.start(spec, runId) : { ok: false, message: `no run ${runId} is kept in this browser` };
    },
    async progress(runId) {
      const live = browserRuns.get(runId);
      if (live) return liveProgress(live);
      const record = await runRecord(settings, runId);
      return record ? (await listing(record)).progress : null;
    },
    async cancel(runId) {
      const run = browserRuns.get(runId);
      if (run && run.progress.status === 'running') run.cancel = true;
    },
    runs: async () => Promise.all((await runRecords(settings)).map(listing)),
  };
  return api;
}

const errorWords = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** A run's progress, with a word when its state could not be kept for a reload. */
function liveProgress(run: BrowserRun): EvolutionProgress {
  const p = run.progress;
  const problem = run.recorder.problem();
  if (!problem) return p;
  const note = `its state could not be kept for a reload: ${problem}`;
  return { ...p, message: p.message ? `${p.message}; ${note}` : note };
}

function relayEvolution(relay: RelayClient): LabEvolution {
  const words = (e: unknown) => (e instanceof RelayError || e instanceof Error ? e.message : String(e));
  const api: LabEvolution = {
    where: 'relay',
    async start(spec, resumeId) {
      try {
        const r = await relay.json<{ runId: string; progress: EvolutionProgress }>('/api/cells/evolve', { method: 'POST', body: JSON.stringify({ ...spec, ...(resumeId ? { resume: resumeId } : {}) }) });
        return { ok: true, runId: r.runId, progress: r.progress };
      } catch (e) {
        return { ok: false, message: words(e) };
      }
    },
    async resume(runId) {
      // The relay resumes with the spec it kept for the run (across its restarts too).
      try {
        const r = await relay.json<{ runId: string; progress: EvolutionProgress }>(`/api/cells/evolve/${encodeURIComponent(runId)}/resume`, { method: 'POST' });
        return { ok: true, runId: r.runId, progress: r.progress };
      } catch (e) {
        return { ok: false, message: words(e) };
      }
    },
    async runs() {
      const r = await relay.json<{ runs: { spec: EvolutionSpec; progress: EvolutionProgress }[] }>('/api/cells/evolve');
      return r.runs.map((x) => ({ spec: x.spec, progress: x.progress, here: x.progress.status === 'running' }));
    },
    async progress(runId) {
      const r = await relay.json<{ progress: EvolutionProgress | { status: 'stored'; message: string } }>(`/api/cells/evolve/${encodeURIComponent(runId)}`);
      return 'generation' in r.progress ? r.progress : null;
    },
    async cancel(runId) {
      await relay.json(`/api/cells/evolve/${encodeURIComponent(runId)}/cancel`, { method: 'POST' }).catch((e: unknown) => {
        // Already over (409): nothing to stop.
        if (!(e instanceof RelayError && e.status === 409)) throw e;
      });
    },
  };
  return api;
}
