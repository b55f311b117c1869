import { createEffect, createSignal, For, Show } from 'solid-js';
import { createStore, unwrap } from 'solid-js/store';
import type { RampPlan } from '../../../workers/ramp/plan.ts';
import type { WorkspaceCommand } from '../../../workers/host/api.ts';
import { useWorkspace } from '../../state/workspace.ts';
import { errorText, Field } from './form-fields.tsx';
import { DEFAULT_GO_LIVE_FORM, defaultText, GATE_NUMBERS, GATE_SWITCHES, GO_LIVE_DEFAULTS_COMMAND, goLiveCommandOf, goLiveFormFromStored, goLiveRefusalByField, goLiveValuesOf, RAMP_NUMBERS, type GoLiveForm, type GoLiveProblems } from './go-live-form.ts';

type Msg = { ok: boolean; text: string } | null;

/**
 * Settings > Going live: the readiness gates an agent's paper record must
 * pass before it trades live, and the capital ramp it starts on. Saving sends
 * `golive.configure` to the engine (this browser's, or the relay's when
 * attached), which checks the values by the rules it reads them by, stores
 * them in its workspace's settings (readiness.gates, ramp.plan) and records
 * the command; it reads them at the next /readiness, the next #mode live and
 * the next ramp start. The form opens on what the engine reports it stores
 * (HostStatus.goLive); each problem, typed here or refused there, shows at
 * its field.
 */
