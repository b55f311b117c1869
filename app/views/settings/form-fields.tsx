import { Show, type JSX } from 'solid-js';
import './forms.css';

/**
 * Form pieces the Backtest, Data, Models and Settings views share: a labelled
 * field with its problem written right under it, and number parsing that says
 * what is wrong in words instead of turning "abc" into NaN. Numbers and times
 * become text in one place: components/format.ts.
 */

let nextId = 0;
export const fieldId = (name: string) => `f-${name}-${++nextId}`;

export function Field(props: { label: string; error?: string | null; hint?: string; unit?: string; children: (id: string, describedBy: string) => JSX.Element; name: string }) {
  const id = fieldId(props.name);
  const errId = `${id}-error`;
  return (
    <div class="field" classList={{ 'field-invalid': !!props.error }} data-field={props.name}>
      <label for={id}>{props.label}</label>
      <div class="field-input">
        {props.children(id, errId)}
        <Show when={props.unit}><span class="field-unit">{props.unit}</span></Show>
      </div>
      <Show when={props.hint && !props.error}><div class="field-hint">{props.hint}</div></Show>
      <div class="field-error" id={errId} role={props.error ? 'alert' : undefined} data-error-for={props.name}>{props.error ?? ''}</div>
    </div>
  );
}

export type Parsed = { ok: true; value: number } | { ok: false; error: string };

/** A number typed by a person: blank, words and infinities are refused with the reason. */
export function parseNumber(text: string, what: string, rule: { min?: number; max?: number; minExclusive?: boolean; integer?: boolean } = {}): Parsed {
  const t = text.trim().replace(/,/g, '');
  if (t === '') return { ok: false, error: `${what} is required` };
  const v = Number(t);
  if (!Number.isFinite(v)) return { ok: false, error: `${what} must be a number (got "${text.trim()}")` };
  if (rule.integer && !Number.isInteger(v)) return { ok: false, error: `${what} must be a whole number` };
  if (rule.min !== undefined && (rule.minExclusive ? !(v > rule.min) : !(v >= rule.min))) return { ok: false, error: `${what} must be ${rule.minExclusive ? 'more than' : 'at least'} ${rule.min}` };
  if (rule.max !== undefined && !(v <= rule.max)) return { ok: false, error: `${what} must be at most ${rule.max}` };
  return { ok: true, value: v };
}

/** An optional number: blank means "none" (null). */
export function parseOptional(text: string, what: string, rule: Parameters<typeof parseNumber>[2] = {}): { ok: true; value: number | null } | { ok: false; error: string } {
  return text.trim() === '' ? { ok: true, value: null } : parseNumber(text, what, rule);
}

/** The message of anything thrown, including DOMExceptions like QuotaExceededError. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'object' && e && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}
