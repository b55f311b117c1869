/**
 * Alerts derived from real records: backtests of the bundled EURUSD hours
 * through the engine (with risk limits, for refusals and trading states; with
 * the demo workspace's model chain, for the models' numbers), and the
 * emergency stop pressed on a paper session. Every title and line is checked
 * against the record's own numbers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT, DEMO_AGENT, demoReplayBars } from '../../workers/engine/demo.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import type { AgentConfig } from '../../workers/engine/agent-config.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import { barAt, sliceSeries } from '../../workers/market/bar.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEFAULT_RISK_CONFIG, NO_LIMITS } from '../../workers/risk/limits.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { AlertDeriver } from '../../workers/notify/from-events.ts';
import type { Alert } from '../../workers/notify/alert.ts';
import { loadModelNode, publicFiles } from '../../relay/host/node-host.ts';
import { bundled } from '../helpers/bundled.ts';

const instrument = (s: string) => KNOWN_INSTRUMENTS[s];
const eurusd = bundled('EURUSD');
const ofType = <T extends EngineEvent['type']>(events: readonly EngineEvent[], type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
const derive = (events: readonly EngineEvent[], d = new AlertDeriver()) => events.flatMap((e) => d.onEvent(e));
const byId = (alerts: Alert[]) => new Map(alerts.map((a) => [a.id, a]));
// Written out here, not imported: the test checks the text, not the formatter against itself.
const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '-' : ''}${money(Math.abs(x))} USD`;
const units = (x: number) => x.toLocaleString('en-US');

describe('alerts from a backtest with risk limits (demo SMA agent, bundled EURUSD)', async () => {
  const limits = { ...NO_LIMITS, maxDailyLossPct: 0.5, cooldown: { bars: 24 } };
  const r = await runBacktest({ series: [eurusd], agent: { ...DEMO_AGENT }, ...DEMO_ACCOUNT, instrument, risk: { limits, timeZone: 'UTC', groups: {} } });
  const alerts = derive(r.events);
  const alert = byId(alerts);

  it('one alert per trade opened, per trade closed, per refusal and per trading-state change; ids from the events, unique and stable', () => {
    const count = (t: string) => alerts.filter((a) => a.type === t).length;
    expect(count('trade.opened')).toBe(ofType(r.events, 'position.opened').length);
    expect(count('trade.closed')).toBe(r.trades.length);
    // The engine counts its refusals by rule: one alert each, naming the rule.
    expect(r.metrics.refusals.cooldown).toBeGreaterThan(0);
    expect(alerts.filter((a) => a.type === 'trade.refused' && a.title.endsWith('entry refused by cooldown')).length).toBe(r.metrics.refusals.cooldown);
    expect(count('trade.refused')).toBe(Object.values(r.metrics.refusals).reduce((a, b) => a + b, 0));
    expect(count('trading.state')).toBe(ofType(r.events, 'risk.state').length);
    expect(alert.size).toBe(alerts.length);
    expect(derive(r.events).map((a) => a.id)).toEqual(alerts.map((a) => a.id));
    for (const a of alerts) expect(r.events.find((e) => `ev:${e.id}` === a.id)?.time).toBe(a.time);
  });

  it('a trade opened: symbol, side, size and entry in the title; stop with the money at risk, and target', () => {
    for (const e of ofType(r.events, 'position.opened')) {
      const p = e.payload;
      const a = alert.get(`ev:${e.id}`)!;
      expect(a).toMatchObject({ type: 'trade.opened', priority: 'normal', agentId: DEMO_AGENT.id, symbol: 'EURUSD' });
      expect(a.title).toBe(`EURUSD ${p.side === 1 ? 'long' : 'short'} ${units(p.volumeUnits)} opened at ${p.entryPrice.toFixed(5)}`);
      expect(a.lines[0]).toBe(`Stop ${p.stopLoss!.toFixed(5)} (risk ${money(Math.abs(p.entryPrice - p.stopLoss!) * p.volumeUnits)} USD), target ${p.takeProfit!.toFixed(5)}`);
      expect(a.lines.at(-1)).toBe(`Agent ${DEMO_AGENT.id}`);
    }
  });

  it('a trade closed: how, net P&L, entry and exit, and R against the stop it opened with', () => {
    const opened = new Map(ofType(r.events, 'position.opened').map((e) => [e.payload.positionId, e.payload]));
    const how = { stop: 'at its stop', target: 'at its target', signal: 'on a signal', manual: 'by hand', emergency: 'by the emergency stop' };
    const closes = ofType(r.events, 'position.closed');
    expect(new Set(closes.map((e) => e.payload.reason)).size).toBeGreaterThan(1);
    for (const e of closes) {
      const p = e.payload;
      const a = alert.get(`ev:${e.id}`)!;
      const net = p.netPnlCents / 100;
      expect(a.title).toBe(`EURUSD ${p.side === 1 ? 'long' : 'short'} ${units(p.volumeUnits)} closed ${how[p.reason]}: ${signed(net)}`);
      const trade = r.trades.find((t) => t.id === p.positionId)!;
      expect(trade.netPnl).toBeCloseTo(net, 9);
      expect(a.lines[0]).toMatch(new RegExp(`^Entry ${p.entryPrice.toFixed(5)}, exit ${p.exitPrice.toFixed(5)}, held \\d`));
      expect(a.lines[1]).toBe(`Net ${signed(net)} (gross ${signed(p.grossPnlCents / 100)}, commission ${money(p.commissionCents / 100)} USD)`);
      const o = opened.get(p.positionId)!;
      const rMultiple = net / (Math.abs(o.entryPrice - o.stopLoss!) * o.volumeUnits);
      expect(a.lines[2]).toBe(`R ${rMultiple >= 0 ? '+' : ''}${rMultiple.toFixed(2)}`);
    }
    // A trade stopped out at the stop it opened with (never trailed) loses its initial risk plus costs: R a little under -1.
    const trailed = new Set(ofType(r.events, 'position.amended').map((e) => e.payload.positionId));
    const plain = closes.filter((e) => e.payload.reason === 'stop' && !trailed.has(e.payload.positionId));
    expect(plain.length).toBeGreaterThan(0);
    for (const e of plain) expect(Number(alert.get(`ev:${e.id}`)!.lines[2].slice(2))).toSatisfy((x: number) => x <= -1 && x > -1.2);
  });

  it('a refusal says which rule refused and why, with the side the signal asked for', () => {
    const refused = ofType(r.events, 'decision').filter((e) => e.payload.risk?.some((n) => n.verdict === 'refuse'));
    for (const e of refused) {
      const note = e.payload.risk!.find((n) => n.verdict === 'refuse')!;
      const a = alert.get(`ev:${e.id}`)!;
      expect(a).toMatchObject({ type: 'trade.refused', symbol: 'EURUSD', agentId: DEMO_AGENT.id });
      expect(a.title).toBe(`EURUSD ${e.payload.direction === 1 ? 'long ' : e.payload.direction === -1 ? 'short ' : ''}entry refused by ${note.rule}`);
      expect(a.lines.slice(0, 2)).toEqual([note.reason, `Rule ${note.rule} (${note.code})`]);
      expect(e.payload.reason).toBe(`skipped: refused by ${note.rule}: ${a.lines[0]}`);
    }
  });

  it('a trading-state change: the daily-loss halt with its reason and resume time, and the resume', () => {
    const states = ofType(r.events, 'risk.state');
    const halt = states.find((e) => e.payload.state === 'halted')!;
    const a = alert.get(`ev:${halt.id}`)!;
    expect(a).toMatchObject({ type: 'trading.state', priority: 'critical', title: 'Account trading halted' });
    expect(a.lines).toEqual([
      halt.payload.reason,
      'Was active; by rule:breaker-daily-loss (daily-loss-limit)',
      `Resumes ${new Date(halt.payload.resumeAt!).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    ]);
    expect(a.lines[0]).toMatch(/^day's loss \d+\.\d\d% of starting equity [\d,.]+ reached the 0\.5% limit$/);
    const resume = states.find((e) => e.payload.state === 'active' && e.time > halt.time)!;
    expect(alert.get(`ev:${resume.id}`)).toMatchObject({ title: 'Account trading active again', lines: [resume.payload.reason, 'Was halted; by schedule (auto-resume)'] });
  });

  it('remembers a bounded number of entries: a trade whose opening was forgotten closes without an R', () => {
    const d = new AlertDeriver({ maxRemembered: 1 });
    const opens = ofType(r.events, 'position.opened').slice(0, 2);
    const closes = opens.map((o) => ofType(r.events, 'position.closed').find((c) => c.payload.positionId === o.payload.positionId)!);
    // Both open before either closes (not so in the record: the order is made up here, the events are real).
    const got = [...opens, ...closes].flatMap((e) => d.onEvent(e));
    expect(got.map((a) => a.type)).toEqual(['trade.opened', 'trade.opened', 'trade.closed', 'trade.closed']);
    expect(got[2].lines.some((l) => l.startsWith('R '))).toBe(false);
    expect(got[3].lines.some((l) => l.startsWith('R '))).toBe(true);
  });
});

describe('alerts from the demo workspace model chain (alpha, risk, guard on the held-out EURUSD hours)', async () => {
  const seed = await demoSeed(publicFiles(), 0);
  const loaded: LoadedModel[] = await Promise.all(seed.models.map(loadModelNode));
  afterAll(async () => {
    for (const m of loaded) await m.session.release();
  });
  const create = seed.commands.find((c) => c.kind === 'agent.create' && c.config.id === 'demo-chain') as { config: AgentConfig };
  const { symbols: _s, timeframe: _t, ...agent } = create.config;
  const r = await runBacktest({ series: [demoReplayBars(eurusd)], agent, ...DEMO_ACCOUNT, instrument, models: (id) => loaded.find((m) => m.id === id)!, risk: DEFAULT_RISK_CONFIG });
  const alerts = byId(derive(r.events));

  it("a trade opened carries each model's numbers from the decision that placed it", () => {
    const decisions = new Map(ofType(r.events, 'decision').filter((e) => e.payload.clientOrderId).map((e) => [e.payload.clientOrderId!, e.payload]));
    const opens = ofType(r.events, 'position.opened');
    expect(opens.length).toBeGreaterThan(0);
    for (const e of opens) {
      const m = decisions.get(e.payload.positionId)!.models!;
      const a = alerts.get(`ev:${e.id}`)!;
      const pr = m.alpha!.probabilities;
      expect(a.lines.slice(1, 4)).toEqual([
        `Alpha ${m.alpha!.model}: ${m.alpha!.direction === 1 ? 'long' : 'short'}, confidence ${m.alpha!.confidence.toFixed(2)} (long ${pr.long!.toFixed(2)}, flat ${pr.flat!.toFixed(2)}, short ${pr.short!.toFixed(2)})`,
        `Risk ${m.risk!.model}: stop ${m.risk!.used.slMult.toFixed(2)}x ATR, target ${m.risk!.used.tpMult.toFixed(2)}x ATR, size ${m.risk!.used.size.toFixed(2)}${m.risk!.clamped.length ? ` (${m.risk!.clamped.join('; ')})` : ''}`,
        `Guard ${m.guard!.model}: allow ${m.guard!.allow.toFixed(2)}, threshold ${m.guard!.threshold}`,
      ]);
      expect(m.guard!.allow).toBeGreaterThanOrEqual(m.guard!.threshold);
    }
  });

  it('an entry the guard model blocked is a refusal with its allow probability and threshold', () => {
    const blocked = ofType(r.events, 'decision').filter((e) => e.payload.reason.startsWith('skipped: blocked by TradeGuard'));
    expect(blocked.length).toBeGreaterThan(0);
    const guardAlerts = [...alerts.values()].filter((a) => a.title.endsWith('entry blocked by the guard model'));
    expect(guardAlerts.length).toBe(blocked.length);
    for (const e of blocked) {
      const g = e.payload.models!.guard!;
      const a = alerts.get(`ev:${e.id}`)!;
      expect(a.type).toBe('trade.refused');
      expect(a.title).toBe(`EURUSD ${e.payload.direction === 1 ? 'long' : 'short'} entry blocked by the guard model`);
      expect(a.lines[0]).toBe(`Guard ${g.model}: allow ${g.allow.toFixed(2)} below the threshold ${g.threshold}`);
      // The reason the engine wrote says the same numbers.
      expect(e.payload.reason).toBe(`skipped: blocked by TradeGuard: allow probability ${g.allow.toFixed(2)} < threshold ${g.threshold}`);
    }
  });
});

describe('the emergency stop, pressed on a paper session with two agents', () => {
  it('gives one emergency.stop alert (not one per halted scope), and each position it closes a trade.closed', () => {
    const series = sliceSeries(eurusd, 0, 600);
    const clock = new SimulatedClock(series.time[0]);
    const s = createPaperSession({ clock, ...DEMO_ACCOUNT, instrument });
    const fast = { ...DEMO_AGENT, id: 'fast', alpha: { kind: 'rule' as const, strategy: 'sma-cross', params: { fast: 5, slow: 15, longOnly: false } } };
    for (const a of [DEMO_AGENT, fast]) s.engine.addAgent({ ...a, symbols: ['EURUSD'], timeframe: 'H1' });
    let i = 0;
    const step = () => {
      clock.advanceTo(series.time[i] + 3_600_000);
      s.engine.onBar('EURUSD', 'H1', barAt(series, i++));
    };
    while (s.broker.positions().length < 2) step();
    s.engine.emergencyStop();
    for (let k = 0; k < 3; k++) step();
    const events = s.journal.events as readonly EngineEvent[];
    const alerts = derive(events);
    const halts = ofType(events, 'risk.state').filter((e) => e.payload.code === 'emergency-stop');
    expect(halts.map((e) => e.payload.scope)).toEqual(['account', 'agent', 'agent']);
    const stops = alerts.filter((a) => a.type === 'emergency.stop');
    expect(stops).toEqual([{ id: `ev:${halts[0].id}`, type: 'emergency.stop', priority: 'critical', time: halts[0].time, title: 'Emergency stop: trading halted', lines: ['By user', 'Entries in flight cancelled, every position closed at market', 'Resumes by hand only'] }]);
    expect(alerts.filter((a) => a.type === 'trading.state')).toEqual([]);
    const closed = alerts.filter((a) => a.type === 'trade.closed' && a.title.includes('closed by the emergency stop'));
    expect(closed.length).toBe(2);
  });
});

describe('alerts from events a backtest does not produce', () => {
  const base = { seq: 1, agentId: 'demo-chain', time: Date.UTC(2018, 0, 2, 10) };
  it('an order rejected names the order, what it was and the broker reason', () => {
    const d = new AlertDeriver();
    const coid = 'demo-chain:EURUSD:1514887200000:E';
    d.onEvent({ ...base, id: `ord:intent:${coid}`, type: 'order.intent', payload: { clientOrderId: coid, symbol: 'EURUSD', side: 1, volumeUnits: 12_000, stopDistance: 0.002, targetDistance: 0.004, purpose: 'open' } });
    const [a] = d.onEvent({ ...base, id: `ord:rejected:${coid}`, type: 'order.rejected', payload: { clientOrderId: coid, symbol: 'EURUSD', reason: 'NOT_ENOUGH_MONEY: free margin 12.40' } });
    expect(a).toEqual({ id: `ev:ord:rejected:${coid}`, type: 'order.rejected', priority: 'critical', time: base.time, title: 'EURUSD long entry of 12,000 rejected', lines: ['Reason: NOT_ENOUGH_MONEY: free margin 12.40', `Order ${coid}`, 'Agent demo-chain'], agentId: 'demo-chain', symbol: 'EURUSD' });
  });

  it('an agent paused by a model error is a model fault; a pause by hand is not', () => {
    const d = new AlertDeriver();
    const fault = d.onEvent({ ...base, id: 'agent:demo-chain:1:paused', type: 'agent.status', payload: { status: 'paused', reason: 'model error: input 3 is NaN' } });
    expect(fault.map((a) => [a.type, a.priority, a.title, a.lines[0]])).toEqual([['model.fault', 'critical', 'Agent demo-chain paused: model error', 'model error: input 3 is NaN']]);
    expect(d.onEvent({ ...base, id: 'agent:demo-chain:2:paused', type: 'agent.status', payload: { status: 'paused', reason: 'paused by user' } })).toEqual([]);
  });

  it("a risk notice (a fill after the stop, closed at once) is a trading-state alert with the engine's message", () => {
    const d = new AlertDeriver();
    const message = 'EURUSD long of 12000 units filled for agent demo-chain after trading was halted (emergency stop): closing it at market';
    const [a] = d.onEvent({ ...base, id: 'risk:notice:late-fill:x', type: 'risk.notice', payload: { code: 'late-fill-closed', message, symbol: 'EURUSD', clientOrderId: 'x' } });
    expect(a).toMatchObject({ type: 'trading.state', priority: 'critical', title: 'EURUSD: late fill closed at market', lines: [message, 'Agent demo-chain'] });
  });
});
