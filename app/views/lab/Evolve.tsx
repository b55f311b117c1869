import { createEffect, createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { useWorkspace } from '../../state/workspace.ts';
import { notify } from '../../components/toasts.tsx';
import { errorText } from '../settings/form-fields.tsx';
import type { Cell } from '../../../workers/lab/cell.ts';
import { FITNESS_WORDS, type Fitness } from '../../../workers/lab/viability.ts';
import { EVOLUTION_DEFAULTS, type EvolutionSpec } from '../../../workers/lab/evolution/spec.ts';
import type { EvolutionProgress } from '../../../workers/cells/evolution-run.ts';
import type { Timeframe } from '../../../workers/market/timeframe.ts';
import { fitnessText } from './CellList.tsx';
import { labEvolution, type EvolveRunListing } from './evolve-api.ts';

const DAY = 86_400_000;
const dayText = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** A date input's day as ms UTC: its first millisecond, or its last for the end of a period. */
const dayMs = (text: string, end: boolean) => {
  const t = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(t) ? t + (end ? DAY - 1 : 0) : NaN;
};

/**
 * Evolution in the lab: breed children of the picked cells (mutations, and
 * crossovers of two), test each on the in-sample period, keep the fittest,
 * validate the survivors out of sample; the progress as it goes, Cancel between
 * backtests, Resume from the run's stored cells. In this browser the backtests
 * run on one Web Worker per core and the runs are kept in the settings: after a
 * reload the list shows a run that was running as interrupted, with Resume;
 * attached to a relay, the backtests run on the relay's threads and the list is
 * the relay's runs (one it ran when it restarted is interrupted, with Resume).
 * The children are cells like any other: the list and the lineage show them.
 */
export function Evolve(props: { cells: Cell[]; onCells: () => void }) {
  const ws = useWorkspace();
  const api = labEvolution(ws);
  const [stored] = createResource(() => (ws.status() ? true : false), () => ws.store.bars.list().catch(() => []));
  const d = EVOLUTION_DEFAULTS;
  const [parents, setParents] = createSignal<string[]>([]);
  const [seed, setSeed] = createSignal('1');
  const [population, setPopulation] = createSignal(String(d.population));
  const [generations, setGenerations] = createSignal(String(d.generations));
  const [keep, setKeep] = createSignal(String(d.keep));
  const [fitness, setFitness] = createSignal<Fitness>(d.fitness);
  const [minTrades, setMinTrades] = createSignal(String(d.minTrades));
  const [series, setSeries] = createSignal(`${d.symbol}|${d.timeframe}`);
  const [inFrom, setInFrom] = createSignal('');
  const [inTo, setInTo] = createSignal('');
  const [outFrom, setOutFrom] = createSignal('');
  const [outTo, setOutTo] = createSignal('');
  const [progress, setProgress] = createSignal<EvolutionProgress | null>(null);
  const [problem, setProblem] = createSignal('');
  const [runs, { refetch: refetchRuns }] = createResource(() => (ws.status() ? true : false), () => api.runs().catch((): EvolveRunListing[] => []));

  // The periods default to the chosen bars: the first 70 % in sample, the rest out of sample.
  createEffect(() => {
    const info = (stored.latest ?? []).find((s) => `${s.symbol}|${s.timeframe}` === series());
    if (!info || info.count < 2) return;
    const split = Math.floor((info.first + (info.last - info.first) * 0.7) / DAY) * DAY;
    setInFrom(dayText(info.first));
    setInTo(dayText(split - DAY));
    setOutFrom(dayText(split));
    setOutTo(dayText(info.last));
  });

  const spec = (): EvolutionSpec => {
    const [symbol, timeframe] = series().split('|');
    const int = (s: string) => (/^\s*-?\d+\s*$/.test(s) ? Number(s) : NaN);
    return {
      parents: parents(),
      seed: int(seed()),
      population: int(population()),
      generations: int(generations()),
      keep: int(keep()),
      fitness: fitness(),
      minTrades: int(minTrades()),
      symbol,
      timeframe: timeframe as Timeframe,
      inSample: { from: dayMs(inFrom(), false), to: dayMs(inTo(), true) },
      outOfSample: { from: dayMs(outFrom(), false), to: dayMs(outTo(), true) },
    };
  };

  let timer: ReturnType<typeof setInterval> | undefined;
  const stopPolling = () => (timer !== undefined && clearInterval(timer), (timer = undefined));
  onCleanup(stopPolling);
  const follow = (runId: string) => {
    stopPolling();
    let seen = -1;
    timer = setInterval(() => {
      api.progress(runId).then(
        (p) => {
          if (!p) return;
          setProgress(p);
          // A generation's children stored: the list and the lineage read them again (not at every backtest: a busy tab would starve the run).
          if (p.generation !== seen || p.status !== 'running') props.onCells();
          seen = p.generation;
          if (p.status !== 'running') {
            stopPolling();
            void refetchRuns();
            if (p.status === 'done') notify('ok', `Evolution ${runId} done: ${p.evaluated} backtests, ${p.survivors.length} survivors`);
          }
        },
        (e: unknown) => setProblem(`The run's progress could not be read: ${errorText(e)}`),
      );
    }, 250);
  };

  const begin = async (what: 'Evolution' | 'Resume', go: () => ReturnType<typeof api.start>) => {
    setProblem('');
    try {
      const out = await go();
      if (!out.ok) return setProblem(`${what} refused: ${out.message}`);
      setProgress(out.progress);
      follow(out.runId);
      void refetchRuns();
    } catch (e) {
      setProblem(`The evolution could not start: ${errorText(e)}`);
    }
  };
  const start = () => {
    if (parents().length === 0) return setProblem('Pick one or more parent cells (two or more to cross them).');
    return begin('Evolution', () => api.start(spec()));
  };
  // A run resumes with the spec it was started with, whatever the form shows now.
  const resume = (runId: string) => begin('Resume', () => api.resume(runId));

  // Back in the lab while a run of this page goes on: follow it again.
  createEffect(() => {
    const here = (runs.latest ?? []).find((r) => r.here && r.progress.status === 'running');
    if (here && !progress()) {
      setProgress(here.progress);
      follow(here.progress.runId);
    }
  });

  const cancel = async () => {
    const p = progress();
    if (!p) return;
    try {
      await api.cancel(p.runId);
    } catch (e) {
      setProblem(`Cancel failed: ${errorText(e)}`);
    }
  };

  const running = () => progress()?.status === 'running';
  const resumable = (s = progress()?.status) => s === 'cancelled' || s === 'failed' || s === 'interrupted';
  const pct = () => {
    const p = progress();
    return p && p.total > 0 ? Math.min(100, Math.floor((p.evaluated / p.total) * 100)) : 0;
  };
  const field = (label: string, value: () => string, set: (v: string) => void, name: string) => (
    <label>
      {label}
      <input inputMode="numeric" value={value()} onInput={(e) => set(e.currentTarget.value)} data-input={`evolve-${name}`} disabled={running()} />
    </label>
  );
  const date = (label: string, value: () => string, set: (v: string) => void, name: string) => (
    <label>
      {label}
      <input type="date" value={value()} onInput={(e) => set(e.currentTarget.value)} data-input={`evolve-${name}`} disabled={running()} />
    </label>
  );

  return (
    <form class="panel" data-lab-evolve onSubmit={(e) => (e.preventDefault(), void start())} noValidate>
      <h2>
        Evolve <span class="muted">({api.where === 'relay' ? 'on the relay, on its threads' : 'in this browser, one worker per core'})</span>
      </h2>
      <div class="lab-fields">
        <label>
          Parents (pick one, or two or more to cross)
          <select multiple size={5} onChange={(e) => setParents([...e.currentTarget.selectedOptions].map((o) => o.value))} data-input="evolve-parents" disabled={running()}>
            <For each={props.cells}>{(c) => <option value={c.id} selected={parents().includes(c.id)}>{c.name} ({c.id}, generation {c.generation})</option>}</For>
          </select>
        </label>
        <label>
          Bars
          <select value={series()} onChange={(e) => setSeries(e.currentTarget.value)} data-input="evolve-series" disabled={running()}>
            <For each={stored.latest ?? []}>{(s) => <option value={`${s.symbol}|${s.timeframe}`} selected={`${s.symbol}|${s.timeframe}` === series()}>{s.symbol} {s.timeframe} ({s.count.toLocaleString('en-US')} bars)</option>}</For>
          </select>
        </label>
      </div>
      <div class="lab-fields">
        {field('Seed', seed, setSeed, 'seed')}
        {field('Population (children a generation)', population, setPopulation, 'population')}
        {field('Generations', generations, setGenerations, 'generations')}
        {field('Keep (survivors)', keep, setKeep, 'keep')}
        <label>
          Fitness
          <select value={fitness()} onChange={(e) => setFitness(e.currentTarget.value as Fitness)} data-input="evolve-fitness" disabled={running()}>
            <For each={Object.entries(FITNESS_WORDS)}>{([k, w]) => <option value={k}>{w}</option>}</For>
          </select>
        </label>
        {field('Minimum trades', minTrades, setMinTrades, 'min-trades')}
      </div>
      <div class="lab-fields">
        {date('In sample from', inFrom, setInFrom, 'in-from')}
        {date('to', inTo, setInTo, 'in-to')}
        {date('Out of sample from', outFrom, setOutFrom, 'out-from')}
        {date('to', outTo, setOutTo, 'out-to')}
      </div>
      <div class="lab-actions">
        <button type="submit" class="primary" disabled={running()} data-action="evolve-start">Start</button>
        <Show when={running()}><button type="button" onClick={() => void cancel()} data-action="evolve-cancel">Cancel</button></Show>
        <Show when={resumable()}><button type="button" onClick={() => void resume(progress()!.runId)} data-action="evolve-resume">Resume</button></Show>
        <Show when={progress()}>
          <progress max="100" value={pct()} aria-label="Evolution progress" />
        </Show>
      </div>
      <Show when={progress()}>
        {(p) => (
          <p data-evolve-progress data-run={p().runId} data-status={p().status} data-generation={p().generation} data-evaluated={p().evaluated}>
            Run <span class="num">{p().runId}</span>: {p().status}, generation {p().generation} of {p().generations}, {p().evaluated} of {p().total} backtests
            <Show when={p().best} fallback={', no fit child yet'}>{(b) => <>, best fitness {fitnessText(b().fitness)} ({b().cellId})</>}</Show>
            {p().duplicates || p().discarded ? ` (${p().duplicates} duplicates and ${p().discarded} children that did not compile skipped)` : ''}
            <Show when={p().message}>. {p().message}</Show>
          </p>
        )}
      </Show>
      <Show when={problem()}><div class="notice notice-error" role="alert" data-evolve-problem>{problem()}</div></Show>
      <Show when={(runs.latest ?? []).length > 0}>
        <h3>{api.where === 'relay' ? 'Runs on the relay' : 'Runs in this browser'}</h3>
        <ul class="evolve-runs">
          <For each={runs.latest}>
            {(r) => (
              <li data-evolve-run={r.progress.runId} data-status={r.progress.status}>
                <span class="num">{r.progress.runId}</span> (seed {r.spec.seed}, {r.spec.population} a generation, {r.spec.parents.join(' x ')}):{' '}
                {r.here && r.progress.status === 'running' ? `running ${api.where === 'relay' ? 'on the relay' : 'in this page'}, its progress above` : r.progress.status === 'interrupted' ? r.progress.message : `${r.progress.status}, generation ${r.progress.generation} of ${r.progress.generations}, ${r.progress.evaluated} of ${r.progress.total} backtests${r.progress.message ? `; ${r.progress.message}` : ''}`}{' '}
                <Show when={resumable(r.progress.status) && !running()}>
                  <button type="button" onClick={() => void resume(r.progress.runId)} data-action="evolve-resume-run">Resume</button>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </form>
  );
}
