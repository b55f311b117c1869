import { createSignal, For, onMount, Show } from 'solid-js';
import { createStore, unwrap } from 'solid-js/store';
import { READINESS_SETTING } from '../../../workers/readiness/gates.ts';
import { RAMP_SETTING, type RampPlan } from '../../../workers/ramp/plan.ts';
import { useWorkspace } from '../../state/workspace.ts';
import { attachedToRelay } from '../../remote/attach.ts';
import { errorText, Field } from './form-fields.tsx';
import { DEFAULT_GO_LIVE_FORM, defaultText, GATE_NUMBERS, GATE_SWITCHES, goLiveFormFromStored, goLiveValuesOf, RAMP_NUMBERS, resetGoLive, saveGoLive, type GoLiveForm, type GoLiveProblems } from './go-live-form.ts';

type Msg = { ok: boolean; text: string } | null;

/**
 * Settings > Going live: the readiness gates an agent's paper record must
 * pass before it trades live, and the capital ramp it starts on. Saved in
 * this workspace's settings (readiness.gates, ramp.plan), which the host reads
 * at the next /readiness, the next #mode live and the next ramp start. Each
 * problem is the host's own rule (go-live-form.ts), shown at its field.
 *
 * A page attached to a relay shows the defaults read-only: this page's
 * settings are this browser's, and the relay's engine reads its own store,
 * which no route of the relay writes settings into.
 */
export function GoLivePanel() {
  const ws = useWorkspace();
  const settings = ws.store.settings;
  const relay = () => attachedToRelay(ws);
  const [form, setForm] = createStore<GoLiveForm>(DEFAULT_GO_LIVE_FORM());
  const [problems, setProblems] = createSignal<GoLiveProblems>({});
  const [msg, setMsg] = createSignal<Msg>(null);
  const [busy, setBusy] = createSignal(false);

  onMount(async () => {
    if (relay()) return;
    try {
      const r = goLiveFormFromStored(await settings.get(READINESS_SETTING), await settings.get(RAMP_SETTING));
      setForm(r.form);
      setProblems(r.problems);
    } catch (e) {
      setMsg({ ok: false, text: `The stored go-live settings could not be read: ${errorText(e)}` });
    }
  });

  const errorOf = (k: string) => problems()[k]?.join(' · ') || null;
  const edited = () => setMsg(null);
  const locked = () => relay() || busy();

  const run = async (what: string, work: () => Promise<string>) => {
    setBusy(true);
    try {
      setMsg({ ok: true, text: await work() });
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
    const values = { gates: v.gates, plan: v.plan };
    await run('Going-live settings not saved', async () => {
      const stored = await saveGoLive(settings, values);
      const n = Object.keys(stored.gates).length + Object.keys(stored.plan).length;
      return `Saved${n ? ` (${n} value${n === 1 ? '' : 's'} differ from the defaults)` : ': all defaults'}. The readiness checklist uses them at once; a capital ramp takes the plan when its agent goes live.`;
    });
  };

  const reset = async () => {
    await run('Defaults not restored', async () => {
      await resetGoLive(settings);
      setForm(DEFAULT_GO_LIVE_FORM());
      setProblems({});
      return 'Defaults restored: readiness.gates and ramp.plan removed, so the host uses the defaults shown.';
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
      <Show when={relay()}>
        <p class="notice notice-warn" data-go-live-relay>
          Attached to a relay: its engine judges readiness and runs the ramp with its own settings, which this page cannot read or change. Shown here: the defaults.
        </p>
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
