import { createEffect, createSignal, For, Show, type JSX } from 'solid-js';
import { createStore, unwrap } from 'solid-js/store';
import type { BreachAction, RiskConfig } from '../../../workers/risk/limits.ts';
import { useWorkspace } from '../../state/workspace.ts';
import { Field } from './form-fields.tsx';
import { configOf, refusalByField, riskFormOf, type OptionalRule, type RiskFieldProblems, type RiskForm, type ScalarLimit } from './risk-form.ts';

type Msg = { ok: boolean; text: string } | null;

/**
 * The account's risk limits as the engine enforces them (HostStatus.risk.config):
 * the circuit breaker, position counts, exposure, correlation and the
 * protections. Saving sends `risk.configure`; the engine checks the whole
 * config and each of its refusals shows at the field it names.
 */
export function RiskLimitsForm() {
  const ws = useWorkspace();
  const [form, setForm] = createStore<RiskForm>(riskFormOf({ limits: {} as RiskConfig['limits'], timeZone: 'UTC', groups: {} } as RiskConfig));
  const [loaded, setLoaded] = createSignal<RiskConfig | null>(null);
  const [problems, setProblems] = createSignal<RiskFieldProblems>({});
  const [msg, setMsg] = createSignal<Msg>(null);
  const [busy, setBusy] = createSignal(false);

  // The engine's config fills the form once; later steps must not overwrite what is being typed.
  createEffect(() => {
    const c = ws.status()?.risk?.config;
    if (c && !loaded()) {
      setLoaded(c);
      setForm(riskFormOf(c));
    }
  });

  const errorOf = (k: string) => problems()[k]?.join(' · ') || null;
  const edited = () => setMsg(null);

  const save = async () => {
    const base = ws.status()?.risk?.config ?? loaded();
    if (!base) return;
    const { config, problems: typed } = configOf(structuredClone(unwrap(form)), base);
    setProblems(typed);
    setMsg(null);
    if (!config) {
      setMsg({ ok: false, text: 'Risk limits not saved: fix the fields marked in red.' });
      return;
    }
    setBusy(true);
    try {
      const r = await ws.host.command({ kind: 'risk.configure', config });
      if (r.ok) {
        setLoaded(config);
        setMsg({ ok: true, text: `${r.message.charAt(0).toUpperCase()}${r.message.slice(1)}.` });
      } else {
        const byField = refusalByField(r.reason);
        setProblems(byField);
        setMsg({ ok: false, text: `The engine refused these limits: ${Object.values(byField).flat().length} problem(s), shown at their fields.${byField.form ? ` ${byField.form.join('; ')}` : ''}` });
      }
    } finally {
      setBusy(false);
    }
  };

  const scalar = (k: ScalarLimit, label: string, unit: string, hint: string) => (
    <Field name={k} label={label} unit={unit} hint={hint} error={errorOf(k)}>
      {(id, d) => <input id={id} class="num" inputMode="decimal" aria-describedby={d} placeholder="off" value={form.scalars[k]} onInput={(e) => (setForm('scalars', k, e.currentTarget.value), edited())} />}
    </Field>
  );
  const action = (k: 'dailyLossAction' | 'drawdownAction' | 'lossesAction', label: string) => (
    <Field name={k} label={label} error={errorOf(k)}>
      {(id, d) => (
        <select id={id} aria-describedby={d} value={form[k]} onChange={(e) => (setForm(k, e.currentTarget.value as BreachAction), edited())}>
          <option value="halted">halt</option>
          <option value="reducing">reduce (exits only)</option>
        </select>
      )}
    </Field>
  );
  const ruleNumber = (rule: OptionalRule, field: string, label: string, unit: string) => {
    const key = `${rule}.${field}`;
    return (
      <Field name={key} label={label} unit={unit} error={errorOf(key)}>
        {(id, d) => <input id={id} class="num" inputMode="decimal" aria-describedby={d} disabled={!form.on[rule]} value={form.numbers[key] ?? ''} onInput={(e) => (setForm('numbers', key, e.currentTarget.value), edited())} />}
      </Field>
    );
  };
  const ruleSwitch = (rule: OptionalRule, label: string, children: JSX.Element) => (
    <fieldset class="risk-rule" data-rule={rule}>
      <legend>
        <label class="field-unit">
          <input type="checkbox" checked={form.on[rule]} onChange={(e) => (setForm('on', rule, e.currentTarget.checked), edited())} data-rule-on={rule} /> {label}
        </label>
      </legend>
      <div class="form-grid">{children}</div>
    </fieldset>
  );

  return (
    <form class="panel" onSubmit={(e) => (e.preventDefault(), void save())} noValidate data-risk-form>
      <h3>Risk limits</h3>
      <Show when={loaded()} fallback={<p class="muted">Waiting for the engine: the limits are the ones it enforces.</p>}>
        <p class="field-hint">The engine enforces these from the next bar, in backtests too. A blank number turns its limit off. An agent may override some of them (its Risk overrides).</p>
        <h4>Circuit breaker</h4>
        <div class="form-grid">
          {scalar('maxDailyLossPct', 'Max daily loss', '% of equity', "of the day's starting equity")}
          {action('dailyLossAction', 'Then')}
          {scalar('maxDrawdownPct', 'Max drawdown', '% from peak', 'of the equity peak; resumes by hand')}
          {action('drawdownAction', 'Then')}
          {scalar('maxConsecutiveLosses', 'Max losses in a row', 'trades', 'per agent')}
          {action('lossesAction', 'Then')}
          <Field name="resume" label="After a breaker" error={errorOf('resume')}>
            {(id, d) => (
              <select id={id} aria-describedby={d} value={form.resume} onChange={(e) => (setForm('resume', e.currentTarget.value as RiskForm['resume']), edited())}>
                <option value="next-day">resume at the next trading day</option>
                <option value="manual">resume by hand only</option>
              </select>
            )}
          </Field>
          <Field name="timeZone" label="Trading day time zone" hint="IANA, e.g. UTC, Europe/London" error={errorOf('timeZone')}>
            {(id, d) => <input id={id} type="text" aria-describedby={d} value={form.timeZone} onInput={(e) => (setForm('timeZone', e.currentTarget.value), edited())} />}
          </Field>
        </div>
        <h4>Positions and exposure</h4>
        <div class="form-grid">
          {scalar('maxOpenPositions', 'Max open positions', 'positions', 'across all agents')}
          {scalar('maxOpenPerAgent', 'Max open per agent', 'positions', 'each agent')}
          {scalar('maxOpenRiskPct', 'Max open risk', '% of equity', 'sum of stop distance × volume')}
          {scalar('maxCurrencyExposurePct', 'Max exposure per currency', '% of equity', 'net, FX legs')}
          {scalar('maxGroupPct', 'Max share per group', '% of equity', 'asset class or sector')}
          <Field name="groups" label="Symbol groups" hint="SYMBOL = group, one a line; unlisted symbols use their asset class" error={errorOf('groups')}>
            {(id, d) => <textarea id={id} rows={3} aria-describedby={d} value={form.groups} onInput={(e) => (setForm('groups', e.currentTarget.value), edited())} placeholder="EURUSD = fx-majors" />}
          </Field>
        </div>
        <h4>Correlation and protections</h4>
        <div class="risk-rules">
          {ruleSwitch('correlation', 'Correlation limit', <>{ruleNumber('correlation', 'max', 'Refuse above', 'correlation')}{ruleNumber('correlation', 'lookbackBars', 'Over', 'bars')}</>)}
          {ruleSwitch(
            'stopLossGuard',
            'Stop-loss guard',
            <>
              {ruleNumber('stopLossGuard', 'stops', 'Stops', 'stop-outs')}
              {ruleNumber('stopLossGuard', 'lookbackBars', 'Within', 'bars')}
              {ruleNumber('stopLossGuard', 'lockBars', 'Lock for', 'bars')}
              <Field name="stopLossGuard.scope" label="Lock the">
                {(id) => (
                  <select id={id} disabled={!form.on.stopLossGuard} value={form.stopLossScope} onChange={(e) => (setForm('stopLossScope', e.currentTarget.value as 'symbol' | 'agent'), edited())}>
                    <option value="symbol">symbol</option>
                    <option value="agent">agent</option>
                  </select>
                )}
              </Field>
            </>,
          )}
          {ruleSwitch('cooldown', 'Cooldown after a close', ruleNumber('cooldown', 'bars', 'No new entry for', 'bars'))}
          {ruleSwitch(
            'lowProfit',
            'Low-profit symbol lock',
            <>
              {ruleNumber('lowProfit', 'trades', 'Last', 'trades')}
              {ruleNumber('lowProfit', 'lookbackBars', 'Within', 'bars')}
              {ruleNumber('lowProfit', 'minProfitPct', 'Below', '% of equity')}
              {ruleNumber('lowProfit', 'lockBars', 'Lock for', 'bars')}
            </>,
          )}
          {ruleSwitch(
            'drawdownLock',
            'Drawdown lock (per agent)',
            <>
              {ruleNumber('drawdownLock', 'trades', 'At least', 'trades')}
              {ruleNumber('drawdownLock', 'lookbackBars', 'Within', 'bars')}
              {ruleNumber('drawdownLock', 'maxDrawdownPct', 'Drawdown above', '%')}
              {ruleNumber('drawdownLock', 'lockBars', 'Lock for', 'bars')}
            </>,
          )}
        </div>
        <Show when={problems().form}>
          <For each={problems().form}>{(p) => <p class="problem" role="alert">{p}</p>}</For>
        </Show>
        <div class="actions">
          <button type="submit" class="btn btn-primary" disabled={busy()} data-action="save-risk">
            Save risk limits
          </button>
          <button type="button" class="btn" disabled={busy()} onClick={() => { const c = ws.status()?.risk?.config; if (c) { setForm(riskFormOf(c)); setProblems({}); setMsg(null); } }} data-action="reset-risk">
            Show the engine's current limits
          </button>
        </div>
        <Show when={msg()}>
          {(m) => (
            <div class={`notice ${m().ok ? 'notice-ok' : 'notice-error'}`} role="status" data-saved="risk">
              {m().text}
            </div>
          )}
        </Show>
      </Show>
    </form>
  );
}
