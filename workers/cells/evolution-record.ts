import type { SettingsRepository } from '../store/store.ts';
import type { EvolutionSpec } from '../lab/evolution/spec.ts';
import type { EvolutionProgress } from './evolution-run.ts';

/**
 * An evolution run kept in the store's settings, so a run that outlives the page
 * that ran it (a reload, a closed tab) can be listed and resumed: its spec (the
 * seed included) and its progress as last saved. Which children are done is not
 * copied here: they are the run's stored cells (runCells), and a resume with the
 * same spec and run id regenerates each generation and evaluates only the
 * children not stored yet, to the same end as a run never interrupted.
 */
export interface EvolutionRunRecord {
  runId: string;
  spec: EvolutionSpec;
  /** As last saved: at the start, at each generation's end and when the run ended. */
  progress: EvolutionProgress;
  /** When it was saved (ms, the caller's clock). */
  savedAt: number;
  /** Who ran it, in words, when not the store's own runner (the page, the relay): 'tradeguard cells evolve'. */
  by?: string;
}

export const EVOLUTION_RUN_KEY_PREFIX = 'lab.evolution.run.';

/** The runs kept at most; older records are dropped (their cells stay). */
export const EVOLUTION_RUNS_KEPT = 20;

const keyOf = (runId: string) => `${EVOLUTION_RUN_KEY_PREFIX}${runId}`;

/** Whether `next` is worth saving after `last`: a new generation, new survivors, or a new status (not every backtest). */
export function progressMilestone(last: EvolutionProgress | null, next: EvolutionProgress): boolean {
  return !last || last.status !== next.status || last.generation !== next.generation || last.survivors.join() !== next.survivors.join();
}

export interface RunRecorder {
  /** Give it every progress (runEvolution's onProgress): it saves the milestones. */
  progress(p: EvolutionProgress): void;
  /** Settles once every save asked so far is done (a failure is kept in problem()). */
  flushed(): Promise<void>;
  /** Why the latest save failed (null once one succeeds again). */
  problem(): string | null;
}

/** Keeps a run's record as it goes: one write after the other, at its milestones only (never every backtest). */
export function recordRun(settings: SettingsRepository, runId: string, spec: EvolutionSpec, now: () => number, by?: string): RunRecorder {
  let saved: EvolutionProgress | null = null;
  let saving: Promise<void> = Promise.resolve();
  let problem: string | null = null;
  return {
    progress(p) {
      if (!progressMilestone(saved, p)) return;
      saved = p;
      saving = saving
        .then(() => saveRunRecord(settings, { runId, spec, progress: p, savedAt: now(), ...(by ? { by } : {}) }))
        .then(() => void (problem = null), (e: unknown) => void (problem = e instanceof Error ? e.message : String(e)));
    },
    flushed: () => saving,
    problem: () => problem,
  };
}

export async function saveRunRecord(settings: SettingsRepository, record: EvolutionRunRecord): Promise<void> {
  // A best fitness of +-Infinity (no losing trade) would come back as null from JSON: kept as its words instead.
  const best = record.progress.best && !Number.isFinite(record.progress.best.fitness) ? { ...record.progress.best, fitness: String(record.progress.best.fitness) } : record.progress.best;
  await settings.put(keyOf(record.runId), { ...record, progress: { ...record.progress, best } });
}

/** The kept runs, newest first; a record that is not one (written by hand, an older shape) is skipped. */
export async function runRecords(settings: SettingsRepository): Promise<EvolutionRunRecord[]> {
  const out: EvolutionRunRecord[] = [];
  for (const { key, value } of await settings.list()) {
    if (!key.startsWith(EVOLUTION_RUN_KEY_PREFIX)) continue;
    const r = value as EvolutionRunRecord | null;
    if (!r || typeof r !== 'object' || typeof r.runId !== 'string' || !r.spec || !r.progress || typeof r.progress.status !== 'string' || typeof r.savedAt !== 'number') continue;
    const best = r.progress.best && { ...r.progress.best, fitness: Number(r.progress.best.fitness) };
    out.push({ ...r, progress: { ...r.progress, best } });
  }
  return out.sort((a, b) => b.savedAt - a.savedAt || b.runId.localeCompare(a.runId));
}

export async function runRecord(settings: SettingsRepository, runId: string): Promise<EvolutionRunRecord | null> {
  return (await runRecords(settings)).find((r) => r.runId === runId) ?? null;
}

/** Drops the records past the newest EVOLUTION_RUNS_KEPT. */
export async function pruneRunRecords(settings: SettingsRepository): Promise<void> {
  for (const r of (await runRecords(settings)).slice(EVOLUTION_RUNS_KEPT)) await settings.delete(keyOf(r.runId));
}

/**
 * A run saved as running that nothing runs any more (the page that ran it was
 * reloaded or closed, the relay that ran it restarted: `by`): said so, with
 * what is known for sure, the cells it stored.
 */
export function interruptedProgress(record: EvolutionRunRecord, storedCells: number, by = 'a reload (or its tab was closed)'): EvolutionProgress {
  const p = record.progress;
  return {
    ...p,
    status: 'interrupted',
    message: `interrupted by ${by} ${p.generation ? `in generation ${p.generation} of ${p.generations}` : 'before its first backtest ended'}; ${storedCells} cells stored, resume continues from them`,
  };
}
