import type { Workspace } from '../../state/workspace.ts';
import { attachedToRelay } from '../../remote/attach.ts';
import { RelayClient, RelayError } from '../../remote/relay-client.ts';
import { checkEvolution, evolutionRunId, runEvolution, type EvolutionProgress } from '../../../workers/cells/evolution-run.ts';
import type { CellLabDeps } from '../../../workers/cells/cells.ts';
import type { EvolutionSpec } from '../../../workers/lab/evolution/spec.ts';
import { sharedBrowserPool } from '../../lab/evolution-pool.ts';

export type EvolveStart = { ok: true; runId: string; progress: EvolutionProgress } | { ok: false; message: string };

/**
 * Where an evolution runs, decided as the lab's cells are: in this browser
 * (runEvolution in the tab, its backtests on a pool of Web Workers, one per
 * core, its cells stored in IndexedDB) or on the relay the workspace is
 * attached to (POST /api/cells/evolve, its progress polled). Both resume a
 * run from its stored cells when given its run id with the same spec.
 */
export interface LabEvolution {
  where: 'browser' | 'relay';
  /** Checks the spec and starts the run (or continues `resumeId`); the run goes on in the background. */
  start(spec: EvolutionSpec, resumeId?: string): Promise<EvolveStart>;
  progress(runId: string): Promise<EvolutionProgress | null>;
  /** Stops the run after the backtests under way; it can be resumed. */
  cancel(runId: string): Promise<void>;
}

export function labEvolution(ws: Workspace): LabEvolution {
  return attachedToRelay(ws) ? relayEvolution(new RelayClient()) : browserEvolution(ws);
}

interface BrowserRun {
  progress: EvolutionProgress;
  cancel: boolean;
}

/** This tab's runs (kept across visits to the lab view while the tab lives). */
const browserRuns = new Map<string, BrowserRun>();

function browserEvolution(ws: Workspace): LabEvolution {
  const deps: CellLabDeps = { store: ws.store, now: () => Date.now() };
  return {
    where: 'browser',
    async start(spec, resumeId) {
      const checked = await checkEvolution(deps, spec);
      if (!checked.ok) return { ok: false, message: `${checked.field}: ${checked.message.replace(new RegExp(`^${checked.field} `), '')}` };
      const runId = resumeId ?? evolutionRunId(spec, deps.now());
      if (browserRuns.get(runId)?.progress.status === 'running') return { ok: false, message: `run ${runId} is still running` };
      const pool = sharedBrowserPool();
      const run: BrowserRun = {
        cancel: false,
        progress: { runId, status: 'running', generation: 0, generations: spec.generations, evaluated: 0, total: spec.population * spec.generations + spec.keep, discarded: 0, duplicates: 0, best: null, survivors: [] },
      };
      browserRuns.set(runId, run);
      void runEvolution(deps, spec, { runId, evaluate: pool.evaluator(checked.series), concurrency: pool.size, isCancelled: () => run.cancel, onProgress: (p) => (run.progress = p) }).then(
        (out) => {
          if (!out.ok) run.progress = { ...run.progress, status: 'failed', message: `${out.field}: ${out.message}` };
        },
        (e: unknown) => {
          run.progress = { ...run.progress, status: 'failed', message: `${e instanceof Error ? e.message : String(e)}; resume with run id ${runId}` };
        },
      );
      return { ok: true, runId, progress: run.progress };
    },
    progress: async (runId) => browserRuns.get(runId)?.progress ?? null,
    async cancel(runId) {
      const run = browserRuns.get(runId);
      if (run && run.progress.status === 'running') run.cancel = true;
    },
  };
}

function relayEvolution(relay: RelayClient): LabEvolution {
  const words = (e: unknown) => (e instanceof RelayError || e instanceof Error ? e.message : String(e));
  return {
    where: 'relay',
    async start(spec, resumeId) {
      try {
        // With the spec and resume, the relay continues the run from its stored cells even after a restart.
        const r = await relay.json<{ runId: string; progress: EvolutionProgress }>('/api/cells/evolve', { method: 'POST', body: JSON.stringify({ ...spec, ...(resumeId ? { resume: resumeId } : {}) }) });
        return { ok: true, runId: r.runId, progress: r.progress };
      } catch (e) {
        return { ok: false, message: words(e) };
      }
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
}
