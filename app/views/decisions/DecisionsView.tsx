import { createMemo, createResource, createSignal, For, Show } from 'solid-js';
import { Page } from '../../components/Page.tsx';
import { createStore } from 'solid-js/store';
import type { DecisionAction } from '../../../workers/trading/events.ts';
import type { DecisionRecord } from '../../../workers/store/projections.ts';
import { fmt } from '../../components/format.ts';
import { Pager } from '../../components/Pager.tsx';
import { PAGE_ROWS } from '../../components/page-rows.ts';
import { route } from '../../state/route.ts';
import { useWorkspace } from '../../state/workspace.ts';

const ACTIONS: DecisionAction[] = ['enter', 'exit', 'reverse', 'hold', 'skip'];

/**
 * The decision log: for every bar and symbol, what each model of an agent's
 * chain said (alpha probabilities, risk heads, guard probability against its
 * threshold), what the agent did, and why, newest first.
 */
export default function DecisionsView() {
  const ws = useWorkspace();
  const [filter, setFilter] = createStore({ agent: route().params.get('agent') ?? '', symbol: '', action: '' as '' | DecisionAction });
  const [page, setPage] = createSignal(0);
  const [decisions] = createResource(
    () => [ws.version(), filter.agent, filter.symbol, filter.action, page()] as const,
    async ([, agent, symbol, action, p]) => {
      // Newest first: this page and one row past it (is there an older page?). The action filter is
      // applied here, so ask for more when it is on (most bars are holds).
      const n = (p + 1) * PAGE_ROWS + 1;
      const list = await ws.store.decisions.list({ ...(agent ? { agentId: agent } : {}), ...(symbol ? { symbol } : {}), limit: action ? n * 20 : n });
      const hits = (action ? list.filter((d) => d.action === action) : list).slice(-n).reverse();
      return { page: p, rows: hits.slice(p * PAGE_ROWS, (p + 1) * PAGE_ROWS), more: hits.length > (p + 1) * PAGE_ROWS };
    },
  );
  const rows = () => decisions.latest?.rows ?? [];
  const choose = (k: 'agent' | 'symbol' | 'action', v: string) => {
    setPage(0);
    setFilter(k, v as never);
  };
  const agents = createMemo(() => ws.status()?.agents.map((a) => a.id) ?? []);
  const symbols = createMemo(() => [...new Set(ws.status()?.agents.flatMap((a) => a.symbols) ?? [])]);

  return (
    <Page view="decisions" title="Decisions">
      <div class="filters" role="search" aria-label="Filter decisions">
        <label class="field">
          <span>Agent</span>
          <select name="filter-agent" value={filter.agent} onChange={(e) => choose('agent', e.currentTarget.value)}>
            <option value="">all</option>
            <For each={agents()}>{(a) => <option value={a}>{a}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>Symbol</span>
          <select name="filter-symbol" value={filter.symbol} onChange={(e) => choose('symbol', e.currentTarget.value)}>
            <option value="">all</option>
            <For each={symbols()}>{(s) => <option value={s}>{s}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span>Action</span>
          <select name="filter-action" value={filter.action} onChange={(e) => choose('action', e.currentTarget.value)}>
            <option value="">all</option>
            <For each={ACTIONS}>{(a) => <option value={a}>{a}</option>}</For>
          </select>
        </label>
        <span class="muted small">newest first · {PAGE_ROWS} a page</span>
      </div>
      <div class="panel">
        <div class="table-wrap">
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
        </div>
        <Pager page={decisions.latest?.page ?? 0} onPage={setPage} shown={rows().length} more={decisions.latest?.more ?? false} what="decisions" />
      </div>
    </Page>
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
