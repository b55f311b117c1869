import { createResource, createSignal, For, Show } from 'solid-js';
import { Page } from '../../components/Page.tsx';
import { useWorkspace } from '../../state/workspace.ts';
import { TIMEFRAMES, type Timeframe } from '../../../workers/market/timeframe.ts';
import { BAD_ROW_REASONS } from '../../../workers/market/csv.ts';
import { importCsvFile, symbolProblem, type CsvImportOutcome, type ImportPhase } from '../../import/csv.ts';
import { guessFromFileName, type FileNameGuess } from '../../../workers/market/csv-name.ts';
import { parseInWorker } from '../../import/csv-client.ts';
import { Field, errorText } from '../settings/form-fields.tsx';
import { fmt } from '../../components/format.ts';
import { BackupPanel } from './BackupPanel.tsx';

/**
 * Data: import bar CSVs (checked row by row; a refused file stores nothing),
 * see what is stored per symbol and timeframe, delete a series, and back the
 * whole workspace up to a file or restore it.
 */
export function DataView() {
  const ws = useWorkspace();
  const [tick, setTick] = createSignal(0);
  const [stored] = createResource(() => [ws.status() ? 1 : 0, tick()] as const, () => ws.store.bars.list());
  const [file, setFile] = createSignal<File | null>(null);
  const [guess, setGuess] = createSignal<FileNameGuess | null>(null);
  const [symbol, setSymbol] = createSignal('');
  const [timeframe, setTimeframe] = createSignal<Timeframe | ''>('');
  const [skipBad, setSkipBad] = createSignal(false);
  const [errors, setErrors] = createSignal<{ file?: string; symbol?: string }>({});
  const [phase, setPhase] = createSignal<ImportPhase | null>(null);
  const [outcome, setOutcome] = createSignal<CsvImportOutcome | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [over, setOver] = createSignal(false);
  const [confirmDelete, setConfirmDelete] = createSignal<string | null>(null);
  const [usedBy, setUsedBy] = createSignal<string[]>([]);
  const [listError, setListError] = createSignal('');

  const choose = (f: File | null | undefined) => {
    if (!f) return;
    setFile(f);
    setOutcome(null);
    const g = guessFromFileName(f.name);
    setGuess(g);
    setSymbol(g.symbol);
    setTimeframe(g.timeframe ?? '');
    setErrors({});
  };

  const run = async () => {
    const f = file();
    const e: { file?: string; symbol?: string } = {};
    if (!f) e.file = 'choose a CSV file (or drop one here)';
    const sp = symbolProblem(symbol());
    if (sp) e.symbol = sp;
    setErrors(e);
    if (!f || sp) return;
    setBusy(true);
    setOutcome(null);
    try {
      const out = await importCsvFile(ws.store, f, { symbol: symbol(), ...(timeframe() ? { timeframe: timeframe() as Timeframe } : {}), skipBadRows: skipBad(), parse: parseInWorker }, setPhase);
      setOutcome(out);
      if (out.ok) setTick(tick() + 1);
    } catch (err) {
      setOutcome({ ok: false, report: null as never, summary: '', storeError: `Could not read the file: ${errorText(err)}` });
    } finally {
      setBusy(false);
      setPhase(null);
    }
  };

  const phaseText = () => {
    const p = phase();
    if (!p) return '';
    switch (p.phase) {
      case 'reading': return `Reading ${fmt.bytes(p.loaded)} of ${fmt.bytes(p.total)}`;
      case 'checking': return 'Checking every row';
      case 'storing': return `Storing ${p.bars.toLocaleString('en-US')} bars`;
      case 'done': return 'Done';
    }
  };
  const phasePct = () => {
    const p = phase();
    if (!p) return 0;
    if (p.phase === 'reading') return p.total > 0 ? Math.round((p.loaded / p.total) * 60) : 0;
    return p.phase === 'checking' ? 70 : p.phase === 'storing' ? 90 : 100;
  };

  const remove = async (sym: string, tf: Timeframe) => {
    const key = `${sym}|${tf}`;
    if (confirmDelete() !== key) {
      // Say who trades these bars before they go: a replay or backtest on them has nothing left.
      const agents = await ws.store.agents.list().catch(() => []);
      setUsedBy(agents.filter((a) => a.state !== 'stopped' && a.config.timeframe === tf && a.config.symbols.includes(sym)).map((a) => a.config.id));
      setConfirmDelete(key);
      return;
    }
    setConfirmDelete(null);
    try {
      await ws.store.bars.delete(sym, tf);
      setTick(tick() + 1);
    } catch (e) {
      setListError(`Could not delete ${sym} ${tf}: ${errorText(e)}`);
    }
  };

  return (
    <Page view="data" class="view" title="Data">
      <div class="panel">
        <h3>Import bars from CSV</h3>
        <div
          class="dropzone"
          classList={{ 'dropzone-over': over() }}
          onDragOver={(e) => { e.preventDefault(); setOver(true); }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => { e.preventDefault(); setOver(false); choose(e.dataTransfer?.files[0]); }}
        >
          <Field name="file" label="CSV file (MT4/MT5 exports, cTrader, Yahoo, Dukascopy and plain OHLCV)" error={errors().file ?? null} hint="or drop a file here">
            {(id, d) => <input id={id} type="file" accept=".csv,.txt,text/csv" aria-describedby={d} data-input="csv-file" onChange={(e) => choose(e.currentTarget.files?.[0])} />}
          </Field>
          <Show when={file()}>{(f) => <p class="field-hint">{f().name}, {fmt.bytes(f().size)}</p>}</Show>
        </div>
        <Show when={file() && guess()}>
          {(g) => (
            <p class={`notice ${g().symbolFrom === 'first-word' || !g().symbol ? 'notice-warn' : 'notice-ok'}`} role="status" data-name-guess style={{ 'margin-top': '10px' }}>
              From the file name: {g().symbol ? <>symbol <strong data-guess-symbol>{g().symbol}</strong>{g().symbolFrom === 'first-word' ? ' (only the first word of the name: check it)' : ''}</> : 'no symbol (type it below)'}
              {', '}
              {g().timeframe ? <>timeframe <strong data-guess-timeframe>{g().timeframe}</strong></> : 'timeframe from the bar spacing'}
              . Correct them below before importing.
            </p>
          )}
        </Show>
        <div class="form-grid" style={{ 'margin-top': '10px' }}>
          <Field name="symbol" label="Symbol" error={errors().symbol ?? null} hint="guessed from the file name; edit it if wrong">
            {(id, d) => <input id={id} type="text" aria-describedby={d} value={symbol()} onInput={(e) => setSymbol(e.currentTarget.value)} data-input="csv-symbol" />}
          </Field>
          <Field name="timeframe" label="Timeframe" hint="detected from the bar spacing unless chosen">
            {(id, d) => (
              <select id={id} aria-describedby={d} value={timeframe()} onChange={(e) => setTimeframe(e.currentTarget.value as Timeframe | '')} data-input="csv-timeframe">
                <option value="">detect</option>
                <For each={TIMEFRAMES}>{(t) => <option value={t}>{t}</option>}</For>
              </select>
            )}
          </Field>
          <Field name="skipBad" label="Bad rows" hint="off: one bad row refuses the file">
            {(id, d) => (
              <label class="field-unit"><input id={id} type="checkbox" aria-describedby={d} checked={skipBad()} onChange={(e) => setSkipBad(e.currentTarget.checked)} /> skip them and import the rest</label>
            )}
          </Field>
        </div>
        <div class="actions">
          <button type="button" class="btn btn-primary" disabled={busy()} onClick={() => void run()} data-action="import-csv">Import</button>
          <Show when={phase()}>
            <div class="progress" style={{ flex: 1 }}>
              <progress max="100" value={phasePct()} aria-label="Import progress" />
              <span>{phaseText()}</span>
            </div>
          </Show>
        </div>
        <Show when={outcome()}>{(o) => <ImportResultView outcome={o()} />}</Show>
      </div>

      <div class="panel">
        <h3>Stored bars</h3>
        <Show when={listError()}><div class="notice notice-error" role="alert">{listError()}</div></Show>
        <Show when={(stored.latest ?? []).length > 0} fallback={<p class="field-hint">{stored.loading ? 'Loading…' : 'Nothing stored yet.'}</p>}>
          <div class="table-wrap">
          <table class="grid" data-stored-bars>
            <thead><tr><th>Symbol</th><th>Timeframe</th><th class="num">Bars</th><th>First (UTC)</th><th>Last (UTC)</th><th /></tr></thead>
            <tbody>
              <For each={stored.latest ?? []}>
                {(s) => (
                  <tr data-series={`${s.symbol}|${s.timeframe}`}>
                    <td>{s.symbol}</td>
                    <td>{s.timeframe}</td>
                    <td class="num" data-count>{s.count.toLocaleString('en-US')}</td>
                    <td>{fmt.time(s.first)}</td>
                    <td>{fmt.time(s.last)}</td>
                    <td class="num">
                      <button type="button" class="btn btn-danger" onClick={() => void remove(s.symbol, s.timeframe)} data-action="delete-series">
                        {confirmDelete() === `${s.symbol}|${s.timeframe}` ? `Delete ${s.count.toLocaleString('en-US')} bars?` : 'Delete'}
                      </button>
                      <Show when={confirmDelete() === `${s.symbol}|${s.timeframe}` && usedBy().length > 0}>
                        <div class="field-error" role="alert">used by {usedBy().join(', ')}: their replay stops at the next start</div>
                      </Show>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
          </div>
        </Show>
      </div>

      <BackupPanel onRestored={() => setTick(tick() + 1)} />
    </Page>
  );
}

function ImportResultView(props: { outcome: CsvImportOutcome }) {
  const r = () => props.outcome.report;
  return (
    <div data-import-result={props.outcome.ok ? 'ok' : 'refused'} style={{ 'margin-top': '10px' }}>
      <Show when={props.outcome.storeError}>
        <div class="notice notice-error" role="alert" data-store-error>{props.outcome.storeError}</div>
      </Show>
      <Show when={props.outcome.summary}>
        <div class={`notice ${props.outcome.ok ? 'notice-ok' : 'notice-error'}`} role={props.outcome.ok ? 'status' : 'alert'}>{props.outcome.summary}</div>
      </Show>
      <Show when={r() && r().badRows.length > 0}>
        <div class="table-wrap">
        <table class="grid" data-bad-rows style={{ 'margin-top': '8px' }}>
          <caption class="field-hint" style={{ 'text-align': 'left' }}>
            {r().badRowCount.toLocaleString('en-US')} bad row{r().badRowCount === 1 ? '' : 's'}
            {r().badRowCount > r().badRows.length ? ` (the first ${r().badRows.length} listed)` : ''}
          </caption>
          <thead><tr><th class="num">Line</th><th>Problem</th><th>Details</th></tr></thead>
          <tbody>
            <For each={r().badRows}>
              {(b) => (
                <tr data-bad-line={b.line}>
                  <td class="num">{b.line}</td>
                  <td>{BAD_ROW_REASONS[b.reason]}</td>
                  <td>{b.message}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
        </div>
      </Show>
    </div>
  );
}

export default DataView;
