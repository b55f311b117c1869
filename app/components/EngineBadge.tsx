import { Show } from 'solid-js';
import type { EngineOwnerInfo } from '../engine/channel.ts';
import { RELAY_OWNER } from '../remote/remote-workspace.ts';

/** Which tab runs the engine: this one, another one, or none (and why). */
export function EngineBadge(props: { info: EngineOwnerInfo }) {
  const text = () => {
    const i = props.info;
    if (i.ownerTabId === RELAY_OWNER) return i.state === 'error' ? 'Relay: not answering' : 'Engine: relay';
    if (i.state === 'error') return `Engine stopped`;
    if (i.isOwner) return i.state === 'starting' ? 'Engine starting in this tab' : 'Engine: this tab';
    if (i.ownerTabId) return `Engine: tab ${i.ownerTabId}`;
    return 'Looking for the engine…';
  };
  return (
    <span
      class={`engine-badge ${props.info.state}`}
      data-engine-owner={props.info.isOwner ? 'self' : props.info.ownerTabId ? 'other' : 'none'}
      data-tab-id={props.info.tabId}
      title={props.info.error ?? (props.info.ownerTabId === RELAY_OWNER ? 'The relay runs this workspace headless; commands go to it.' : props.info.isOwner ? 'This tab runs the engine; other tabs send their commands here.' : 'Another tab runs the engine; commands from this tab go there.')}
    >
      <span class="dot" />
      {text()}
      <Show when={props.info.error}>
        <span class="sr-only">: {props.info.error}</span>
      </Show>
    </span>
  );
}
