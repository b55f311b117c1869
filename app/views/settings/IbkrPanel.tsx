import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import { RelayError } from '../../remote/relay-client.ts';
import { Field, errorText } from './form-fields.tsx';
import { attachedRelay } from './notify-api.ts';
import { ibkrApi, type ContractView, type IbkrCheckResult, type IbkrOverview } from './ibkr-api.ts';
import { IBKR_PORT_PRESETS, MARKET_DATA_CHOICES, connectionOf, ibkrFormOf, refusalAt, settingsOfForm, type IbkrForm, type IbkrProblems } from './ibkr-form.ts';

type Msg = { ok: boolean; text: string } | null;
const MARKET_DATA_WORDS: Record<number, string> = { 1: 'live', 2: 'frozen', 3: 'delayed', 4: 'delayed-frozen' };

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.floor(s / 60)} min ago` : `${Math.floor(s / 3600)} h ago`;
}

/**
 * Settings > Interactive Brokers: TWS or IB Gateway as the relay reaches it,
 * checked from the relay (its API port is plain TCP, which a page cannot
 * open), the account, market data, timeframe and symbols the live workspace
 * trades, and whether it trades at IB instead of cTrader. The state shown is
 * only what TWS itself said, on the live connection or on the last check.
 */
export function IbkrPanel() {
  const [form, setForm] = createSignal<IbkrForm | null>(null);
  const [problems, setProblems] = createSignal<IbkrProblems>({});
  const [msg, setMsg] = createSignal<Msg>(null);
  const [check, setCheck] = createSignal<{ ok: true; r: IbkrCheckResult } | { ok: false; why: string } | null>(null);
  const [checking, setChecking] = createSignal(false);
  const [spec, setSpec] = createSignal('');
  const [found, setFound] = createSignal<{ symbol: string; contracts: ContractView[] } | { error: string } | null>(null);
  const [now, setNow] = createSignal(Date.now());
  const [state, { refetch }] = createResource(async () => {
    const relay = await attachedRelay();
    if (!relay) return { kind: 'detached' as const };
    try {
      const o = await ibkrApi.overview(relay);
      if (!form()) setForm(ibkrFormOf(o.settings, o.broker));
      return { kind: 'attached' as const, relay, o };
    } catch (e) {
      return { kind: 'failed' as const, why: `The relay could not report Interactive Brokers: ${errorText(e)}` };
    }
  });
  const attached = () => (state.latest?.kind === 'attached' ? state.latest : null);
  const tick = setInterval(() => setNow(Date.now()), 1000);
  const poll = setInterval(() => void (attached() && refetch()), 5000);
  onCleanup(() => (clearInterval(tick), clearInterval(poll)));

  const f = () => form()!;
  const edit = (change: Partial<IbkrForm>) => {
    setForm({ ...f(), ...change });
    setMsg(null);
    setProblems({});
  };
  const accounts = () => [...new Set([...(check()?.ok ? (check() as { r: IbkrCheckResult }).r.accounts : []), ...(attached()?.o.status.accounts ?? []), ...(f().account ? [f().account] : [])])];

  const runCheck = async () => {
    const a = attached();
    const { at, problems: p } = connectionOf(f());
    setProblems(p);
    if (!a || !at) return;
    setChecking(true);
    setCheck(null);
    try {
      const r = await ibkrApi.check(a.relay, { ...at, marketDataType: Number(f().marketDataType) });
      setCheck({ ok: true, r });
      if (!f().account && r.accounts.length) edit({ account: r.accounts[0] });
    } catch (e) {
      if (e instanceof RelayError && e.status === 400) setProblems(refusalAt(e.field, e.message));
      setCheck({ ok: false, why: errorText(e) });
    } finally {
      setChecking(false);
      void refetch();
    }
  };

  const lookUp = async () => {
    const a = attached();
    const { at, problems: p } = connectionOf(f());
    setProblems(p);
    if (!a || !at || !spec().trim()) return;
    setFound(null);
    try {
      setFound(await ibkrApi.contract(a.relay, spec().trim(), at));
    } catch (e) {
      setFound({ error: errorText(e) });
    }
  };
  const add = (symbol: string) => {
    if (!f().symbols.includes(symbol)) edit({ symbols: [...f().symbols, symbol] });
    setSpec('');
    setFound(null);
  };

  const save = async () => {
    const a = attached();
    const r = settingsOfForm(f());
    setProblems(r.problems);
    if (!a || !r.settings) return;
    try {
      const saved = await ibkrApi.save(a.relay, r.settings, f().broker);
      setForm(ibkrFormOf(saved.settings, saved.broker));
      setMsg({ ok: true, text: saved.message });
      void refetch();
    } catch (e) {
      if (e instanceof RelayError && e.status === 400) setProblems(refusalAt(e.field, e.message));
      setMsg({ ok: false, text: `Not saved: ${errorText(e)}` });
    }
  };

  return (
    <form class="panel" data-panel="ibkr" onSubmit={(e) => { e.preventDefault(); void save(); }} noValidate>
      <h3>Interactive Brokers</h3>
      <Show when={state.latest?.kind === 'detached'}>
        <p class="field-hint" data-ibkr-note="detached">Interactive Brokers is reached through the relay: TWS and IB Gateway speak plain TCP, which a web page cannot open. Run the relay (npm start) on a machine that reaches TWS and open the link it prints.</p>
      </Show>
      <Show when={state.latest?.kind === 'failed' ? (state.latest as { why: string }).why : null}>{(why) => <div class="notice notice-error" role="alert">{why()}</div>}</Show>
      <Show when={attached() && form()}>
        <StatusTable o={attached()!.o} now={now()} />
        <div class="form-grid">
          <Field name="host" label="Host" error={problems().host ?? null} hint="the machine running TWS or IB Gateway, as the relay reaches it">
            {(id, d) => <input id={id} type="text" autocomplete="off" aria-describedby={d} value={f().host} onInput={(e) => edit({ host: e.currentTarget.value })} data-input="ibkr-host" />}
          </Field>
          <Field name="port" label="API port" error={problems().port ?? null} hint="TWS: Configure > API > Settings; Gateway: Configure > Settings > API">
            {(id, d) => <input id={id} class="num" inputMode="numeric" aria-describedby={d} value={f().port} onInput={(e) => edit({ port: e.currentTarget.value })} data-input="ibkr-port" />}
          </Field>
          <Field name="clientId" label="Client id" error={problems().clientId ?? null} hint="unique among this TWS's API clients; IB ties orders to it, so keep it fixed">
            {(id, d) => <input id={id} class="num" inputMode="numeric" aria-describedby={d} value={f().clientId} onInput={(e) => edit({ clientId: e.currentTarget.value })} data-input="ibkr-client-id" />}
          </Field>
        </div>
        <div class="actions">
          <For each={IBKR_PORT_PRESETS}>{(p) => <button type="button" class="btn" classList={{ 'btn-primary': f().port === String(p.port) }} onClick={() => edit({ port: String(p.port) })} data-port-preset={p.port}>{p.port} {p.label}</button>}</For>
          <button type="button" class="btn btn-primary" disabled={checking()} onClick={() => void runCheck()} data-action="ibkr-check">{checking() ? 'Checking…' : 'Check connection'}</button>
        </div>
        <Show when={check()}>
          {(c) => (
            <div class={`notice ${c().ok ? 'notice-ok' : 'notice-error'}`} role="status" data-ibkr-check={c().ok ? 'ok' : 'failed'}>
              {c().ok
                ? (() => {
                    const r = (c() as { r: IbkrCheckResult }).r;
                    return `Connected to TWS at ${r.host}:${r.port} as client id ${r.clientId}: server version ${r.serverVersion}, accounts ${r.accounts.join(', ') || 'none'}, market data type ${r.marketDataType.code} (${r.marketDataType.name}) accepted.`;
                  })()
                : `Check failed: ${(c() as { why: string }).why}`}
            </div>
          )}
        </Show>
        <div class="form-grid">
          <Field name="account" label="Account" error={problems().account ?? null} hint={accounts().length ? 'orders go to this account' : 'check the connection to list the accounts this login manages'}>
            {(id, d) => (
              <select id={id} aria-describedby={d} value={f().account} onChange={(e) => edit({ account: e.currentTarget.value })} data-input="ibkr-account">
                <option value="">the first account TWS lists</option>
                <For each={accounts()}>{(a) => <option value={a} selected={f().account === a}>{a}</option>}</For>
              </select>
            )}
          </Field>
        </div>
        <fieldset class="actions" style={{ border: 'none', padding: 0 }} data-field="marketDataType">
          <legend class="field-hint">Market data</legend>
          <For each={MARKET_DATA_CHOICES}>{(m) => <label class="field-unit" title={m.hint}><input type="radio" name="ibkr-mdt" value={m.code} checked={f().marketDataType === m.code} onChange={() => edit({ marketDataType: m.code })} /> {m.label}</label>}</For>
          <span class="field-hint">{MARKET_DATA_CHOICES.find((m) => m.code === f().marketDataType)?.hint}</span>
        </fieldset>
        <fieldset class="actions" style={{ border: 'none', padding: 0 }} data-field="timeframe">
          <legend class="field-hint">Bars the agents trade</legend>
          <label class="field-unit"><input type="radio" name="ibkr-tf" value="M5" checked={f().timeframe === 'M5'} onChange={() => edit({ timeframe: 'M5' })} /> 5-minute (intraday)</label>
          <label class="field-unit"><input type="radio" name="ibkr-tf" value="D1" checked={f().timeframe === 'D1'} onChange={() => edit({ timeframe: 'D1' })} /> Daily</label>
        </fieldset>
        <div class="form-grid">
          <Field name="noBarMinutes" label="No-bar alert after (minutes)" error={problems().noBarMinutes ?? null} hint="of a symbol's trading session without a bar; empty: three bar lengths (26 hours of sessions for daily bars)">
            {(id, d) => <input id={id} class="num" inputMode="numeric" aria-describedby={d} value={f().noBarMinutes} placeholder="3 bars" onInput={(e) => edit({ noBarMinutes: e.currentTarget.value })} data-input="ibkr-no-bar" />}
          </Field>
        </div>
        <h3 style={{ 'margin-top': '14px' }}>Symbols</h3>
        <div class="actions">
          <input type="text" autocomplete="off" placeholder="GOOG, EURUSD, ESZ5@CME" value={spec()} onInput={(e) => setSpec(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && (e.preventDefault(), void lookUp())} data-input="ibkr-symbol" style={{ 'max-width': '220px' }} aria-label="Symbol to look up" />
          <button type="button" class="btn" onClick={() => void lookUp()} data-action="ibkr-lookup">Look up</button>
          <span class="field-hint">GOOG, GOOG:NASDAQ, EURUSD, ES:CME:202512 or ESZ5@CME</span>
        </div>
        <Show when={found()}>{(r) => <LookupResult r={r()} onAdd={add} />}</Show>
        <div class="field-error" role={problems().symbols ? 'alert' : undefined} data-error-for="symbols">{problems().symbols ?? ''}</div>
        <ul data-ibkr-symbols>
          <For each={f().symbols} fallback={<li class="field-hint">No symbol yet: the live workspace needs at least one.</li>}>
            {(s) => <li data-symbol={s}>{s} <button type="button" class="btn" onClick={() => edit({ symbols: f().symbols.filter((x) => x !== s) })} data-action="ibkr-remove">Remove</button></li>}
          </For>
        </ul>
        <label class="field-unit"><input type="checkbox" checked={f().broker === 'ibkr'} onChange={(e) => edit({ broker: e.currentTarget.checked ? 'ibkr' : 'ctrader' })} data-input="ibkr-use-live" /> Use Interactive Brokers for the live workspace (instead of cTrader)</label>
        <Show when={problems().settings || problems().broker}><div class="notice notice-error" role="alert">{problems().settings ?? problems().broker}</div></Show>
        <div class="actions"><button type="submit" class="btn btn-primary" data-action="save-ibkr">Save</button></div>
        <Show when={msg()}>{(m) => <div class={`notice ${m().ok ? 'notice-ok' : 'notice-error'}`} role="status" data-saved="ibkr">{m().text}</div>}</Show>
      </Show>
    </form>
  );
}

function StatusTable(p: { o: IbkrOverview; now: number }) {
  const s = () => p.o.status;
  return (
    <div class="table-wrap">
      <table class="grid" data-ibkr-status style={{ width: 'auto' }}>
        <tbody>
          <tr><th scope="row">Connection</th><td data-ibkr-state={s().state}>{s().state}{s().source ? ` (${s().source})` : ''}</td></tr>
          <tr><th scope="row">Server version</th><td class="num">{s().serverVersion ?? '—'}</td></tr>
          <tr><th scope="row">Accounts</th><td>{s().accounts.join(', ') || '—'}</td></tr>
          <tr><th scope="row">Market data</th><td>{s().marketDataType ? `${s().marketDataType} ${MARKET_DATA_WORDS[s().marketDataType!] ?? ''}` : '—'}</td></tr>
          <tr><th scope="row">Last message</th><td data-ibkr-last-message>{s().lastMessageAt ? age(p.now - s().lastMessageAt!) : '—'}</td></tr>
          <tr><th scope="row">Live workspace</th><td>{p.o.broker === 'ibkr' ? 'trades at Interactive Brokers' : 'trades at cTrader'}{p.o.workspace === 'live' ? '' : ' (when the relay runs it: TG_WORKSPACE=live)'}</td></tr>
        </tbody>
      </table>
      <Show when={s().lastError}><div class="notice notice-error" role="alert" data-ibkr-error>{s().lastError}</div></Show>
      <Show when={!p.o.tunnelAllowed}><p class="field-hint">This host and port are not on the relay's tunnel allow-list (TG_TUNNEL_ALLOW): the relay itself connects, a browser-side connection would be refused.</p></Show>
    </div>
  );
}

function LookupResult(p: { r: { symbol: string; contracts: ContractView[] } | { error: string }; onAdd: (symbol: string) => void }) {
  if ('error' in p.r) return <div class="notice notice-error" role="alert" data-ibkr-lookup="failed">{p.r.error}</div>;
  const r = p.r;
  return (
    <div class="table-wrap" data-ibkr-lookup="ok">
      <table class="grid">
        <thead><tr><th>Contract</th><th class="num">conId</th><th>Exchange</th><th class="num">Tick</th><th>Size (min / step)</th><th>Next sessions</th><th /></tr></thead>
        <tbody>
          <For each={r.contracts}>
            {(c) => (
              <tr data-conid={c.conId}>
                <td>{c.localSymbol || c.symbol} {c.secType} · {c.longName}{c.expiry ? ` · expires ${c.expiry}` : ''}</td>
                <td class="num">{c.conId}</td>
                <td>{c.exchange}{c.primaryExch ? ` (${c.primaryExch})` : ''} · {c.currency}</td>
                <td class="num">{c.minTick}{c.multiplier ? ` ×${c.multiplier}` : ''}</td>
                <td>{c.minSize} / {c.sizeIncrement}</td>
                <td class="field-hint">{c.sessions.map((x) => `${x.day} ${x.hours}`).join('; ')} ({c.timeZoneId})</td>
                <td><button type="button" class="btn btn-primary" onClick={() => p.onAdd(r.symbol)} data-action="ibkr-add">Add {r.symbol}</button></td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  );
}

export default IbkrPanel;
