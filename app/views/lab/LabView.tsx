import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { Page } from '../../components/Page.tsx';
import { useWorkspace } from '../../state/workspace.ts';
import { notify } from '../../components/toasts.tsx';
import { navigate } from '../../state/route.ts';
import { checkSource } from '../../../workers/lab/compile.ts';
import { CELL_CATEGORIES, SMA_CROSS, type CellCategory } from '../../../workers/lab/builtin-cells.ts';
import type { Cell } from '../../../workers/lab/cell.ts';
import { statusText } from '../../../workers/lab/viability.ts';
import type { Timeframe } from '../../../workers/market/timeframe.ts';
import type { BacktestOutcome } from '../../backtest/protocol.ts';
import type { RunningBacktest } from '../../backtest/client.ts';
import { MetricsTable } from '../backtest/MetricsTable.tsx';
import { EquityChart } from '../../charts/EquityChart.tsx';
import { errorText } from '../settings/form-fields.tsx';
import { Editor } from './Editor.tsx';
import { CellList } from './CellList.tsx';
import { CellDiff } from './CellDiff.tsx';
import { Lineage } from './Lineage.tsx';
import { Screener } from './Screener.tsx';
import { Evolve } from './Evolve.tsx';
import { labCells, firstError, type LabOutcome } from './lab-api.ts';
import { agentForCell, draftVerdict, testDraft } from './lab-test.ts';
import './lab.css';

/**
 * The strategy lab: write a program (highlighted, its errors underlined and
 * explained as you type), Test it on stored bars in the backtest worker,
 * store it as a cell, fork any cell (the change shown as a diff against the
 * parent), follow a family's lineage, and deploy a cell as a paper agent.
 * docs/LANGUAGE.md is the language's reference.
 */
