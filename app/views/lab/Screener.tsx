import { createResource, createSignal, For, Show } from 'solid-js';
import { useWorkspace } from '../../state/workspace.ts';
import { notify } from '../../components/toasts.tsx';
import { errorText } from '../settings/form-fields.tsx';
import { TIMEFRAMES, type Timeframe } from '../../../workers/market/timeframe.ts';
import { WATCHLIST_SYMBOL } from '../../../workers/cells/watchlist.ts';
import type { ScreenUniverse } from '../../../workers/cells/screens.ts';
import { screenerApi, type ScreenerState } from './screener-api.ts';

/**
 * The screener: a filter and a rank in the lab's language over every stored
 * series or, on a relay, the live broker's symbols with history fetched from
 * it (IBKR: the symbols set in its settings, TWS lists none), the ranked rows
 * with their values, the symbols refused and why, the watchlist (top N of
 * the last screen plus the trader's own) with its change log, and the daily
 * run before the session opens (on a relay). An agent set to the symbol
 * @watchlist follows the watchlist: after each screen or change its symbols
 * become the watchlist's (host/watchlist-sync.ts), and the panel says how.
 */
export function Screener() {
  const ws = useWorkspace();
  const api = screenerApi(ws);
  const [state, { mutate }] = createResource(() => api.state().catch((e: unknown) => ({ error: errorText(e) })));
  const current = (): ScreenerState | null => {
    const s = state.latest;
    return s && !('error' in s) ? s : null;
  };
  const [filter, setFilter] = createSignal<string | null>(null);
  const [rank, setRank] = createSignal<string | null>(null);
  const [top, setTop] = createSignal<string | null>(null);
  const [timeframe, setTimeframe] = createSignal<string | null>(null);
  const [universe, setUniverse] = createSignal<string | null>(null);
  const [at, setAt] = createSignal<string | null>(null);
  const [zone, setZone] = createSignal<string | null>(null);
  const [symbol, setSymbol] = createSignal('');
  const [problem, setProblem] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  // Each field shows what is stored until the trader edits it.
  const field = (mine: () => string | null, stored: (s: ScreenerState) => string) => () => mine() ?? (current() ? stored(current()!) : '');
  const filterText = field(filter, (s) => s.settings.filter);
  const rankText = field(rank, (s) => s.settings.rank);
  const topText = field(top, (s) => String(s.settings.top));
  const tfText = field(timeframe, (s) => s.settings.timeframe ?? '');
  const universeText = field(universe, (s) => s.settings.universe ?? 'stored');
  const broker = () => current()?.broker ?? null;
  const atText = field(at, (s) => s.settings.at ?? '');
  const zoneText = field(zone, (s) => s.settings.timeZone);
  const spec = () => ({ filter: filterText(), rank: rankText(), top: Number(topText()), timeframe: (tfText() || null) as Timeframe | null, universe: universeText() as ScreenUniverse });

  const act = async (what: string, fn: () => Promise<ScreenerState>) => {
    setProblem('');
    setBusy(true);
    try {
      mutate(await fn());
      notify('ok', what);
    } catch (e) {
      setProblem(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const run = () => act('Screen run: watchlist updated', () => api.run(spec(), 'trader'));
  const save = () => act('Screener settings saved', () => api.save({ ...spec(), at: atText() || null, timeZone: zoneText() }));
  const watch = (change: { add: string } | { remove: string }) => act('Watchlist changed', () => api.watch(change, 'trader'));
  const fmt = (x: number) => (Math.abs(x) >= 1000 ? x.toLocaleString('en-US', { maximumFractionDigits: 0 }) : x.toLocaleString('en-US', { maximumFractionDigits: 4 }));
  const when = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

  return (
    <div class="panel" data-lab-screener>
      <h2>Screener <span class="muted">({api.where === 'relay' ? 'on the relay' : 'in this browser, on demand'})</span></h2>
      <Show when={state.latest && 'error' in state.latest}><div class="notice notice-error" role="alert">The screener could not be read: {(state.latest as { error: string }).error}</div></Show>
      <form onSubmit={(e) => (e.preventDefault(), void run())} noValidate>
        <div class="lab-fields">
          <label>Filter (a condition)<input value={filterText()} onInput={(e) => setFilter(e.currentTarget.value)} data-input="screen-filter" spellcheck={false} /></label>
          <label>Rank by (a number, highest first)<input value={rankText()} onInput={(e) => setRank(e.currentTarget.value)} data-input="screen-rank" spellcheck={false} /></label>
        </div>
        <div class="lab-fields">
          <label>Keep the top<input type="number" min="1" max="100" value={topText()} onInput={(e) => setTop(e.currentTarget.value)} data-input="screen-top" /></label>
          <label>
            Symbols
            <select value={universeText()} onChange={(e) => setUniverse(e.currentTarget.value)} data-input="screen-universe">
              <option value="stored">the stored series</option>
              <option value="broker" disabled={api.where === 'browser'}>the live broker's symbols (history fetched)</option>
            </select>
          </label>
          <label>
            {universeText() === 'broker' ? 'Timeframe (fetched)' : 'Series'}
            <select value={tfText()} onChange={(e) => setTimeframe(e.currentTarget.value)} data-input="screen-timeframe">
              <option value="">{universeText() === 'broker' ? 'pick one' : 'every stored series'}</option>
              <For each={TIMEFRAMES}>{(t) => <option value={t}>{t} only</option>}</For>
            </select>
          </label>
          <Show when={api.where === 'relay'}>
            <label>Daily at (HH:MM, empty: on demand only)<input value={atText()} onInput={(e) => setAt(e.currentTarget.value)} placeholder="09:00" data-input="screen-at" /></label>
            <label>Time zone<input value={zoneText()} onInput={(e) => setZone(e.currentTarget.value)} data-input="screen-zone" /></label>
          </Show>
        </div>
        <p class="muted" data-screen-broker>
          <Show when={broker()?.name} fallback={<>Broker screen: {broker()?.problem ?? 'not available'}</>}>
            Broker screen reads {broker()!.name}{broker()!.note ? ` (${broker()!.note})` : ''}; each symbol's history is fetched at the broker's pace, so a long symbol list takes minutes. The watchlist's bars are stored for the agents.
          </Show>
        </p>
        <div class="lab-actions">
          <button type="submit" class="primary" disabled={busy()} data-action="run-screen">Run screen</button>
          <button type="button" disabled={busy()} onClick={() => void save()} data-action="save-screen">Save settings</button>
          <Show when={current()?.next}>{(n) => <span class="muted" data-screen-next>next daily run {when(n())}</span>}</Show>
        </div>
        <Show when={problem()}><div class="notice notice-error" role="alert" data-screen-problem>{problem()}</div></Show>
      </form>

      <Show when={current()?.last}>
        {(last) => (
          <div data-screen-result>
            <h3>Last screen <span class="muted">{when(last().at)} by {last().who}{last().source ? ` over ${last().source}` : ''}: {last().result.rows.length} passed, {last().result.excluded.length} left out, {last().result.refused.length} refused</span></h3>
            <table class="lab-cells">
              <thead><tr><th>#</th><th>Symbol</th><th>Bar</th><For each={Object.keys(last().result.rows[0]?.values ?? {})}>{(k) => <th class="num">{k}</th>}</For></tr></thead>
              <tbody>
                <For each={last().result.rows}>
                  {(r, i) => (
                    <tr data-screen-row={r.symbol}>
                      <td class="num">{i() + 1}</td><td>{r.symbol} <span class="muted">{r.timeframe}</span></td><td class="muted">{when(r.time)}</td>
                      <For each={Object.values(r.values)}>{(v) => <td class="num">{fmt(v)}</td>}</For>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
            <Show when={last().result.refused.length}>
              <ul class="muted" data-screen-refused><For each={last().result.refused}>{(r) => <li>{r.reason}</li>}</For></ul>
            </Show>
          </div>
        )}
      </Show>

      <h3>Watchlist <span class="muted">(agents created on the symbol {WATCHLIST_SYMBOL} follow it)</span></h3>
      <Show when={current()?.followers}>{(f) => <p class="small" data-watchlist-followers>Agents: {f()}</p>}</Show>
      <ul class="lab-watchlist" data-watchlist>
        <For each={current()?.watchlist.entries ?? []} fallback={<li class="muted">empty: run a screen or add a symbol</li>}>
          {(e) => (
            <li data-watch={e.symbol}>
              {e.symbol} <span class="muted">{e.source === 'screen' ? 'from the screen' : 'by hand'}</span>{' '}
              <button type="button" class="ghost" disabled={busy()} onClick={() => void watch({ remove: e.symbol })} aria-label={`Remove ${e.symbol}`}>Remove</button>
            </li>
          )}
        </For>
      </ul>
      <form class="lab-actions" onSubmit={(e) => (e.preventDefault(), void watch({ add: symbol() }).then(() => setSymbol('')))} noValidate>
        <label>Symbol<input value={symbol()} onInput={(e) => setSymbol(e.currentTarget.value)} placeholder="e.g. EURUSD" data-input="watch-symbol" /></label>
        <button type="submit" disabled={busy()} data-action="watch-add">Add</button>
      </form>
      <details data-watchlist-log>
        <summary>Changes ({current()?.watchlist.log.length ?? 0})</summary>
        <ul>
          <For each={[...(current()?.watchlist.log ?? [])].reverse().slice(0, 50)}>
            {(c) => <li>{when(c.at)} · {c.who} · {c.action === 'add' ? 'added' : 'removed'} {c.symbol}: {c.what}</li>}
          </For>
        </ul>
      </details>
    </div>
  );
}
