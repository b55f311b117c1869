import { createMemo, createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { RelayClient, RelayError } from '../../remote/relay-client.ts';
import { errorText } from './form-fields.tsx';
import { fmt } from '../../components/format.ts';

/** What GET /api/ctrader/status answers (relay/ctrader/account-manager.ts). */
interface Status {
  configured: boolean;
  hasTokens: boolean;
  account: { id: number; live: boolean; login?: number } | null;
  health: { state: string; lastMessageAt: number | null; latencyMs: number | null } | null;
  error?: string;
}
interface Account { id: number; live: boolean; login?: number; brokerName?: string }
interface Sym { symbolId: number; name: string; digits: number; pipPosition: number; lotSize: number; minVolume: number; stepVolume: number; maxVolume: number | null; minLots: number; stepLots: number }

const NOT_ATTACHED = 'cTrader accounts are connected through the relay: run npm start and open its link';
/** Rows drawn at once: a broker lists thousands of symbols; the search narrows them. */
const MAX_ROWS = 300;

const units = (v: number) => fmt.num(v, Number.isInteger(v) ? 0 : 2);
const lots = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 4 });

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s ago` : `${Math.floor(s / 3600)} h ago`;
}

/**
 * Settings > cTrader: the relay holds the application secret and the OAuth
 * tokens, so everything here goes through its /api/ctrader routes; the page
 * only ever sees ids, logins, health and symbol details.
 */
export function CTraderPanel() {
  const relay = new RelayClient();
  const [now, setNow] = createSignal(Date.now());
  const [kind, setKind] = createSignal<'demo' | 'live'>('demo');
  const [status, { refetch: refetchStatus }] = createResource(async (): Promise<{ ok: true; s: Status } | { ok: false; why: string }> => {
    try {
      return { ok: true, s: await relay.json<Status>('/api/ctrader/status') };
    } catch (e) {
      // A page not served by a relay gets HTML or nothing at /api: that is "not attached", not a failure.
      const attachedButFailed = e instanceof RelayError && e.status >= 500;
      return { ok: false, why: attachedButFailed ? `the relay could not report the cTrader status: ${errorText(e)}` : NOT_ATTACHED };
    }
  });
  const s = () => {
    const r = status.latest;
    return r?.ok ? r.s : null;
  };
  const ready = () => s()?.health?.state === 'ready';

  // Latency and heartbeat age move: the status is re-read every 5 s, the age ticks every second.
  const tick = setInterval(() => setNow(Date.now()), 1000);
  // Only while attached: a page without a relay has nothing to ask again.
  const poll = setInterval(() => void (status.latest?.ok && refetchStatus()), 5000);
  onCleanup(() => {
    clearInterval(tick);
    clearInterval(poll);
  });

  const [accounts, { refetch: refetchAccounts }] = createResource(
    () => (s()?.configured && s()?.hasTokens ? true : null),
    async () => relay.json<{ accounts: Account[] }>('/api/ctrader/accounts').then((r) => r.accounts),
  );
  const shown = () => (accounts.latest ?? []).filter((a) => a.live === (kind() === 'live'));
  const [connecting, setConnecting] = createSignal<number | null>(null);
  const [rowErr, setRowErr] = createSignal<Record<number, string>>({});

  const connect = async (a: Account) => {
    setConnecting(a.id);
    setRowErr({ ...rowErr(), [a.id]: '' });
    try {
      await relay.json('/api/ctrader/account', { method: 'POST', body: JSON.stringify({ accountId: a.id, live: a.live }) });
      await refetchStatus();
      await refetchSymbols();
    } catch (e) {
      setRowErr({ ...rowErr(), [a.id]: errorText(e) });
      await refetchStatus();
    } finally {
      setConnecting(null);
    }
  };

  // Symbols: loaded once per connected account.
  const [symbols, { refetch: refetchSymbols }] = createResource(
    () => (ready() ? `${s()!.account?.id}` : null),
    async () => {
      const r = await relay.json<{ symbols: Sym[]; selected: string[] }>('/api/ctrader/symbols');
      setPicked(new Set(r.selected));
      return r.symbols;
    },
  );
  const [picked, setPicked] = createSignal<Set<string>>(new Set());
  const [search, setSearch] = createSignal('');
  const [onlyPicked, setOnlyPicked] = createSignal(false);
  const [symMsg, setSymMsg] = createSignal<{ ok: boolean; text: string } | null>(null);
  const filtered = createMemo(() => {
    const q = search().trim().toUpperCase().replace(/[^A-Z0-9.]/g, '');
    return (symbols.latest ?? []).filter((x) => (!onlyPicked() || picked().has(x.name)) && (!q || x.name.toUpperCase().replace(/[^A-Z0-9.]/g, '').includes(q)));
  });
  const toggle = (name: string, on: boolean) => {
    const next = new Set(picked());
    if (on) next.add(name);
    else next.delete(name);
    setPicked(next);
    setSymMsg(null);
  };
  const saveSymbols = async () => {
    try {
      const r = await relay.json<{ selected: string[] }>('/api/ctrader/symbols', { method: 'POST', body: JSON.stringify({ symbols: [...picked()] }) });
      setSymMsg({ ok: true, text: `${r.selected.length} symbol${r.selected.length === 1 ? '' : 's'} saved.` });
    } catch (e) {
      setSymMsg({ ok: false, text: `Symbols not saved: ${errorText(e)}` });
    }
  };

  return (
    <div class="panel" data-ctrader>
      <h3>cTrader</h3>
      <Show when={status.latest && !status.latest.ok ? (status.latest as { why: string }).why : null}>
        {(why) => <p class="field-hint" data-ctrader-note>{why()}</p>}
      </Show>
      <Show when={s()}>
        {(st) => (
          <>
            <div class="table-wrap">
            <table class="grid" data-ctrader-status style={{ width: 'auto' }}>
              <tbody>
                <tr><th scope="row">Application</th><td>{st().configured ? 'configured on the relay' : 'not configured: set TG_CTRADER_CLIENT_ID and TG_CTRADER_CLIENT_SECRET for the relay and restart it'}</td></tr>
                <tr><th scope="row">Access</th><td>{st().hasTokens ? 'granted' : st().configured ? 'not granted yet: use “Connect cTrader account” below' : 'not granted: the application must be configured first (see above)'}</td></tr>
                <tr><th scope="row">Account</th><td data-ctrader-account>{st().account ? `${st().account!.id}${st().account!.login ? ` (login ${st().account!.login})` : ''} · ${st().account!.live ? 'LIVE' : 'demo'}` : 'none connected'}</td></tr>
                <tr><th scope="row">Connection</th><td data-ctrader-state>{st().health?.state ?? '—'}</td></tr>
                <tr><th scope="row">Latency</th><td class="num" data-ctrader-latency>{st().health?.latencyMs != null ? `${st().health!.latencyMs} ms` : '—'}</td></tr>
                <tr><th scope="row">Last heartbeat</th><td data-ctrader-heartbeat>{st().health?.lastMessageAt ? age(now() - st().health!.lastMessageAt!) : '—'}</td></tr>
              </tbody>
            </table>
            </div>
            <Show when={st().error}><div class="notice notice-error" role="alert" data-ctrader-error>{st().error}</div></Show>

            <Show when={st().configured}>
              <fieldset class="actions" style={{ border: 'none', padding: 0, margin: '10px 0 0' }}>
                <legend class="field-hint">Account kind</legend>
                <label class="field-unit"><input type="radio" name="ctrader-kind" value="demo" checked={kind() === 'demo'} onChange={() => setKind('demo')} /> Demo</label>
                <label class="field-unit"><input type="radio" name="ctrader-kind" value="live" checked={kind() === 'live'} onChange={() => setKind('live')} /> Live (real money)</label>
                <a class="btn btn-primary" href="/ctrader/connect" data-action="ctrader-connect">Connect cTrader account</a>
                <span class="field-hint">opens cTrader's consent page: tick the {kind()} accounts TradeGuard may use</span>
              </fieldset>
            </Show>

            <Show when={st().configured && st().hasTokens}>
              <Show when={accounts.error}><div class="notice notice-error" role="alert">Accounts not listed: {errorText(accounts.error)} <button type="button" class="btn" onClick={() => void refetchAccounts()}>Retry</button></div></Show>
              <Show when={accounts.loading && !accounts.latest}><p class="field-hint">Reading the accounts the token grants…</p></Show>
              <Show when={accounts.latest}>
                <div class="table-wrap">
                <table class="grid" data-ctrader-accounts style={{ 'margin-top': '8px' }}>
                  <thead><tr><th>Account</th><th class="num">Login</th><th>Kind</th><th /><th /></tr></thead>
                  <tbody>
                    <For each={shown()} fallback={<tr><td colSpan={5}>No {kind()} account granted: use Connect and tick one.</td></tr>}>
                      {(a) => {
                        const current = () => st().account?.id === a.id && ready();
                        return (
                          <tr data-account={a.id}>
                            <td>{a.id}{a.brokerName ? ` · ${a.brokerName}` : ''}</td>
                            <td class="num">{a.login ?? '—'}</td>
                            <td>{a.live ? 'LIVE' : 'demo'}</td>
                            <td>
                              <button type="button" class="btn" disabled={connecting() !== null || current()} onClick={() => void connect(a)} data-action="ctrader-use-account">
                                {current() ? 'Connected' : connecting() === a.id ? 'Connecting…' : 'Connect'}
                              </button>
                            </td>
                            <td class="field-error" role={rowErr()[a.id] ? 'alert' : undefined}>{rowErr()[a.id] ?? ''}</td>
                          </tr>
                        );
                      }}
                    </For>
                  </tbody>
                </table>
                </div>
              </Show>
            </Show>

            <Show when={ready()}>
              <h3 style={{ 'margin-top': '14px' }}>Symbols</h3>
              <Show when={symbols.error}><div class="notice notice-error" role="alert">Symbols not loaded: {errorText(symbols.error)} <button type="button" class="btn" onClick={() => void refetchSymbols()}>Retry</button></div></Show>
              <Show when={symbols.loading && !symbols.latest}><p class="field-hint">Reading the account's symbols…</p></Show>
              <Show when={symbols.latest}>
                <div class="actions">
                  <label class="field-unit" for="ctrader-symbol-search">Search</label>
                  <input id="ctrader-symbol-search" type="text" autocomplete="off" placeholder="EURUSD" value={search()} onInput={(e) => setSearch(e.currentTarget.value)} data-input="ctrader-symbol-search" style={{ 'max-width': '200px' }} />
                  <label class="field-unit"><input type="checkbox" checked={onlyPicked()} onChange={(e) => setOnlyPicked(e.currentTarget.checked)} /> picked only</label>
                  <span class="field-hint">{picked().size} picked of {symbols.latest!.length}</span>
                  <button type="button" class="btn btn-primary" onClick={() => void saveSymbols()} data-action="save-ctrader-symbols">Save symbols</button>
                </div>
                <Show when={symMsg()}>{(m) => <div class={`notice ${m().ok ? 'notice-ok' : 'notice-error'}`} role="status" data-saved="ctrader-symbols">{m().text}</div>}</Show>
                <div class="table-wrap" style={{ 'max-height': '360px', 'overflow-y': 'auto', 'margin-top': '6px' }}>
                  <table class="grid" data-ctrader-symbols>
                    <thead>
                      <tr><th>Use</th><th>Symbol</th><th class="num">Digits</th><th class="num">Pip position</th><th class="num">Lot size (units)</th><th class="num">Min volume</th><th class="num">Step volume</th></tr>
                    </thead>
                    <tbody>
                      <For each={filtered().slice(0, MAX_ROWS)} fallback={<tr><td colSpan={7}>No symbol matches “{search()}”.</td></tr>}>
                        {(x) => (
                          <tr data-symbol={x.name}>
                            <td><input type="checkbox" id={`ctrader-sym-${x.symbolId}`} checked={picked().has(x.name)} onChange={(e) => toggle(x.name, e.currentTarget.checked)} aria-label={`Use ${x.name}`} /></td>
                            <td><label for={`ctrader-sym-${x.symbolId}`}>{x.name}</label></td>
                            <td class="num">{x.digits}</td>
                            <td class="num">{x.pipPosition}</td>
                            <td class="num">{units(x.lotSize)}</td>
                            <td class="num">{units(x.minVolume)} <span class="field-hint">({lots(x.minLots)} lot)</span></td>
                            <td class="num">{units(x.stepVolume)} <span class="field-hint">({lots(x.stepLots)} lot)</span></td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
                <Show when={filtered().length > MAX_ROWS}><p class="field-hint">Showing {MAX_ROWS} of {filtered().length}: type to narrow the list.</p></Show>
              </Show>
            </Show>
          </>
        )}
      </Show>
    </div>
  );
}

export default CTraderPanel;