export default function LabView() {
  const ws = useWorkspace();
  const cellsApi = labCells(ws);
  // Not before the engine runs: the first start stores the demo bars the built-in cells are seeded and tested on
  // (a resource's source of false waits; 0 would not).
  const ready = () => (ws.status() ? true : false);
  // A failed read is said in the view (a resource's error would throw where the list is read).
  const [listed, { refetch }] = createResource(ready, () => cellsApi.list().then((cells) => ({ cells, error: '' }), (e: unknown) => ({ cells: [] as Cell[], error: errorText(e) })));
  const cells = () => listed.latest?.cells ?? [];
  const [stored] = createResource(ready, () => ws.store.bars.list().catch(() => []));

  const [source, setSource] = createSignal(SMA_CROSS);
  const [name, setName] = createSignal('My cell');
  const [category, setCategory] = createSignal<CellCategory>('momentum');
  const [hypothesis, setHypothesis] = createSignal('');
  const [author, setAuthor] = createSignal('Trader');
  const [mutation, setMutation] = createSignal('');
  const [parent, setParent] = createSignal<Cell | null>(null);
  const [series, setSeries] = createSignal('EURUSD|H1');
  const diagnostics = createMemo(() => checkSource(source()));

  const [progress, setProgress] = createSignal<{ done: number; total: number } | null>(null);
  const [running, setRunning] = createSignal<RunningBacktest | null>(null);
  const [outcome, setOutcome] = createSignal<BacktestOutcome | null>(null);
  const [problem, setProblem] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [selected, setSelected] = createSignal<string | null>(null);

  const plan = () => {
    const [symbol, timeframe] = series().split('|');
    return { symbol, timeframe: timeframe as Timeframe };
  };
  const pct = () => {
    const p = progress();
    return p && p.total > 0 ? Math.floor((p.done / p.total) * 100) : 0;
  };

  const test = async () => {
    setProblem('');
    setOutcome(null);
    const d = diagnostics();
    if (d.errors.length) return setProblem(`Fix the program first: ${firstError(d.errors)}`);
    try {
      const { symbol, timeframe } = plan();
      const bars = await ws.store.bars.get(symbol, timeframe);
      if (!bars || bars.time.length < 2) return setProblem(`No stored ${symbol} ${timeframe} bars to test on: import them on the Data page.`);
      setProgress({ done: 0, total: bars.time.length });
      let over = false;
      const job = testDraft(source(), hypothesis(), bars, (done, total) => {
        if (!over) setProgress({ done, total });
      });
      setRunning(job);
      const out = await job.result.finally(() => (over = true));
      setProgress({ done: out.barsDone, total: out.barsTotal });
      setOutcome(out);
    } catch (e) {
      setProblem(`The test failed: ${errorText(e)}`);
      setProgress(null);
    } finally {
      setRunning(null);
    }
  };

  const stored_ = async (out: LabOutcome, what: string) => {
    if (!out.ok) return setProblem(`${what} refused: ${out.message}`);
    notify('ok', `${what}: ${out.cell.name} (${out.cell.id}) stored, ${statusText(out.cell.status)}`);
    await refetch();
    setSelected(out.cell.id);
    setParent(null);
    setMutation('');
    document.querySelector('[data-lab-lineage]')?.scrollIntoView({ block: 'start' });
  };

  const create = async () => {
    setProblem('');
    const d = diagnostics();
    if (d.errors.length) return setProblem(`Fix the program first: ${firstError(d.errors)}`);
    const p = parent();
    if (p && mutation().trim() === '') return setProblem('Say what the fork changes (the mutation), e.g. "fast average 10 -> 8".');
    setBusy(true);
    try {
      const who = { kind: 'person' as const, name: author().trim() || 'Trader' };
      if (p) await stored_(await cellsApi.fork(p.id, { source: source(), mutation: mutation().trim(), author: who, name: name(), hypothesis: hypothesis() || p.hypothesis }, plan()), 'Fork');
      else await stored_(await cellsApi.create({ name: name(), source: source(), author: who, category: category(), hypothesis: hypothesis() }, plan()), 'Cell');
    } catch (e) {
      setProblem(`The cell could not be stored: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const fork = (c: Cell) => {
    setParent(c);
    setSource(c.source);
    setName(c.name);
    setCategory(c.category);
    setHypothesis(c.hypothesis);
    setMutation('');
    setOutcome(null);
    setProblem('');
    setSelected(c.id);
    document.querySelector('[data-lab-editor]')?.scrollIntoView({ block: 'start' });
  };

  const deploy = async (c: Cell) => {
    setBusy(true);
    try {
      const config = agentForCell(c, new Set(ws.status()?.agents.map((a) => a.id) ?? []));
      const r = await ws.host.command({ kind: 'agent.create', config });
      if (!r.ok) return setProblem(`Deploy refused: ${r.reason}`);
      notify('ok', `${r.message} (paper: it trades on paper until you move it to live on the Agents page)`);
      navigate('agents', { agent: config.id });
    } catch (e) {
      setProblem(`Deploy failed: ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page view="lab" class="view" title="Strategy lab">
      <form class="panel" data-lab-editor onSubmit={(e) => (e.preventDefault(), void test())} noValidate>
        <h2>
          <Show when={parent()} fallback="New cell">
            {(p) => <>Fork of {p().name} <span class="muted">({p().id}, generation {p().generation})</span></>}
          </Show>
        </h2>
        <Editor value={source()} onInput={setSource} diagnostics={diagnostics()} label="Strategy program" rows={9} />
        <div class="lab-fields">
          <label>Name<input value={name()} onInput={(e) => setName(e.currentTarget.value)} data-input="cell-name" /></label>
          <label>
            Category
            <select value={category()} onChange={(e) => setCategory(e.currentTarget.value as CellCategory)} disabled={!!parent()} data-input="cell-category">
              <For each={CELL_CATEGORIES}>{(c) => <option value={c}>{c}</option>}</For>
            </select>
          </label>
          <label>Author<input value={author()} onInput={(e) => setAuthor(e.currentTarget.value)} data-input="cell-author" /></label>
          <label>
            Test on
            <select value={series()} onChange={(e) => setSeries(e.currentTarget.value)} data-input="cell-series">
              <For each={stored.latest ?? []}>{(s) => <option value={`${s.symbol}|${s.timeframe}`} selected={`${s.symbol}|${s.timeframe}` === series()}>{s.symbol} {s.timeframe} ({s.count.toLocaleString('en-US')} bars)</option>}</For>
            </select>
          </label>
        </div>
        <div class="lab-fields">
          <label>Hypothesis (what it should show)<input value={hypothesis()} onInput={(e) => setHypothesis(e.currentTarget.value)} placeholder="e.g. short-term momentum persists on EURUSD H1" data-input="cell-hypothesis" /></label>
          <Show when={parent()}>
            <label>What the fork changes<input value={mutation()} onInput={(e) => setMutation(e.currentTarget.value)} placeholder="e.g. fast average 10 -> 8" data-input="cell-mutation" /></label>
          </Show>
        </div>
        <Show when={parent()}>{(p) => <CellDiff parent={p().source} child={source()} parentName={p().id} childName="this fork" />}</Show>
        <div class="lab-actions">
          <button type="submit" disabled={!!running()} data-action="test-cell">Test</button>
          <Show when={running()}><button type="button" onClick={() => running()?.cancel()} data-action="cancel-test">Cancel</button></Show>
          <button type="button" class="primary" disabled={busy() || !!running()} onClick={() => void create()} data-action="create-cell">
            {parent() ? 'Create fork' : 'Create cell'}
          </button>
          <Show when={parent()}><button type="button" class="ghost" onClick={() => (setParent(null), setMutation(''))} data-action="new-cell">Start a new cell instead</button></Show>
          <Show when={progress()}>
            <progress max="100" value={pct()} aria-label="Test progress" />
            <span class="num" data-progress={pct()}>{pct()} %</span>
          </Show>
        </div>
        <Show when={problem()}><div class="notice notice-error" role="alert" data-lab-problem-banner>{problem()}</div></Show>
      </form>

      <Show when={outcome()}>
        {(o) => (
          <div class="panel" data-lab-test-result>
            <h2>Test on {o().symbol} {o().timeframe}{o().cancelled ? ' (cancelled: the bars run so far)' : ''}</h2>
            <p data-lab-verdict>{draftVerdict(o())}</p>
            <div class="two-col">
              <div><MetricsTable metrics={o().metrics} openPositions={o().openPositions.length} /></div>
              <div><EquityChart time={o().equity.time} equity={o().equity.equity} drawdown={o().equity.drawdown} height={260} /></div>
            </div>
          </div>
        )}
      </Show>

      <div class="panel">
        <h2>Cells <span class="muted">({cellsApi.where === 'relay' ? 'on the relay' : 'in this browser'})</span></h2>
        <Show when={listed.latest?.error}><div class="notice notice-error" role="alert">The cells could not be read: {listed.latest?.error}</div></Show>
        <CellList cells={cells()} selected={selected()} onSelect={setSelected} onFork={fork} onDeploy={(c) => void deploy(c)} busy={busy()} />
      </div>

      <Show when={selected() && cells().some((c) => c.id === selected())}>
        <Lineage cells={cells()} selected={selected()!} onSelect={setSelected} />
      </Show>

      <Evolve cells={cells()} onCells={() => void refetch()} />

      <Screener />
    </Page>
  );
}
