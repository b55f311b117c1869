import { createEffect, createResource, createSignal, For, Index, on, Show } from 'solid-js';
import { Page } from '../../components/Page.tsx';
import { createStore, reconcile } from 'solid-js/store';
import { useWorkspace } from '../../state/workspace.ts';
import { ModelRegistry } from '../../../workers/models/bundle/registry.ts';
import { RULE_STRATEGIES } from '../../../workers/strategies/index.ts';
import type { StoredModel } from '../../../workers/models/bundle/registry.ts';
import { startBacktest, type RunningBacktest } from '../../backtest/client.ts';
import { Field, errorText } from '../settings/form-fields.tsx';
import { utcMinute } from '../../../workers/util/utc-text.ts';
import { compareRuns, type Comparison } from '../../../workers/backtest/compare-runs.ts';
import { rerunBlocked } from '../../../workers/backtest/stored-run.ts';
import { localBacktestHistory } from '../../store/backtest-history.ts';
import { STORE_NAME } from '../../state/create-workspace.ts';
import { confirmAction } from '../../components/confirm.tsx';
import { checkForm, defaultForm, paramStrings, type BacktestForm, type FieldErrors, type FieldKey } from './form.ts';
import { formOfRecord, recordOfRun, thresholdDefaults } from './run-record.ts';
import { RunResult, type ShownRun } from './RunResult.tsx';
import { HistoryPanel } from './HistoryPanel.tsx';
import { CompareRuns } from './CompareRuns.tsx';

/**
 * Backtest: pick stored bars, a rule strategy or imported models, costs and
 * risk; run it in the backtest worker with progress and Cancel; read the
 * metrics, equity curve and trades; deploy what was tested as a live agent.
 * Every run is kept in the history (this browser's IndexedDB): open one again,
 * delete it, compare several side by side, rerun or deploy it.
 */
