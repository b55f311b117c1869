import type { AgentMode } from '../../../workers/engine/agent-config.ts';
import './readiness.css';

/**
 * Paper or live, on every agent card and row: live in the danger colour, since
 * its orders are real. Styled as a badge without the .badge class, which the
 * e2e tests read as the agent's state.
 */
export function ModeBadge(props: { mode: AgentMode }) {
  return (
    <span class={`mode-badge ${props.mode}`} data-agent-mode={props.mode} title={props.mode === 'live' ? 'live: real orders at the broker' : 'paper: fills in the paper book, no order reaches the broker'}>
      {props.mode}
    </span>
  );
}
