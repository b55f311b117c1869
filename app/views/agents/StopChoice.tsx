import { createSignal, Show } from 'solid-js';
import type { AgentSummary } from '../../../workers/host/api.ts';
import type { OpenPositionRecord } from '../../../workers/store/store.ts';
import { cancelText, pendingEntries } from '../../state/pending.ts';
import { useWorkspace } from '../../state/workspace.ts';

/**
 * Stopping one agent: its pending orders are cancelled, and the trader says
 * what happens to its open positions: closed at market, or left at the
 * broker with their stop and target. Nothing is sent until they choose.
 */
export function StopChoice(props: { agent: AgentSummary; open: OpenPositionRecord[]; busy: boolean; onStop: (closePositions: boolean) => void; onCancel: () => void }) {
  const ws = useWorkspace();
  const [close, setClose] = createSignal<boolean | null>(null);
  const symbols = () => props.open.map((p) => p.symbol).join(', ');
  const held = () => props.open.length;
  const pending = () => pendingEntries(ws.status(), props.agent.id);
  // An entry in flight may fill before the stop lands: then there is a position to decide about too.
  const asks = () => held() > 0 || (pending()?.length ?? 0) > 0;
  return (
    <form
      class="stop-choice"
      data-stop-choice={props.agent.id}
      onSubmit={(e) => {
        e.preventDefault();
        props.onStop(asks() ? close() === true : false);
      }}
    >
      <strong>Stop agent {props.agent.id}?</strong>
      <span class="small">It takes no new decisions until started again; {cancelText(pending())}.</span>
      <Show when={asks()} fallback={<span class="small muted">It has no open position.</span>}>
        <span class="small">{held() > 0 ? `Its ${held()} open position(s) (${symbols()})` : 'A position its pending order opens before the stop lands'}:</span>
        <label class="small">
          <input type="radio" name={`stop-${props.agent.id}`} checked={close() === true} onChange={() => setClose(true)} data-stop-close /> close at market now
        </label>
        <label class="small">
          <input type="radio" name={`stop-${props.agent.id}`} checked={close() === false} onChange={() => setClose(false)} data-stop-keep /> leave open with their stop and target at the broker
        </label>
      </Show>
      <div class="row">
        <button type="submit" class="danger" disabled={props.busy || (asks() && close() === null)} data-stop-confirm>
          {!asks() ? 'Stop agent' : close() === true ? 'Stop and close positions' : close() === false ? 'Stop, keep positions' : 'Choose what happens to its positions'}
        </button>
        <button type="button" onClick={() => props.onCancel()} data-stop-cancel>
          Cancel
        </button>
      </div>
    </form>
  );
}