export function BacktestView() {
  const ws = useWorkspace();
  // Re-read when the engine comes up (the demo seed writes bars and models on a first start), not on every step.
  const ready = () => (ws.status() ? 1 : 0);
  const [stored] = createResource(ready, () => ws.store.bars.list());
  const [models] = createResource(ready, () => new ModelRegistry(ws.store.models).list());
  const [form, setForm] = createStore<BacktestForm>(defaultForm([]));
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [progress, setProgress] = createSignal<{ done: number; total: number } | null>(null);
  const [running, setRunning] = createSignal<RunningBacktest | null>(null);
  const [shown, setShown] = createSignal<ShownRun | null>(null);
  const [runError, setRunError] = createSignal('');
  const history = localBacktestHistory(STORE_NAME);
  const [runs, { refetch: relist }] = createResource(() => history.list());
  const [comparison, setComparison] = createSignal<Comparison | null>(null);
  const [historyError, setHistoryError] = createSignal('');
  let initialised = false;

  // The first time the stored series are known, start from the demo settings on them.
  createEffect(() => {
    const s = stored.latest;
    if (!s || s.length === 0 || initialised) return;
    initialised = true;
    setForm(reconcile(defaultForm(s)));
  });

  const ctx = () => ({ stored: stored.latest ?? [], models: models.latest ?? [] });
  const err = (k: FieldKey) => errors()[k] ?? null;
  /** Re-checks as the user types once a run was tried, so a fixed field clears its message. */
  const touched = () => Object.keys(errors()).length > 0;
  // The agent name follows the signal chosen until the user types one; so do the thresholds (from the chosen bundles' manifests).
  let nameTyped = false;
  const typed = { minConfidence: false, guardThreshold: false };
  const autoName = () => {
    if (nameTyped) return;
    const m = (models.latest ?? []).find((x) => x.id === form.alphaModel);
    const p = form.params;
    setForm('name', form.alphaKind === 'model' ? `${m ? m.name : 'Model'} chain` : `${form.strategy} ${String(p.fast ?? '')}/${String(p.slow ?? '')}`.trim());
  };
  const update = <K extends keyof BacktestForm>(k: K, v: BacktestForm[K]) => {
    setForm(k, v as never);
    if (k === 'minConfidence' || k === 'guardThreshold') typed[k as keyof typeof typed] = true;
    if (k === 'name') nameTyped = true;
    else if (k === 'alphaKind' || k === 'alphaModel') autoName();
    if (touched()) setErrors(checkForm(form, ctx()).errors);
  };
  const chooseSeries = (v: string) => {
    const info = (stored.latest ?? []).find((s) => `${s.symbol}|${s.timeframe}` === v);
    setForm({ series: v, ...(info ? { from: utcMinute(info.first), to: utcMinute(info.last) } : {}) });
    if (touched()) setErrors(checkForm(form, ctx()).errors);
  };
  const chooseStrategy = (name: string) => {
    setForm({ strategy: name, params: paramStrings(name) });
    autoName();
  };

  // Choosing an alpha or a guard sets the thresholds its manifest declares (a typed value stays).
  let asked = 0;
  createEffect(on(() => [form.alphaKind, form.alphaModel, form.guardModel] as const, async ([kind, alphaId, guardId]) => {
    const ask = ++asked;
    const manifest = async (id: string) => (id ? ((await ws.store.models.get(id).catch(() => undefined))?.manifest ?? null) : null);
    const [alpha, guard] = await Promise.all([manifest(kind === 'model' ? alphaId : ''), manifest(guardId)]);
    if (ask === asked) setForm(thresholdDefaults({ alpha, guard }, typed));
  }, { defer: true }));

  const run = async () => {
    setRunError('');
    const { errors: e, checked } = checkForm(form, ctx());
    // The limits the workspace enforces now (Settings > Risk limits), as its host reports them.
    const risk = form.accountRisk ? ws.status()?.risk?.config : undefined;
    if (form.accountRisk && !risk) e.accountRisk = 'the workspace reports no risk limits yet: set them in Settings > Risk limits';
    setErrors(e);
    if (!checked || e.accountRisk) return;
    try {
      const series = await ws.store.bars.get(checked.symbol, checked.timeframe, { from: checked.from, to: checked.to });
      if (!series || series.time.length < 2) {
        setErrors({ from: 'no bars in this date range' });
        return;
      }
      const bundles: StoredModel[] = [];
      for (const id of checked.modelIds) {
        const m = await ws.store.models.get(id);
        if (!m) throw new Error(`model ${id} is not stored any more`);
        bundles.push(m);
      }
      setProgress({ done: 0, total: series.time.length });
      let over = false;
      const job = startBacktest({ series, agent: checked.agent, initialCash: checked.initialCash, leverage: checked.leverage, costs: checked.costs, models: bundles, risk }, (done, total) => {
        // A progress message that crosses the result on its way in is old news.
        if (!over) setProgress({ done, total });
      });
      setRunning(job);
      const outcome = await job.result.finally(() => (over = true));
      setProgress({ done: outcome.barsDone, total: outcome.barsTotal });
      // Kept in the history, then shown from that record: a fresh run and a reopened one look the same.
      const record = recordOfRun({ outcome, checked, models: bundles, risk }, Date.now());
      const saveError = await history.put(record).then(() => undefined, (e: unknown) => errorText(e));
      setShown({ record, series, fresh: { elapsedMs: outcome.elapsedMs }, ...(saveError ? { saveError } : {}) });
      void relist();
    } catch (e) {
      setRunError(errorText(e));
      setProgress(null);
    } finally {
      setRunning(null);
    }
  };

  const pct = () => {
    const p = progress();
    return p && p.total > 0 ? Math.floor((p.done / p.total) * 100) : 0;
  };
  const modelIds = () => new Set((models.latest ?? []).map((m) => m.id));
  const blocked = (r: ShownRun) => rerunBlocked(r.record, (id) => modelIds().has(id));

  const openRun = async (id: string) => {
    setHistoryError('');
    const record = await history.get(id);
    if (!record) {
      setHistoryError(`backtest ${id} is not in the history any more`);
      void relist();
      return;
    }
    const series = await ws.store.bars.get(record.symbol, record.timeframe, record.range).catch(() => null);
    setShown({ record, series: series && series.time.length > 0 ? series : null });
    document.querySelector('[data-backtest-result]')?.scrollIntoView({ block: 'start' });
  };
  const deleteRun = async (id: string) => {
    const r = (runs.latest ?? []).find((x) => x.id === id);
    if (!r || !(await confirmAction(`Delete the backtest "${r.name}" on ${r.symbol} ${r.timeframe}, kept ${utcMinute(r.createdAt)} UTC? Its results go with it.`, { confirmLabel: 'Delete' }))) return;
    await history.delete(id).catch((e: unknown) => setHistoryError(errorText(e)));
    if (shown()?.record.id === id) setShown(null);
    if (comparison()?.runs.some((x) => x.id === id)) setComparison(null);
    void relist();
  };
  const compare = async (ids: string[]) => {
    setHistoryError('');
    const records = (await Promise.all(ids.map((id) => history.get(id)))).filter((r) => r !== undefined);
    if (records.length < 2) return setHistoryError('two of the runs ticked are not in the history any more');
    setComparison(compareRuns(records));
  };
  const rerun = (r: ShownRun) => {
    const out = formOfRecord(r.record, (id) => modelIds().has(id));
    if ('refused' in out) return setHistoryError(out.refused);
    nameTyped = true;
    typed.minConfidence = typed.guardThreshold = true;
    setForm(reconcile(out.form));
    setErrors({});
    document.querySelector('[data-view="backtest"] form')?.scrollIntoView({ block: 'start' });
  };

  const alphaModels = () => (models.latest ?? []).filter((m) => m.role === 'alpha');
  const riskModels = () => (models.latest ?? []).filter((m) => m.role === 'risk');
  const guardModels = () => (models.latest ?? []).filter((m) => m.role === 'guard');
  const num = (k: keyof BacktestForm & FieldKey, label: string, unit: string, hint?: string) => (
    <Field name={k} label={label} unit={unit} hint={hint} error={err(k)}>
      {(id, d) => <input id={id} class="num" inputMode="decimal" aria-describedby={d} aria-invalid={!!err(k)} value={form[k] as string} onInput={(e) => update(k, e.currentTarget.value as never)} />}
    </Field>
  );

  return (
    <Page view="backtest" class="view" title="Backtest">
      <form class="panel" onSubmit={(e) => { e.preventDefault(); void run(); }} noValidate>
        <h3>Data</h3>
        <div class="form-grid">
          <Field name="series" label="Symbol and timeframe" error={err('series')}>
            {(id, d) => (
              <select id={id} aria-describedby={d} value={form.series} onChange={(e) => chooseSeries(e.currentTarget.value)}>
                <Show when={(stored.latest ?? []).length === 0}><option value="">no stored bars</option></Show>
                <For each={stored.latest ?? []}>{(s) => <option value={`${s.symbol}|${s.timeframe}`}>{s.symbol} {s.timeframe} ({s.count.toLocaleString('en-US')} bars)</option>}</For>
              </select>
            )}
          </Field>
          <Field name="from" label="From (UTC, 24-hour)" hint="YYYY-MM-DD HH:mm, or a date alone" error={err('from')}>
            {(id, d) => <input id={id} type="text" inputMode="numeric" autocomplete="off" spellcheck={false} placeholder="YYYY-MM-DD HH:mm" pattern="\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?" aria-describedby={d} value={form.from} onInput={(e) => update('from', e.currentTarget.value)} data-input="from" />}
          </Field>
          <Field name="to" label="To (UTC, 24-hour, inclusive)" hint="a date alone runs to the end of that day" error={err('to')}>
            {(id, d) => <input id={id} type="text" inputMode="numeric" autocomplete="off" spellcheck={false} placeholder="YYYY-MM-DD HH:mm" pattern="\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?" aria-describedby={d} value={form.to} onInput={(e) => update('to', e.currentTarget.value)} data-input="to" />}
          </Field>
        </div>

        <h3>Signal</h3>
        <div class="actions" role="radiogroup" aria-label="Signal source">
          <label><input type="radio" name="alphaKind" checked={form.alphaKind === 'rule'} onChange={() => update('alphaKind', 'rule')} /> Rule strategy</label>
          <label><input type="radio" name="alphaKind" checked={form.alphaKind === 'model'} onChange={() => update('alphaKind', 'model')} /> Models</label>
        </div>
        <div class="form-grid">
          <Show when={form.alphaKind === 'rule'}>
            <Field name="strategy" label="Strategy" error={err('strategy')} hint={RULE_STRATEGIES[form.strategy]?.description}>
              {(id, d) => (
                <select id={id} aria-describedby={d} value={form.strategy} onChange={(e) => chooseStrategy(e.currentTarget.value)}>
                  <For each={Object.keys(RULE_STRATEGIES)}>{(n) => <option value={n}>{n}</option>}</For>
                </select>
              )}
            </Field>
            <Index each={Object.keys(form.params)}>
              {(k) => (
                <Field name={`param.${k()}`} label={RULE_STRATEGIES[form.strategy]?.labels?.[k()] ?? k()} error={err(`param.${k()}`)} unit={typeof form.params[k()] === 'boolean' ? undefined : 'bars'}>
                  {(id, d) =>
                    typeof form.params[k()] === 'boolean' ? (
                      <input id={id} type="checkbox" name={`param-${k()}`} aria-describedby={d} checked={form.params[k()] === true} onChange={(e) => { setForm('params', k(), e.currentTarget.checked); }} />
                    ) : (
                      <input id={id} class="num" inputMode="numeric" aria-describedby={d} value={form.params[k()] as string} onInput={(e) => { setForm('params', k(), e.currentTarget.value); autoName(); if (touched()) setErrors(checkForm(form, ctx()).errors); }} />
                    )
                  }
                </Field>
              )}
            </Index>
          </Show>
          <Show when={form.alphaKind === 'model'}>
            <Field name="alphaModel" label="Alpha model" error={err('alphaModel')}>
              {(id, d) => (
                <select id={id} aria-describedby={d} value={form.alphaModel} onChange={(e) => update('alphaModel', e.currentTarget.value)}>
                  <option value="">choose…</option>
                  <For each={alphaModels()}>{(m) => <option value={m.id}>{m.name} {m.version} ({m.timeframe})</option>}</For>
                </select>
              )}
            </Field>
          </Show>
          <Field name="riskModel" label="Risk model (optional)" error={err('riskModel')}>
            {(id, d) => (
              <select id={id} aria-describedby={d} value={form.riskModel} onChange={(e) => update('riskModel', e.currentTarget.value)}>
                <option value="">none: ATR stop and risk %</option>
                <For each={riskModels()}>{(m) => <option value={m.id}>{m.name} {m.version}</option>}</For>
              </select>
            )}
          </Field>
          <Field name="guardModel" label="Guard model (optional)" error={err('guardModel')}>
            {(id, d) => (
              <select id={id} aria-describedby={d} value={form.guardModel} onChange={(e) => update('guardModel', e.currentTarget.value)}>
                <option value="">none</option>
                <For each={guardModels()}>{(m) => <option value={m.id}>{m.name} {m.version}</option>}</For>
              </select>
            )}
          </Field>
          <Show when={form.alphaKind === 'model' || form.riskModel || form.guardModel}>
            <Show when={form.alphaKind === 'model'}>
              {num('minConfidence', 'Minimum alpha confidence', '0..1', 'the alpha must be at least this sure to propose a trade')}
            </Show>
            <Show when={form.guardModel}>
              {num('guardThreshold', 'Guard threshold', '0..1', 'trades the guard allows with at least this probability (the demo guard is calibrated near 0.41)')}
            </Show>
          </Show>
        </div>

        <h3>Risk</h3>
        <div class="form-grid">
          {num('riskPct', 'Risk per trade', '% of equity')}
          {num('stopAtr', 'Stop', '× ATR', 'blank: no stop')}
          {num('targetAtr', 'Target', '× ATR', 'blank: no target')}
          {num('trailAtr', 'Trailing stop', '× ATR', 'blank: none')}
          {num('atrPeriod', 'ATR period', 'bars')}
          {num('maxPositionPct', 'Maximum position', '% of equity')}
          <Field name="accountRisk" label="Account risk limits" hint="run under Settings > Risk limits, as live trading would: the results count what each rule refused" error={err('accountRisk')}>
            {(id, d) => <input id={id} type="checkbox" aria-describedby={d} checked={form.accountRisk} onChange={(e) => update('accountRisk', e.currentTarget.checked)} data-input="account-risk" />}
          </Field>
        </div>

        <h3>Costs and account</h3>
        <div class="form-grid">
          {num('spreadPips', 'Spread', 'pips')}
          {num('slippagePips', 'Slippage', 'pips')}
          {num('commissionPerLot', 'Commission', 'USD per lot per side')}
          {num('capital', 'Capital', 'USD')}
          {num('leverage', 'Leverage', ': 1')}
          <Field name="name" label="Agent name" error={err('name')}>
            {(id, d) => <input id={id} type="text" aria-describedby={d} value={form.name} onInput={(e) => update('name', e.currentTarget.value)} />}
          </Field>
        </div>
        <Show when={err('form')}><div class="notice notice-error" role="alert">{err('form')}</div></Show>

        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={!!running()} data-action="run-backtest">Run backtest</button>
          <Show when={running()}>
            <button type="button" class="btn" onClick={() => running()?.cancel()} data-action="cancel-backtest">Cancel</button>
          </Show>
          <Show when={progress()}>
            <div class="progress" style={{ flex: 1 }}>
              <progress max="100" value={pct()} aria-label="Backtest progress" />
              <span class="num" data-progress={pct()}>{pct()} %</span>
              <span class="field-hint">{progress()!.done.toLocaleString('en-US')} / {progress()!.total.toLocaleString('en-US')} bars</span>
            </div>
          </Show>
        </div>
        <Show when={runError()}><div class="notice notice-error" role="alert">Backtest failed: {runError()}</div></Show>
      </form>

      <Show when={comparison()}>{(c) => <CompareRuns comparison={c()} onClose={() => setComparison(null)} />}</Show>
      <Show when={shown()}>{(r) => <RunResult run={r()} blocked={blocked(r())} onRerun={() => rerun(r())} />}</Show>
      <Show when={historyError()}><div class="notice notice-error" role="alert">{historyError()}</div></Show>
      <HistoryPanel runs={runs.latest ?? []} openId={shown()?.record.id ?? null} onOpen={(id) => void openRun(id)} onDelete={(id) => void deleteRun(id)} onCompare={(ids) => void compare(ids)} />
    </Page>
  );
}

export default BacktestView;
