import { For } from 'solid-js';
import { ALERT_TYPES, DEFAULT_DELIVERY, type AlertDelivery, type AlertType } from '../../../workers/notify/alert.ts';
import { ALERT_LABELS } from '../../../workers/notify/labels.ts';

const CHOICES: { value: AlertDelivery; label: string }[] = [
  { value: 'on', label: 'On' },
  { value: 'silent', label: 'Silent' },
  { value: 'off', label: 'Off' },
];

/** Every alert type, on (with sound), silent (sent without sound) or off; its default marked. */
export function DeliveryTable(props: {
  delivery: Record<AlertType, AlertDelivery>;
  onChange: (type: AlertType, d: AlertDelivery) => void;
  problems: Record<string, string[]>;
  disabled?: boolean;
}) {
  return (
    <div class="table-wrap">
      <table class="grid" data-delivery-table>
        <thead>
          <tr>
            <th scope="col">Alert</th>
            <For each={CHOICES}>{(c) => <th scope="col">{c.label}</th>}</For>
          </tr>
        </thead>
        <tbody>
          <For each={ALERT_TYPES}>
            {(t) => {
              const label = () => ALERT_LABELS[t];
              const problem = () => props.problems[`delivery.${t}`]?.join('; ');
              return (
                <tr data-alert-type={t} classList={{ 'field-invalid': !!problem() }}>
                  <th scope="row">
                    {label()} <span class="field-hint">{t}</span>
                    {problem() && <div class="field-error" role="alert">{problem()}</div>}
                  </th>
                  <For each={CHOICES}>
                    {(c) => (
                      <td>
                        <label class="field-unit">
                          <input
                            type="radio"
                            name={`delivery-${t}`}
                            value={c.value}
                            checked={props.delivery[t] === c.value}
                            disabled={props.disabled}
                            onChange={() => props.onChange(t, c.value)}
                            aria-label={`${label()}: ${c.label}`}
                            data-delivery={c.value}
                          />
                          {DEFAULT_DELIVERY[t] === c.value ? ' default' : ''}
                        </label>
                      </td>
                    )}
                  </For>
                </tr>
              );
            }}
          </For>
        </tbody>
      </table>
    </div>
  );
}
