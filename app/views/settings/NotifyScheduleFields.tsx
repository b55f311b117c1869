import { For } from 'solid-js';
import { Field } from './form-fields.tsx';
import type { NotifyForm } from './notify-form.ts';

type TextField = Exclude<keyof NotifyForm, 'delivery'>;

const FIELDS: { name: TextField; label: string; unit?: string; hint: string; mode: 'decimal' | 'text' | 'numeric'; placeholder?: string }[] = [
  { name: 'tradeR', label: 'Trade milestones every', unit: 'R', hint: 'multiples of the trade’s initial risk; 0 = off', mode: 'decimal' },
  { name: 'dayPct', label: 'Day milestones every', unit: '% of equity', hint: 'the day’s P&L in steps of its starting equity; 0 = off', mode: 'decimal' },
  { name: 'summaryTime', label: 'Daily summary at', hint: 'HH:MM, in the time zone below', mode: 'text', placeholder: '00:00' },
  { name: 'summaryTimeZone', label: 'Time zone', hint: 'IANA name: UTC, Europe/London, America/New_York…', mode: 'text', placeholder: 'UTC' },
  { name: 'pulseHours', label: 'Pulse every', unit: 'hours', hint: 'hours dividing the day (1, 2, 3, 4, 6, 8, 12, 24); 0 = no pulse', mode: 'numeric' },
  { name: 'downAfterMinutes', label: 'Still down after', unit: 'min', hint: 'a connection down this long sends “still down”', mode: 'numeric' },
  { name: 'flapMinutes', label: 'Flapping: one message per', unit: 'min', hint: 'a connection going up and down sends one message with a count', mode: 'numeric' },
];

/** The schedules' numbers: milestone steps, the summary's time and zone, the pulse, connection alerts. */
export function NotifyScheduleFields(props: { form: NotifyForm; onInput: (name: TextField, value: string) => void; problems: Record<string, string[]>; disabled?: boolean }) {
  return (
    <div class="form-grid" style={{ 'margin-top': '10px' }}>
      <For each={FIELDS}>
        {(f) => (
          <Field name={f.name} label={f.label} unit={f.unit} hint={f.hint} error={props.problems[f.name]?.join('; ') ?? null}>
            {(id, d) => (
              <input
                id={id}
                type="text"
                classList={{ num: f.mode !== 'text' }}
                inputMode={f.mode}
                autocomplete="off"
                placeholder={f.placeholder}
                aria-describedby={d}
                disabled={props.disabled}
                value={props.form[f.name]}
                onInput={(e) => props.onInput(f.name, e.currentTarget.value)}
                data-input={`notify-${f.name}`}
              />
            )}
          </Field>
        )}
      </For>
    </div>
  );
}
