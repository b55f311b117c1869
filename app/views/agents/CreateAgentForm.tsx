import { createMemo, createSignal, For, Show, type JSX } from 'solid-js';
import { createStore } from 'solid-js/store';
import { RULE_STRATEGIES } from '../../../workers/strategies/index.ts';
import { TIMEFRAME_MS } from '../../../workers/market/timeframe.ts';
import { RULE_DEFAULTS } from '../../../workers/risk/limits.ts';
import { fmt } from '../../components/format.ts';
import { notify } from '../../components/toasts.tsx';
import { useWorkspace } from '../../state/workspace.ts';
import { WATCHLIST_SYMBOL } from '../../../workers/cells/watchlist.ts';
import { checkForm, emptyForm, paramsText, refusalField, slug, type AgentForm, type FieldKey, type FormContext } from './agent-form.ts';

const STREAK = RULE_DEFAULTS.streakSizing;
const KELLY = RULE_DEFAULTS.kelly;

/**
 * Creates an agent. Every field shows its problem next to it as soon as it
 * was touched (all of them on submit); the host's refusal, if any, shows
 * under the button.
 */
export function CreateAgentForm(props: { ctx: FormContext; onCreated: (id: string) => void }) {
  const ws = useWorkspace();
  const [form, setForm] = createStore<AgentForm>(emptyForm(props.ctx));
  const [touched, setTouched] = createSignal(new Set<FieldKey>());
  const [submitted, setSubmitted] = createSignal(false);
  const [idEdited, setIdEdited] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [refusal, setRefusal] = createSignal<string | null>(null);
  const checked = createMemo(() => checkForm({ ...form, params: { ...form.params }, symbols: [...form.symbols] }, props.ctx));
  const problemsOf = (k: FieldKey) => (submitted() || touched().has(k) ? (checked().problems[k] ?? []) : []);
  const touch = (k: FieldKey) => setTouched((s) => new Set(s).add(k));

  const symbols = createMemo(() => [...new Set(props.ctx.series.map((s) => s.symbol))]);
  // With @watchlist the symbols are known when the agent is created: every stored timeframe is offered.
  const timeframes = createMemo(() =>
    [...new Set(props.ctx.series.filter((s) => form.symbols.includes(s.symbol) || form.symbols.includes(WATCHLIST_SYMBOL)).map((s) => s.timeframe))].sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b]),
  );
  /** The host's refusal of @watchlist (an empty watchlist): shown at the symbols, not under the button. */
  const symbolRefusal = () => {
    const r = refusal();
    return r && refusalField(r, form) === 'symbols' ? r : null;
  };
  const modelsOf = (role: 'alpha' | 'risk' | 'guard') => props.ctx.models.filter((m) => m.role === role);

  const set = <K extends keyof AgentForm>(k: K, v: AgentForm[K]) => {
    setForm(k, v as never);
    touch(k);
    setRefusal(null);
  };

  async function submit(e: Event) {
    e.preventDefault();
    setSubmitted(true);
    const c = checked();
    if (!c.config) {
      document.querySelector<HTMLElement>('.create-agent .field.invalid input, .create-agent .field.invalid select')?.focus();
      return;
    }
    setBusy(true);
    try {
      const r = await ws.host.command({ kind: 'agent.create', config: c.config });
      if (!r.ok) {
        setRefusal(r.reason);
        return;
      }
      notify('ok', r.message);
      props.onCreated(c.config.id);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="panel create-agent" onSubmit={submit} novalidate aria-labelledby="create-title" data-create-agent>
      <h2 id="create-title">New agent</h2>
      <div class="form">
        <Field label="Name" k="name" problems={problemsOf('name')}>
          <input
            name="name"
            value={form.name}
            onInput={(e) => {
              set('name', e.currentTarget.value);
              if (!idEdited()) setForm('id', slug(e.currentTarget.value));
            }}
            onBlur={() => touch('name')}
          />
        </Field>
        <Field label="Id" k="id" problems={problemsOf('id')} hint="used in commands: #pause <id>">
          <input
            name="id"
            value={form.id}
            onInput={(e) => {
              setIdEdited(true);
              set('id', e.currentTarget.value);
            }}
          />
        </Field>
        <fieldset class="field">
          <legend>Alpha source</legend>
          <div class="choices">
            <label>
              <input type="radio" name="alphaKind" checked={form.alphaKind === 'rule'} onChange={() => set('alphaKind', 'rule')} /> Rule strategy
            </label>
            <label>
              <input type="radio" name="alphaKind" checked={form.alphaKind === 'model'} onChange={() => set('alphaKind', 'model')} disabled={modelsOf('alpha').length === 0} /> Alpha model
            </label>
          </div>
          <Show when={modelsOf('alpha').length === 0}>
            <span class="hint">no alpha model stored: import one on the Models page</span>
          </Show>
        </fieldset>
        <Show
          when={form.alphaKind === 'rule'}
          fallback={
            <Field label="Alpha model" k="alphaModel" problems={problemsOf('alphaModel')}>
              <select name="alphaModel" value={form.alphaModel} onChange={(e) => set('alphaModel', e.currentTarget.value)}>
                <option value="">choose…</option>
                <For each={modelsOf('alpha')}>{(m) => <option value={m.id}>{m.id}</option>}</For>
              </select>
            </Field>
          }
        >
          <Field label="Strategy" k="strategy" problems={problemsOf('strategy')} hint={RULE_STRATEGIES[form.strategy]?.description}>
            <select
              name="strategy"
              value={form.strategy}
              onChange={(e) => {
                set('strategy', e.currentTarget.value);
                setForm('params', paramsText(e.currentTarget.value));
              }}
            >
              <For each={Object.keys(RULE_STRATEGIES)}>{(s) => <option value={s}>{s}</option>}</For>
            </select>
          </Field>
          <fieldset class="field" classList={{ invalid: problemsOf('params').length > 0 }}>
            <legend>Strategy parameters</legend>
            <div class="choices">
              <For each={Object.keys(form.params)}>
                {(k) =>
                  typeof form.params[k] === 'boolean' ? (
                    <label>
                      <input type="checkbox" name={`param-${k}`} checked={form.params[k] === true} onChange={(e) => (setForm('params', k, e.currentTarget.checked), touch('params'))} /> {RULE_STRATEGIES[form.strategy]?.labels?.[k] ?? k}
                    </label>
                  ) : (
                    <label>
                      {RULE_STRATEGIES[form.strategy]?.labels?.[k] ?? k}{' '}
                      <input
                        name={`param-${k}`}
                        inputmode="decimal"
                        size={5}
                        value={String(form.params[k])}
                        onInput={(e) => (setForm('params', k, e.currentTarget.value), touch('params'))}
                      />
                    </label>
                  )
                }
              </For>
            </div>
            <Problems list={problemsOf('params')} />
          </fieldset>
        </Show>
        <Field label="Risk model" k="riskModel" problems={problemsOf('riskModel')} hint="sets stop, target and size per trade">
          <select name="riskModel" value={form.riskModel} onChange={(e) => set('riskModel', e.currentTarget.value)}>
            <option value="">none (ATR stops and risk %)</option>
            <For each={modelsOf('risk')}>{(m) => <option value={m.id}>{m.id}</option>}</For>
          </select>
        </Field>
        <Field label="Guard model" k="guardModel" problems={problemsOf('guardModel')} hint="allows or blocks each proposed trade">
          <select name="guardModel" value={form.guardModel} onChange={(e) => set('guardModel', e.currentTarget.value)}>
            <option value="">none</option>
            <For each={modelsOf('guard')}>{(m) => <option value={m.id}>{m.id}</option>}</For>
          </select>
        </Field>
        <fieldset class="field" classList={{ invalid: problemsOf('symbols').length > 0 || symbolRefusal() !== null }}>
          <legend>Symbols</legend>
          <div class="choices">
            <For each={symbols()} fallback={<span class="hint">no bars stored: import some on the Data page</span>}>
              {(s) => (
                <label>
                  <input
                    type="checkbox"
                    name={`symbol-${s}`}
                    checked={form.symbols.includes(s)}
                    onChange={(e) => set('symbols', e.currentTarget.checked ? [...form.symbols, s] : form.symbols.filter((x) => x !== s))}
                  />{' '}
                  {s}
                </label>
              )}
            </For>
            <label title="the screener's watchlist as it is when the agent is created (Lab > Screener)">
              <input
                type="checkbox"
                name="symbol-@watchlist"
                checked={form.symbols.includes(WATCHLIST_SYMBOL)}
                onChange={(e) => set('symbols', e.currentTarget.checked ? [...form.symbols, WATCHLIST_SYMBOL] : form.symbols.filter((x) => x !== WATCHLIST_SYMBOL))}
              />{' '}
              Watchlist ({WATCHLIST_SYMBOL})
            </label>
          </div>
          <Problems list={problemsOf('symbols')} />
          <Show when={symbolRefusal()}>
            <span class="problem" role="alert" data-symbols-refusal>
              Not created: {symbolRefusal()}
            </span>
          </Show>
        </fieldset>
        <Field label="Timeframe" k="timeframe" problems={problemsOf('timeframe')}>
          <select name="timeframe" value={form.timeframe} onChange={(e) => set('timeframe', e.currentTarget.value as AgentForm['timeframe'])}>
            <For each={timeframes().length ? timeframes() : [form.timeframe]}>{(t) => <option value={t}>{t}</option>}</For>
          </select>
        </Field>
        <Field label="Capital (USD)" k="capital" problems={problemsOf('capital')} hint={`empty: the whole equity (${fmt.usd(ws.status()?.account.equity ?? 0)}); sizing uses the smaller of the two`}>
          <input name="capital" inputmode="decimal" value={form.capital} onInput={(e) => set('capital', e.currentTarget.value)} />
        </Field>
        <Field label="Risk per trade (%)" k="riskPct" problems={problemsOf('riskPct')} hint="of equity, between entry and stop">
          <input name="riskPct" inputmode="decimal" value={form.riskPct} onInput={(e) => set('riskPct', e.currentTarget.value)} />
        </Field>
        <Field label="Maximum position (% of equity)" k="maxPositionPct" problems={problemsOf('maxPositionPct')} hint="notional cap; 1000 = 10x equity">
          <input name="maxPositionPct" inputmode="decimal" value={form.maxPositionPct} onInput={(e) => set('maxPositionPct', e.currentTarget.value)} />
        </Field>
        <Field label="Stop (x ATR)" k="stopAtr" problems={problemsOf('stopAtr')} hint="empty: no stop">
          <input name="stopAtr" inputmode="decimal" value={form.stopAtr} onInput={(e) => set('stopAtr', e.currentTarget.value)} />
        </Field>
        <Field label="Target (x ATR)" k="targetAtr" problems={problemsOf('targetAtr')} hint="empty: no target">
          <input name="targetAtr" inputmode="decimal" value={form.targetAtr} onInput={(e) => set('targetAtr', e.currentTarget.value)} />
        </Field>
        <Field label="Trailing stop (x ATR)" k="trailAtr" problems={problemsOf('trailAtr')} hint="empty: none">
          <input name="trailAtr" inputmode="decimal" value={form.trailAtr} onInput={(e) => set('trailAtr', e.currentTarget.value)} />
        </Field>
        <Field label="ATR period" k="atrPeriod" problems={problemsOf('atrPeriod')}>
          <input name="atrPeriod" inputmode="numeric" value={form.atrPeriod} onInput={(e) => set('atrPeriod', e.currentTarget.value)} />
        </Field>
        <fieldset class="field" classList={{ invalid: problemsOf('mode').length > 0 }}>
          <legend>Account</legend>
          <div class="choices">
            <label>
              <input type="radio" name="mode" checked={form.mode === 'paper'} onChange={() => set('mode', 'paper')} /> Paper
            </label>
            <label title={props.ctx.brokerConnected ? '' : 'no broker account connected'}>
              <input type="radio" name="mode" checked={form.mode === 'live'} disabled={!props.ctx.brokerConnected} onChange={() => set('mode', 'live')} /> Live
            </label>
          </div>
          <Show when={!props.ctx.brokerConnected}>
            <span class="hint" data-live-disabled>
              Live is off: no broker account is connected (connect cTrader or IBKR in Settings).
            </span>
          </Show>
          <Problems list={problemsOf('mode')} />
        </fieldset>
        <fieldset class="field" classList={{ invalid: problemsOf('schedule').length + problemsOf('dailyAt').length + problemsOf('dailyZone').length > 0 }}>
          <legend>Schedule</legend>
          <div class="choices">
            <label>
              <input type="radio" name="schedule" checked={form.schedule === 'every-bar'} onChange={() => set('schedule', 'every-bar')} /> Every bar close
            </label>
            <label>
              <input type="radio" name="schedule" checked={form.schedule === 'daily'} onChange={() => set('schedule', 'daily')} /> Once a day at
            </label>
            <input name="dailyAt" size={5} value={form.dailyAt} disabled={form.schedule !== 'daily'} onInput={(e) => set('dailyAt', e.currentTarget.value)} aria-label="Daily time (HH:MM)" />
            <input name="dailyZone" size={18} value={form.dailyZone} disabled={form.schedule !== 'daily'} onInput={(e) => set('dailyZone', e.currentTarget.value)} aria-label="Daily time zone (IANA)" placeholder="UTC" />
          </div>
          <Show when={form.schedule === 'daily'}>
            <span class="hint">Daily bars only: decides each bar once, at this time in the exchange's zone (e.g. 16:10 America/New_York); orders fill at the next open. Days with no bar are skipped.</span>
          </Show>
          <Problems list={[...problemsOf('schedule'), ...problemsOf('dailyAt'), ...problemsOf('dailyZone')]} />
        </fieldset>
      </div>
      <fieldset class="field risk-overrides" data-risk-overrides>
        <legend>
          <label>
            <input type="checkbox" name="riskOverrides" checked={form.riskOverrides} onChange={(e) => set('riskOverrides', e.currentTarget.checked)} /> Risk overrides
          </label>
        </legend>
        <Show when={form.riskOverrides} fallback={<span class="hint">off: this agent trades under the account's risk limits (Settings › Risk limits)</span>}>
          <div class="form">
            <Field label="Max daily loss (% of its capital)" k="riskDailyLossPct" problems={problemsOf('riskDailyLossPct')} hint="empty: the account's">
              <input name="riskDailyLossPct" inputmode="decimal" value={form.riskDailyLossPct} onInput={(e) => set('riskDailyLossPct', e.currentTarget.value)} />
            </Field>
            <Field label="Max open positions" k="riskMaxOpen" problems={problemsOf('riskMaxOpen')} hint="of this agent; empty: the account's">
              <input name="riskMaxOpen" inputmode="numeric" value={form.riskMaxOpen} onInput={(e) => set('riskMaxOpen', e.currentTarget.value)} />
            </Field>
            <Field label="Max losses in a row" k="riskMaxLosses" problems={problemsOf('riskMaxLosses')} hint="empty: the account's">
              <input name="riskMaxLosses" inputmode="numeric" value={form.riskMaxLosses} onInput={(e) => set('riskMaxLosses', e.currentTarget.value)} />
            </Field>
          </div>
          <div class="choices" style={{ 'margin-top': '8px' }}>
            <label title={`within ${STREAK.min}-${STREAK.max}x the base size`}>
              <input type="checkbox" name="streakSizing" checked={form.streakSizing} onChange={(e) => set('streakSizing', e.currentTarget.checked)} /> Streak sizing (x{STREAK.lossFactor} after {STREAK.afterLosses} losses in a row, x{STREAK.winFactor} after {STREAK.afterWins} wins)
            </label>
            <label title={`from its own realised win rate and payoff, at most ${KELLY.maxScale}x the base size`}>
              <input type="checkbox" name="kelly" checked={form.kelly} onChange={(e) => set('kelly', e.currentTarget.checked)} /> Kelly sizing ({KELLY.fraction} Kelly once it has {KELLY.minTrades} trades)
            </label>
          </div>
          <Problems list={[...problemsOf('streakSizing'), ...problemsOf('kelly')]} />
        </Show>
      </fieldset>
      <Problems list={problemsOf('form')} />
      <div class="row" style={{ 'margin-top': '12px' }}>
        <button type="submit" class="primary" disabled={busy()} data-create-submit>
          {busy() ? 'Creating…' : 'Create agent'}
        </button>
        <Show when={refusal() && !symbolRefusal()}>
          <p class="problem" role="alert" data-create-refusal>
            Not created: {refusal()}
          </p>
        </Show>
      </div>
    </form>
  );
}

function Field(props: { label: string; k: FieldKey; problems: string[]; hint?: string; children: JSX.Element }) {
  return (
    <label class="field" classList={{ invalid: props.problems.length > 0 }} data-field={props.k}>
      <span>{props.label}</span>
      {props.children}
      <Show when={props.hint && props.problems.length === 0}>
        <span class="hint">{props.hint}</span>
      </Show>
      <Problems list={props.problems} />
    </label>
  );
}

function Problems(props: { list: string[] }) {
  return (
    <For each={props.list}>
      {(p) => (
        <span class="problem" role="alert">
          {p}
        </span>
      )}
    </For>
  );
}
