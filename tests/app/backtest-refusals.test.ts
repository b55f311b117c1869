/** The PWA's backtest results count what each risk rule refused: the worker's job passes the account's limits through to the engine. */
import { describe, expect, it } from 'vitest';
import { runBacktestJob } from '../../app/backtest/run-job.ts';
import { refusalRows } from '../../app/views/backtest/refusals.ts';
import { riskEventRows } from '../../app/views/backtest/risk-events.ts';
import type { BacktestJob } from '../../app/backtest/protocol.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { NO_RISK_CONFIG } from '../../workers/risk/limits.ts';
import { bundled } from '../helpers/bundled.ts';

const job = (risk?: BacktestJob['risk']): BacktestJob => ({
  series: bundled('EURUSD'),
  agent: DEMO_AGENT,
  initialCash: DEMO_ACCOUNT.initialCash,
  leverage: DEMO_ACCOUNT.leverage,
  costs: DEMO_ACCOUNT.costs,
  models: [],
  ...(risk ? { risk } : {}),
});
const hooks = { createSession: () => Promise.reject(new Error('no model in this job')) };

describe('backtest results: entries refused by each risk rule', () => {
  it('a job with the account limits runs them (refusals by rule), one without runs none', async () => {
    // A day's cooldown after each close: the demo agent's quick re-entries are refused.
    const limited = await runBacktestJob(job({ ...NO_RISK_CONFIG, limits: { ...NO_RISK_CONFIG.limits, cooldown: { bars: 24 } } }), hooks);
    const free = await runBacktestJob(job(), hooks);
    expect(free.metrics.refusals).toEqual({});
    expect(free.risk).toEqual({ rules: {}, states: [], locks: [], notices: [] });
    const n = limited.metrics.refusals.cooldown;
    expect(n).toBeGreaterThan(0);
    expect(limited.risk.rules.cooldown).toMatchObject({ refused: n, resized: 0 });
    expect(limited.metrics.trades).toBeLessThan(free.metrics.trades);
    expect(refusalRows(limited.metrics.refusals, true)).toContainEqual(['refusals.cooldown', 'Entries refused by cooldown', n.toLocaleString('en-US')]);
  });

  it('the results list each trading-state change of a breaker, in time order, with when it resumes', async () => {
    const r = await runBacktestJob(job({ ...NO_RISK_CONFIG, limits: { ...NO_RISK_CONFIG.limits, maxDailyLossPct: 0.5 } }), hooks);
    const halts = r.risk.states.filter((s) => s.state === 'halted');
    expect(halts.length).toBeGreaterThan(0);
    expect(halts.every((s) => s.code === 'daily-loss-limit' && s.resumeAt !== null && s.resumeAt > s.time)).toBe(true);
    const rows = riskEventRows(r.risk);
    expect(rows.length).toBe(r.risk.states.length);
    expect(rows.map((x) => x.time)).toEqual([...rows.map((x) => x.time)].sort((a, b) => a - b));
    expect(rows[0].what).toBe('Account: active → halted');
    expect(rows[0].detail).toMatch(/^day's loss \d+\.\d\d% of starting equity [\d,.]+ reached the 0\.5% limit \(resumes \d{4}-\d\d-\d\d 00:00 UTC\)$/);
  });

  it('rows: most refusals first, thousands grouped; none says whether limits were on', () => {
    expect(refusalRows({ 'max-open': 3, 'daily-loss': 1200, correlation: 0 }, true)).toEqual([
      ['refusals.daily-loss', 'Entries refused by daily-loss', '1,200'],
      ['refusals.max-open', 'Entries refused by max-open', '3'],
    ]);
    expect(refusalRows({}, true)).toEqual([['refusals', 'Entries refused by risk rules', 'none']]);
    expect(refusalRows({}, false)).toEqual([['refusals', 'Entries refused by risk rules', 'none (risk limits off)']]);
  });
});