export function GoLivePanel() {
  const ws = useWorkspace();
  const [form, setForm] = createStore<GoLiveForm>(DEFAULT_GO_LIVE_FORM());
  const [loaded, setLoaded] = createSignal(false);
  const [problems, setProblems] = createSignal<GoLiveProblems>({});
  const [msg, setMsg] = createSignal<Msg>(null);
  const [busy, setBusy] = createSignal(false);

  // What the engine stores fills the form once; later updates must not overwrite what is being typed.
  createEffect(() => {
    const g = ws.status()?.goLive;
    if (g && !loaded()) {
      setLoaded(true);
      const r = goLiveFormFromStored(g.gates, g.ramp);
      setForm(r.form);
      setProblems(r.problems);
    }
  });

  const errorOf = (k: string) => problems()[k]?.join(' · ') || null;
  const edited = () => setMsg(null);
  const locked = () => !loaded() || busy();

  /** Sends the command; the engine's refusal lands at the fields it names. */
  const send = async (what: string, cmd: WorkspaceCommand, done: (message: string) => string) => {
    setBusy(true);
    try {
      const r = await ws.host.command(cmd);
      if (r.ok) setMsg({ ok: true, text: done(r.message) });
      else {
        const byField = goLiveRefusalByField(r.reason);
        setProblems(byField);
        const n = Object.entries(byField).filter(([k]) => k !== 'form').flatMap(([, ps]) => ps).length;
        // A refusal naming no field (a stopped workspace, an unknown name) is said whole.
        const whole = byField.form ? ` ${byField.form.join('; ')}` : '';
        setMsg({ ok: false, text: n ? `${what}: the engine refused ${n} value${n === 1 ? '' : 's'}, shown at ${n === 1 ? 'its field' : 'their fields'}.${whole}` : `${what}:${whole}` });
      }
    } catch (e) {
      setMsg({ ok: false, text: `${what}: ${errorText(e)}` });
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    const v = goLiveValuesOf(structuredClone(unwrap(form)));
    setProblems(v.problems);
    setMsg(null);
    if (!v.gates || !v.plan) {
      setMsg({ ok: false, text: 'Going-live settings not saved: fix the fields marked in red.' });
      return;
    }
    const cmd = goLiveCommandOf({ gates: v.gates, plan: v.plan });
    const n = Object.keys(cmd.gates ?? {}).length + Object.keys(cmd.ramp ?? {}).length;
    await send('Going-live settings not saved', cmd, () => `Saved${n ? ` (${n} value${n === 1 ? ' differs' : 's differ'} from the defaults)` : ': all defaults'}. The readiness checklist uses them at once; a capital ramp takes the plan when its agent goes live.`);
  };

  const reset = async () => {
    setMsg(null);
    await send('Defaults not restored', GO_LIVE_DEFAULTS_COMMAND, () => {
      setForm(DEFAULT_GO_LIVE_FORM());
      setProblems({});
      return 'Defaults restored: readiness.gates and ramp.plan removed, so the engine uses the defaults shown.';
    });
  };

  const num = (section: 'gates' | 'ramp', key: string, label: string, unit: string) => (
    <Field name={`${section}.${key}`} label={label} unit={unit} hint={defaultText(section, key)} error={errorOf(`${section}.${key}`)}>
      {(id, d) => (
        <input
          id={id}
          class="num"
          inputMode="decimal"
          aria-describedby={d}
          disabled={locked()}
          value={(form[section] as Record<string, string>)[key]}
          onInput={(e) => (setForm(section, key as never, e.currentTarget.value as never), edited())}
        />
      )}
    </Field>
  );

  return (
    <form class="panel" onSubmit={(e) => (e.preventDefault(), void save())} noValidate data-panel="go-live">
      <h3>Going live</h3>
      <Show when={!loaded()}>
        <p class="muted">Waiting for the engine: the values are the ones it stores.</p>
      </Show>
      <p class="field-hint">
        An agent goes live from paper only when every readiness gate is green (or with an override and its reason), then trades a growing share of its capital while live keeps matching paper.
      </p>
      <h4>Readiness gates</h4>
      <div class="form-grid">
        <For each={GATE_NUMBERS}>{(f) => num('gates', f.key, f.label, f.unit)}</For>
        <For each={GATE_SWITCHES}>
          {(f) => (
            <Field name={`gates.${f.key}`} label="Rehearsal required" hint={defaultText('gates', f.key)} error={errorOf(`gates.${f.key}`)}>
              {(id, d) => (
                <label class="field-unit">
                  <input id={id} type="checkbox" aria-describedby={d} disabled={locked()} checked={form.rehearse[f.key]} onChange={(e) => (setForm('rehearse', f.key, e.currentTarget.checked), edited())} /> {f.label}
                </label>
              )}
            </Field>
          )}
        </For>
      </div>
      <h4>Capital ramp</h4>
      <div class="form-grid">
        <Field name="ramp.stagesPct" label="Stages" unit="% of its capital" hint={`${defaultText('ramp', 'stagesPct')}; rising, ending at 100`} error={errorOf('ramp.stagesPct')}>
          {(id, d) => <input id={id} type="text" aria-describedby={d} disabled={locked()} value={form.stagesPct} onInput={(e) => (setForm('stagesPct', e.currentTarget.value), edited())} />}
        </Field>
        <For each={RAMP_NUMBERS}>{(f) => num('ramp', f.key, f.label, f.unit)}</For>
        <Field name="ramp.onBreach" label="On a breach" hint={defaultText('ramp', 'onBreach')} error={errorOf('ramp.onBreach')}>
          {(id, d) => (
            <select id={id} aria-describedby={d} disabled={locked()} value={form.onBreach} onChange={(e) => (setForm('onBreach', e.currentTarget.value as RampPlan['onBreach']), edited())}>
              <option value="step-down">step down one stage</option>
              <option value="halt">halt the agent</option>
            </select>
          )}
        </Field>
      </div>
      <Show when={problems().form}>
        <For each={problems().form}>{(p) => <p class="problem" role="alert">{p}</p>}</For>
      </Show>
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={locked()} data-action="save-go-live">
          Save going-live settings
        </button>
        <button type="button" class="btn" disabled={locked()} onClick={() => void reset()} data-action="reset-go-live">
          Reset to defaults
        </button>
      </div>
      <Show when={msg()}>
        {(m) => (
          <div class={`notice ${m().ok ? 'notice-ok' : 'notice-error'}`} role="status" data-saved="go-live">
            {m().text}
          </div>
        )}
      </Show>
    </form>
  );
}
