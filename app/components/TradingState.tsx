import { Show } from 'solid-js';
import type { TradingState } from '../../workers/trading/events.ts';
import type { WorkspaceCommand } from '../../workers/host/api.ts';
import type { Workspace } from '../state/workspace.ts';
import { fmt } from './format.ts';
import { notify } from './toasts.tsx';

/** What a trading state allows, in a trader's words. */
export const STATE_MEANS: Record<TradingState, string> = {
  active: 'trading',
  reducing: 'reducing: exits and stop moves only',
  halted: 'halted: no new decisions',
};

/** 'resumes 2018-01-03 00:00 UTC' or 'resumes by hand' (nothing while active). */
export function resumeText(state: TradingState, resumeAt: number | null): string {
  if (state === 'active') return '';
  return resumeAt !== null ? `resumes ${fmt.time(resumeAt)} UTC` : 'resumes by hand';
}

/** A trading state as a badge, with its reason and when it resumes. */
export function TradingStateBadge(props: { state: TradingState; reason?: string; resumeAt?: number | null; name?: string }) {
  return (
    <span class="trading-state" data-trading-state={props.state} data-trading-scope={props.name}>
      <span class={`badge trading ${props.state}`}>{props.state}</span>
      <Show when={props.state !== 'active'}>
        <span class="small">
          {props.reason}
          <Show when={resumeText(props.state, props.resumeAt ?? null)}>{(t) => <span class="muted"> · {t()}</span>}</Show>
        </span>
      </Show>
    </span>
  );
}

/** Sends a command and says how it went (a toast); true when the host applied it. */
export async function sendCommand(ws: Workspace, c: WorkspaceCommand): Promise<boolean> {
  const r = await ws.host.command(c);
  notify(r.ok ? 'ok' : 'error', r.ok ? r.message : r.reason);
  return r.ok;
}
