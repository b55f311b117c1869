import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { Page } from '../../components/Page.tsx';
import { createStore } from 'solid-js/store';
import { normalizeTags, type TradeNote } from '../../../workers/store/store.ts';
import { fmt, tone } from '../../components/format.ts';
import { notify } from '../../components/toasts.tsx';
import { positionHistory } from '../../state/event-tail.ts';
import { route } from '../../state/route.ts';
import { useWorkspace } from '../../state/workspace.ts';
import { filterRows, tradeRows, type TradeFilter, type TradeRow } from './trade-rows.ts';
import { tradesCsv } from './trades-csv.ts';

/** Every trade, open and closed, with its life from entry to exit, the user's notes and tags, and a CSV export. */
export default function TradesView() {
  const ws = useWorkspace();
  const [filter, setFilter] = createStore<TradeFilter>({ agent: route().params.get('agent') ?? '', symbol: '', side: '', result: '', tag: '' });
  const [expanded, setExpanded] = createSignal<string | null>(null);
  const [notesVersion, setNotesVersion] = createSignal(0);

  const [rows] = createResource(
    () => [ws.version(), notesVersion()] as const,
    async () => {
      const [closed, open, history, notes] = await Promise.all([ws.store.trades.list(), ws.store.positions.open(), positionHistory(ws.store), ws.store.tradeNotes.list()]);
      return tradeRows(closed, open, history, new Map(notes.map((n) => [n.tradeId, n])));
    },
  );
  const all = () => rows.latest ?? [];
  const shown = createMemo(() => filterRows(all(), { ...filter }));
  const options = createMemo(() => ({
    agents: [...new Set(all().map((r) => r.agentId))].sort(),
    symbols: [...new Set(all().map((r) => r.symbol))].sort(),
    tags: [...new Set(all().flatMap((r) => r.note?.tags ?? []))].sort(),
  }));
  // Rows keyed by trade id: a refresh updates them in place (an open note editor keeps what is typed).
  const byId = createMemo(() => new Map(shown().map((r) => [r.id, r])));
  const ids = createMemo(
    () => shown().map((r) => r.id),
    [],
    { equals: (a, b) => a.length === b.length && a.every((x, i) => x === b[i]) },
  );
  const total = createMemo(() => shown().reduce((n, r) => n + (r.netPnl ?? 0), 0));

  function exportCsv() {
    const blob = new Blob([tradesCsv(shown())], { type: 'text/csv' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `tradeguard-trades-${new Date().toISOString().slice(0, 10)}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  return (
    <Page
      view="trades"
      title="Trades"
      actions={
        <button onClick={exportCsv} disabled={shown().length === 0} data-export-csv>
          Export CSV ({shown().length})
        </button>
      }
    >
      <div class="filters" role="search" aria-label="Filter trades">
        <Select label="Agent" value={filter.agent} options={options().agents} onChange={(v) => setFilter('agent', v)} name="agent" />
        <Select label="Symbol" value={filter.symbol} options={options().symbols} onChange={(v) => setFilter('symbol', v)} name="symbol" />
        <Select label="Side" value={filter.side} options={['long', 'short']} onChange={(v) => setFilter('side', v as TradeFilter['side'])} name="side" />
        <Select label="Result" value={filter.result} options={['win', 'loss', 'open']} onChange={(v) => setFilter('result', v as TradeFilter['result'])} name="result" />
        <Select label="Tag" value={filter.tag} options={options().tags} onChange={(v) => setFilter('tag', v)} name="tag" />
        <span class="muted small num" data-trade-summary>
          {shown().filter((r) => r.open).length} open · {shown().filter((r) => !r.open).length} closed · net <span class={tone(total())}>{fmt.signedUsd(total())}</span>
        </span>
      </div>
      <div class="panel">
        <div class="table-wrap">
        <table data-trades-table>
          <thead>
            <tr>
              {/* The result right after what the trade was: on a phone it is in the first screenful. */}
              <th title="when the entry order filled">Entry fill (UTC)</th>
              <th>Symbol</th>
              <th>Side</th>
              <th class="num">Net P&L</th>
              <th class="num">Return</th>
              <th>Agent</th>
              <th class="num">Units</th>
              <th class="num">Entry</th>
              <th class="num">Exit</th>
              <th>Reason</th>
              <th>Tags</th>
            </tr>
          </thead>
          <tbody>
            <For each={ids()} fallback={<tr><td colspan="11" class="muted">{rows.loading && !rows.latest ? 'Loading…' : 'No trades match.'}</td></tr>}>
              {(id) => (
                <Show when={byId().get(id)}>
                  {(r) => (
                <>
                  <tr
                    classList={{ 'open-row': r().open }}
                    data-trade-row={r().id}
                    data-open={r().open ? 'yes' : 'no'}
                    tabindex="0"
                    aria-expanded={expanded() === r().id}
                    onClick={() => setExpanded((e) => (e === r().id ? null : r().id))}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ' ') {
                        e.preventDefault();
                        setExpanded((x) => (x === r().id ? null : r().id));
                      }
                    }}
                  >
                    <td class="num" style={{ 'text-align': 'left' }} data-col="entry-time">{fmt.time(r().entryTime)}</td>
                    <td data-col="symbol">{r().symbol}</td>
                    <td data-col="side">
                      <span class={`badge ${r().side === 1 ? 'long' : 'short'}`}>{r().side === 1 ? 'long' : 'short'}</span>
                    </td>
                    <td class={`num ${tone(r().netPnl ?? 0)}`} data-col="net-pnl">{fmt.signedUsd(r().netPnl)}</td>
                    <td class="num" data-col="return">{fmt.signedPct(r().returnPct)}</td>
                    <td data-col="agent">{r().agentId}</td>
                    <td class="num" data-col="units">{fmt.units(r().volumeUnits)}</td>
                    <td class="num" data-col="entry-price">{fmt.price(r().symbol, r().entryPrice)}</td>
                    <td class="num" data-col="exit-price">{r().open ? 'open' : fmt.price(r().symbol, r().exitPrice)}</td>
                    <td data-col="reason">{r().reason ?? '–'}</td>
                    <td data-col="tags">{r().note?.tags.join(', ')}</td>
                  </tr>
                  <Show when={expanded() === r().id}>
                    <tr>
                      <td colspan="11">
                        <TradeDetail row={r()} onSaved={() => setNotesVersion((v) => v + 1)} />
                      </td>
                    </tr>
                  </Show>
                </>
                  )}
                </Show>
              )}
            </For>
          </tbody>
        </table>
        </div>
      </div>
    </Page>
  );

  function TradeDetail(props: { row: TradeRow; onSaved: () => void }) {
    const [note, setNote] = createSignal(props.row.note?.note ?? '');
    const [tags, setTags] = createSignal(props.row.note?.tags.join(', ') ?? '');
    const [saving, setSaving] = createSignal(false);
    const save = async (e: Event) => {
      e.preventDefault();
      setSaving(true);
      try {
        const n: TradeNote = { tradeId: props.row.id, note: note(), tags: normalizeTags(tags().split(/[,\s]+/)), updatedAt: Date.now() };
        await ws.store.tradeNotes.put(n);
        notify('ok', `note saved for ${props.row.symbol} trade ${props.row.id}`);
        props.onSaved();
      } catch (err) {
        notify('error', `the note was not saved: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        setSaving(false);
      }
    };
    return (
      <div class="grid-2" data-trade-detail>
        <div>
          <h3>Lifecycle</h3>
          <ol class="small" data-lifecycle>
            <For each={props.row.lifecycle}>
              {(s) => (
                <li>
                  <span class="num">{fmt.time(s.time)}</span> — {s.what}
                </li>
              )}
            </For>
          </ol>
        </div>
        <form onSubmit={save} class="field">
          <h3>Journal</h3>
          <label class="field">
            <span>Note</span>
            <textarea rows="3" value={note()} onInput={(e) => setNote(e.currentTarget.value)} name="note" />
          </label>
          <label class="field">
            <span>Tags (comma or space separated)</span>
            <input value={tags()} onInput={(e) => setTags(e.currentTarget.value)} name="tags" placeholder="breakout, fomo" />
          </label>
          <div class="row">
            <button type="submit" class="primary" disabled={saving()}>
              Save note
            </button>
          </div>
        </form>
      </div>
    );
  }
}

function Select(props: { label: string; name: string; value: string; options: string[]; onChange: (v: string) => void }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select name={`filter-${props.name}`} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">all</option>
        <For each={props.options}>{(o) => <option value={o}>{o}</option>}</For>
      </select>
    </label>
  );
}
