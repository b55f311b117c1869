/** The agent card's model-versions panel: which stored versions it offers per role, and the comparison summary it shows. */
import { describe, expect, it } from 'vitest';
import { shadowChoices, shadowStats } from '../../app/views/agents/shadow-panel.ts';
import type { ShadowComparison } from '../../workers/backtest/shadow-vs-current.ts';
import type { MatchedTrade, TradeSide, UnmatchedTrade } from '../../workers/backtest/live-vs-backtest.ts';
import type { CauseKind } from '../../workers/backtest/live-vs-backtest-causes.ts';
import type { StoredModel } from '../../workers/models/bundle/registry.ts';
import { promoteQuestion, rollbackQuestion } from '../../workers/commands/shadow.ts';

const model = (role: string, name: string, version: string) => ({ id: `${role}:${name}@${version}`, manifest: { role, name, version } as StoredModel['manifest'] });
const side: TradeSide = { positionId: 'p', side: 1, volumeUnits: 1000, entryTime: 0, entryPrice: 1.1, exitTime: null, exitPrice: null, exitReason: null, netPnlCents: null };
const unmatched = (kind: CauseKind): UnmatchedTrade => ({ symbol: 'EURUSD', barTime: 0, trade: side, cause: { kind, text: kind } });
const matched = { symbol: 'EURUSD', barTime: 0, live: side, backtest: side, entrySlippage: { price: 0, pips: 0, money: 0 }, exitSlippage: null, pnlDifferenceCents: null, exitCause: null } as unknown as MatchedTrade;

describe('shadow panel', () => {
  it('offers per role the other stored models of that role, the agent’s own model’s versions first', () => {
    const models = [model('alpha', 'other', '1.0.0'), model('alpha', 'demo-alpha', '1.2.0'), model('alpha', 'demo-alpha', '1.1.0'), model('alpha', 'demo-alpha', '0.9.0'), model('risk', 'demo-risk', '1.1.0'), model('guard', 'demo-guard', '2.0.0')];
    expect(shadowChoices(models, { alpha: 'alpha:demo-alpha@1.1.0', risk: 'risk:demo-risk@1.1.0' })).toEqual([
      { role: 'alpha', current: 'alpha:demo-alpha@1.1.0', ids: ['alpha:demo-alpha@0.9.0', 'alpha:demo-alpha@1.2.0', 'alpha:other@1.0.0'] },
      { role: 'risk', current: 'risk:demo-risk@1.1.0', ids: [] },
    ]);
    // A rule agent with no model has nothing to shadow.
    expect(shadowChoices(models, {})).toEqual([]);
  });

  it('sums each side, shows shadow − current, and names the causes of one-sided trades', () => {
    const liveCents = -1234;
    const backtestCents = 5678;
    const r: ShadowComparison = {
      agentId: 'a',
      session: 0,
      role: 'alpha',
      modelId: 'alpha:demo-alpha@1.2.0',
      decisions: { bars: 40, differ: 7, firstDiffering: [] },
      trades: {
        agentId: 'a',
        from: 0,
        to: 1,
        matched: [matched, matched],
        missed: [unmatched('rejected'), unmatched('downtime'), unmatched('rejected')],
        extra: [unmatched('manual')],
        pnl: { liveCents, backtestCents, differenceCents: liveCents - backtestCents, liveClosed: 2, backtestClosed: 4 },
        slippage: { entries: 0, entryAvgPips: 0, entryMoney: 0, exits: 0, exitAvgPips: 0, exitMoney: 0 },
        notes: [],
      },
    };
    const by = Object.fromEntries(shadowStats(r, (c) => `${c}c`).map((s) => [s.name, s]));
    expect(by['decisions-differ'].value).toBe('7 of 40 bars');
    expect(by['trades-current'].value).toBe('3 (2 closed)');
    expect(by['trades-shadow'].value).toBe('5 (4 closed)');
    expect([by['pnl-current'].value, by['pnl-shadow'].value]).toEqual(['-1234c', '5678c']);
    expect(by['pnl-difference']).toMatchObject({ value: '6912c', toneCents: 6912 });
    expect(by.matched.value).toBe('2');
    expect(by.missed.value).toBe('3 (current: 2 rejected, 1 downtime)');
    expect(by.extra.value).toBe('1 (1 manual)');
  });

  it('asks before a promotion naming both versions and the comparison, and before a rollback naming each change', () => {
    const current = { alpha: 'alpha:demo-alpha@1.1.0', risk: 'risk:demo-risk@1.1.0' };
    expect(promoteQuestion('demo-chain', { role: 'alpha', modelId: 'alpha:demo-alpha@1.2.0' }, current, null)).toBe(
      "Promote alpha:demo-alpha@1.2.0 to be agent demo-chain's alpha model in place of alpha:demo-alpha@1.1.0? It decides from the next bar; open positions stay. The shadow has decided nothing yet.",
    );
    const v = { current: { ...current, alpha: 'alpha:demo-alpha@1.2.0' }, shadow: null, previous: [current] };
    expect(rollbackQuestion('demo-chain', v)).toBe('Roll agent demo-chain back (alpha alpha:demo-alpha@1.2.0 -> alpha:demo-alpha@1.1.0)? It decides with the previous version from the next bar; open positions stay.');
  });
});
