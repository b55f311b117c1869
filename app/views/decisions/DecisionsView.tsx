import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { createStore } from 'solid-js/store';
import type { DecisionAction } from '../../../workers/engine/events.ts';
import type { DecisionRecord } from '../../../workers/store/projections.ts';
import { fmt } from '../../components/format.ts';
import { route } from '../../state/route.ts';
import { useWorkspace } from '../../state/workspace.ts';

const ACTIONS: DecisionAction[] = ['enter', 'exit', 'reverse', 'hold', 'skip'];
const PAGE = 200;

/**
 * The decision log: for every bar and symbol, what each model of an agent's
 * chain said (alpha probabilities, risk heads, guard probability against its
 * threshold), what the agent did, and why, newest first.
 */
export default function DecisionsView() {
  const ws = useWorkspace();
  const [filter, setFilter] = createStore({ agent: route().params.get('agent') ?? '', symbol: '', action: '' as '' | DecisionAction });
  const [limit, setLimit] = createSignal(PAGE);
  const [decisions] = createResource(
    () => [ws.version(), filter.agent, filter.symbol, filter.action, limit()] as const,
    async ([, agent, symbol, action, n]) => {
      // The action filter is applied here, so ask for more when it is on (most bars are holds).
      const list = await ws.store.decisions.list({ ...(agent ? { agentId: agent } : {}), ...(symbol ? { symbol } : {}), limit: action ? n * 20 : n });
      const hits = action ? list.filter((d) => d.action === action) : list;
      return hits.slice(-n).reverse();
    },
  );
  const rows = () => decisions.latest ?? [];
  const agents = createMemo(() => ws.status()?.agents.map((a) => a.id) ?? []);
  const symbols = createMemo(() => [...new Set(ws.status()?.agents.flatMap((a) => a.symbols) ?? [])]);

  return (
    <section aria-labelledby="decisions-title">
      <h1 id="decisions-title">Decisions</h1>
      <div class="filters" role="search" aria-label="Filter decisions">
        <label class="field">
          <span>Agent</span>
          <select name="filter-agent" value={filter.agent} onChange={(e) => setFilter('agent', e.currentTarget.value)}>
            <option value="">all</option>
            <For each={agents()}>{(a) => <option value={a}>{a}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>Symbol</span>
          <select name="filter-symbol" value={filter.symbol} onChange={(e) => setFilter('symbol', e.currentTarget.value)}>
            <option value="">all</option>
            <For each={symbols()}>{(s) => <option value={s}>{s}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>Action</span>
          <select name="filter-action" value={filter.action} onChange={(e) => setFilter('action', e.currentTarget.value as DecisionAction | '')}>
            <option value="">all</option>
            <For each={ACTIONS}>{(a) => <option value={a}>{a}</option>}</For>
          </select>
        </label>
        <span class="muted small">newest first · {rows().length} shown</span>
      </div>
      <div class="panel table-wrap">
        <table data-decisions-table>
          <thead>
            <tr>
              <th>Bar (UTC)</th>
              <th>Agent</th>
              <th>Symbol</th>
              <th class="num" title="alpha probabilities short / flat / long">Alpha P(s/f/l)</th>
              <th class="num" title="risk heads as used: stop x ATR, target x ATR, size">Risk sl/tp/size</th>
              <th class="num" title="guard allow probability vs threshold">Guard</th>
              <th>Action</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            <For each={rows()} fallback={<tr><td colspan="8" class="muted">{decisions.loading && !decisions.latest ? 'Loading…' : 'No decisions yet.'}</td></tr>}>
              {(d) => <DecisionRow d={d} />}
            </For>
          </tbody>
        </table>
        <Show when={rows().length >= limit()}>
          <button onClick={() => setLimit((n) => n + PAGE)}>Show {PAGE} more</button>
        </Show>
      </div>
    </section>
  );
}

function DecisionRow(props: { d: DecisionRecord }) {
  const m = () => props.d.models;
  const p = () => m()?.alpha?.probabilities;
  return (
    <tr data-decision={props.d.action}>
      <td class="num" style={{ 'text-align': 'left' }}>{fmt.time(props.d.barTime)}</td>
      <td>{props.d.agentId}</td>
      <td>{props.d.symbol}</td>
      <td class="num" title={m()?.alpha ? `${m()!.alpha!.model}: direction ${m()!.alpha!.direction}, confidence ${fmt.prob(m()!.alpha!.confidence)}` : 'no alpha model (rule strategy)'}>
        {m()?.alpha ? `${fmt.prob(p()?.short)} / ${fmt.prob(p()?.flat)} / ${fmt.prob(p()?.long)}` : direction(props.d.direction)}
      </td>
      <td class="num" title={m()?.risk ? `${m()!.risk!.model}; raw ${fmt.prob(m()!.risk!.raw.slMult)} / ${fmt.prob(m()!.risk!.raw.tpMult)} / ${fmt.prob(m()!.risk!.raw.size)}${m()!.risk!.clamped.length ? `; clamped: ${m()!.risk!.clamped.join(', ')}` : ''}` : ''}>
        {m()?.risk ? `${fmt.prob(m()!.risk!.used.slMult)} / ${fmt.prob(m()!.risk!.used.tpMult)} / ${fmt.prob(m()!.risk!.used.size)}${m()!.risk!.clamped.length ? ' *' : ''}` : '–'}
      </td>
      <td class={`num ${m()?.guard ? (m()!.guard!.allow >= m()!.guard!.threshold ? 'up' : 'down') : ''}`} title={m()?.guard?.model ?? ''}>
        {m()?.guard ? `${fmt.prob(m()!.guard!.allow)} ${m()!.guard!.allow >= m()!.guard!.threshold ? '≥' : '<'} ${fmt.prob(m()!.guard!.threshold)}` : '–'}
      </td>
      <td>
        <span class={`badge ${props.d.action === 'enter' || props.d.action === 'reverse' ? 'running' : props.d.action === 'exit' ? 'paused' : ''}`}>{props.d.action}</span>
      </td>
      <td class="small">{props.d.reason}</td>
    </tr>
  );
}

function direction(d: DecisionRecord['direction']): string {
  return d === 1 ? 'long' : d === -1 ? 'short' : d === 0 ? 'flat' : 'no opinion';
}
