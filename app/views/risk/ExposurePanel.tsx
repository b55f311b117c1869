import { For, Show } from 'solid-js';
import { fmt } from '../../components/format.ts';
import type { Share } from './risk-model.ts';

/**
 * Net exposure per currency (long right, short left) and the share of equity
 * per group, each against its limit; a bar past its limit is drawn red.
 */
export function ShareBars(props: { title: string; name: string; shares: Share[]; limitPct: number | null; signed: boolean; empty: string }) {
  // The scale: the limit, or the largest share when that is bigger (so an excess shows as one).
  const scale = () => Math.max(props.limitPct ?? 0, ...props.shares.map((s) => Math.abs(s.pct)), 1);
  const width = (pct: number) => `${Math.min(100, (100 * Math.abs(pct)) / scale()) / (props.signed ? 2 : 1)}%`;
  return (
    <div data-exposure={props.name}>
      <h3>{props.title}</h3>
      <p class="muted small">
        {props.limitPct === null ? 'no limit set' : `limit ${fmt.pct(props.limitPct, 0)} of equity`}
        {props.signed ? ' · long to the right, short to the left' : ''}
      </p>
      <Show when={props.shares.length > 0} fallback={<p class="muted small">{props.empty}</p>}>
        <div style={{ display: 'grid', gap: '4px' }}>
          <For each={props.shares}>
            {(s) => {
              const over = () => props.limitPct !== null && Math.abs(s.pct) > props.limitPct;
              const side = () => (s.pct >= 0 ? 'long' : 'short');
              return (
                <div class="bar-row small" data-share={s.name}>
                  <span>{s.name}</span>
                  <span class="bar-track" role="img" aria-label={`${s.name} ${fmt.signedPct(s.pct)} of equity`}>
                    <span
                      class={`bar-fill ${over() ? 'over' : props.signed ? side() : 'long'}`}
                      style={props.signed ? (s.pct >= 0 ? { left: '50%', width: width(s.pct) } : { right: '50%', width: width(s.pct) }) : { left: '0', width: width(s.pct) }}
                    />
                  </span>
                  <span class={`num ${over() ? 'down' : ''}`}>{props.signed ? fmt.signedPct(s.pct, 1) : fmt.pct(s.pct, 1)}</span>
                </div>
              );
            }}
          </For>
        </div>
      </Show>
    </div>
  );
}
