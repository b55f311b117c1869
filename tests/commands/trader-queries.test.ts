/**
 * The read-only commands of issue 14 item 4 (/performance, /strategy-performance,
 * /signals, /why, /ml-status, /exposure, /correlation, /risk-limits,
 * /circuit-breaker, /stress-test, /take-profits, /cut-losses, /explain) against
 * the REAL WorkspaceHost on the demo workspace held between bars. Every number
 * is recomputed here from the record (events, trades, stored bars), not read
 * back from the code that printed it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRegistry, TelegramCommands, type CommandContext, type CommandOutcome } from '../../workers/commands/index.ts';
import type { HostStatus } from '../../workers/host/api.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import type { TradeRecord } from '../../workers/store/projections.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import { DEFAULT_RISK_CONFIG, NO_LIMITS } from '../../workers/risk/limits.ts';
import { openHeldHost, type HeldHost } from './held-host.ts';

const registry = createCommandRegistry();
const tg = new TelegramCommands(registry);
let held: HeldHost;
let ctx: CommandContext;

beforeAll(async () => {
  held = await openHeldHost();
  ctx = { host: held.host, store: held.store, surface: 'pwa', source: 'test' };
});
afterAll(async () => {
  await held?.stop();
});

const run = (input: string, c: CommandContext = ctx) => registry.execute(c, input);
async function lines(input: string): Promise<string[]> {
  const o: CommandOutcome = await run(input);
  if (o.kind !== 'done' || !o.ok) throw new Error(`${input} did not answer: ${JSON.stringify(o)}`);
  return o.lines;
}
async function refusal(input: string, c?: CommandContext): Promise<string[]> {
  const o = await run(input, c);
  if (o.kind !== 'done' || o.ok) throw new Error(`${input} was not refused: ${JSON.stringify(o)}`);
  return o.lines;
}
/** '+1,234.56 USD' or '-0.50' as a number. */
const money = (s: string) => Number(s.replace(/[,+ ]|USD/g, ''));
const round2 = (x: number) => Math.round(x * 100) / 100;
const utcText = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const events = async () => held.store.events.since(0);
const ofType = <T extends EngineEvent['type']>(all: EngineEvent[], t: T) => all.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === t);

const NO_ARGS = ['/performance', '/strategy-performance', '/ml-status', '/exposure', '/correlation', '/risk-limits', '/circuit-breaker', '/stress-test', '/take-profits', '/cut-losses'];

describe('arguments: one line with the usage', () => {
  it('in the palette', async () => {
    for (const c of NO_ARGS) expect(await refusal(`${c} now`)).toEqual([`${c} takes no arguments (got "now") (usage: ${c})`]);
    for (const bad of ['0', '31', 'two', '5 6']) expect(await refusal(`/signals ${bad}`)).toEqual([`/signals: the number of decisions must be 1 to 30 (got "${bad}") (usage: /signals [n])`]);
    expect(await refusal('/why')).toEqual(['/why needs one symbol or trade id, e.g. /why EURUSD (got none) (usage: /why <SYMBOL|trade id>)']);
    expect(await refusal('/why EURUSD GOOG')).toEqual(['/why needs one symbol or trade id, e.g. /why EURUSD (got "EURUSD GOOG") (usage: /why <SYMBOL|trade id>)']);
    expect(await refusal('/explain')).toEqual(['/explain needs the command to explain, e.g. /explain /risk (usage: /explain <command> [arguments])']);
    expect(await refusal('/explain /nothing')).toEqual(['/explain: unknown command "/nothing" — /help lists them (usage: /explain <command> [arguments])']);
  });

  it('in a Telegram chat, under the short names, the usage said once', () => {
    const names: [string, string][] = [['performance', '/performance'], ['strategies', '/strategy-performance'], ['signals', '/signals'], ['why', '/why'], ['mlstatus', '/ml-status'], ['exposure', '/exposure'], ['correlation', '/correlation'], ['limits', '/risk-limits'], ['breakers', '/circuit-breaker'], ['stresstest', '/stress-test'], ['profits', '/take-profits'], ['losses', '/cut-losses'], ['explain', '/explain']];
    for (const [name, def] of names) expect(tg.get(name)?.def.name, name).toBe(def);
    expect(tg.input('limits', ['x'])).toEqual({ kind: 'error', line: '/limits takes no arguments (got "x") (usage: /limits)' });
    expect(tg.input('signals', ['99'])).toEqual({ kind: 'error', line: '/signals: the number of decisions must be 1 to 30 (got "99") (usage: /signals [n])' });
    expect(tg.input('profits', [])).toMatchObject({ kind: 'run', input: '/take-profits' });
    expect(tg.menu().map((m) => m.command)).toEqual(expect.arrayContaining(names.map(([n]) => n)));
    // The categories the commands are filed under, as /help and the palette group them.
    expect(names.map(([, d]) => registry.find(d)!.category)).toEqual(['Performance', 'Performance', 'Signals and models', 'Signals and models', 'Signals and models', ...Array(5).fill('Risk and trading state'), 'Positions and orders', 'Positions and orders', 'Help']);
    expect(names.every(([, d]) => !registry.find(d)!.destructive)).toBe(true);
  });
});

describe('before the engine is up', () => {
  it('the risk commands say so', async () => {
    const s = await held.host.status();
    const idle: CommandContext = { ...ctx, host: { ...held.host, status: async (): Promise<HostStatus> => ({ ...s, risk: undefined }) } as CommandContext['host'] };
    for (const c of ['/exposure', '/correlation', '/risk-limits', '/circuit-breaker', '/stress-test', '/take-profits', '/cut-losses']) expect(await refusal(c, idle), c).toEqual(['the engine is not running yet: no trading state to show']);
  });
});

describe('on the demo workspace, held between bars', () => {
  it('with nothing traded yet: no trades, no signals, no positions, no inference', async () => {
    await held.runUntil((s) => s.feed.state === 'running' && s.agents.length === 2);
    expect(await held.store.trades.list()).toEqual([]);
    expect(await lines('/performance')).toEqual(['no closed trades yet']);
    expect(await lines('/strategy-performance')).toEqual(['no closed trades yet']);
    expect((await lines('/signals'))[0]).toMatch(/^no signals yet: of \d+ decision\(s\), none placed an order or was refused/);
    expect(await lines('/why EURUSD')).toEqual(['nothing is recorded for EURUSD: no trade, no open position and no signal in it']);
    expect(await lines('/exposure')).toEqual(['no open positions or entries on their way: nothing is exposed']);
    expect(await lines('/stress-test')).toEqual([`no open positions: equity stays ${(await held.host.status()).account.equity.toLocaleString('en-US', { minimumFractionDigits: 2 })} USD`]);
    expect(await lines('/take-profits')).toEqual(['no open positions']);
    expect(await lines('/cut-losses')).toEqual(['no open positions']);
    const ml = await lines('/ml-status');
    expect(ml[0]).toMatch(/^demo-chain \(running\): alpha alpha:\S+, risk risk:\S+, guard guard:\S+$/);
    expect(ml.slice(1)).toEqual(['  no inference recorded yet (no health data recorded)', '  model faults: none recorded', 'demo-sma (running): no models (rule sma-cross)']);
    // A destructive command explained with nothing to touch says it would refuse, and runs nothing.
    expect((await lines('/explain #close-all')).at(-1)).toBe('right now it would refuse: there is no open position to close');
  });

  let s: HostStatus;
  let trades: TradeRecord[];
  let all: EngineEvent[];
  it('runs until both agents closed trades (the model chain trades rarely) and a position is open', async () => {
    s = await held.runUntil((st) => st.agents.every((a) => a.trades >= 1) && st.agents.some((a) => a.trades >= 8) && st.agents.some((a) => a.openPositions > 0), 120_000);
    trades = await held.store.trades.list();
    all = await events();
  }, 130_000);

  it('/performance and /strategy-performance: P&L, win rate, profit factor, R from the entry stops, realised drawdown', async () => {
    const opened = new Map(ofType(all, 'position.opened').map((e) => [e.payload.positionId, e.payload]));
    const expected = (ts: TradeRecord[]) => {
      const sorted = [...ts].sort((a, b) => a.exitTime - b.exitTime);
      const net = sorted.reduce((n, t) => n + t.netPnl, 0);
      const gp = sorted.filter((t) => t.netPnl > 0).reduce((n, t) => n + t.netPnl, 0);
      const gl = -sorted.filter((t) => t.netPnl <= 0).reduce((n, t) => n + t.netPnl, 0);
      // R from the stop the broker placed at entry (position.opened), not from the decision the command reads.
      const rs = sorted.map((t) => t.netPnl / (Math.abs(t.entryPrice - opened.get(t.id)!.stopLoss!) * t.volumeUnits));
      let eq = s.account.initialCash;
      let peak = eq;
      let dd = 0;
      for (const t of sorted) {
        eq += t.netPnl;
        peak = Math.max(peak, eq);
        dd = Math.max(dd, ((peak - eq) / peak) * 100);
      }
      return { n: sorted.length, net: round2(net), win: round2((sorted.filter((t) => t.netPnl > 0).length / sorted.length) * 100), pf: gl > 0 ? round2(gp / gl) : Infinity, r: rs.reduce((a, b) => a + b, 0) / rs.length, dd: round2(dd) };
    };
    const read = (line: string) => {
      const m = /: ([+-]?[\d,.]+) USD over (\d+) trade\(s\), win rate ([\d.]+) %; profit factor ([\d.]+|no losing trade); average R ([+-]?[\d.]+) \((\d+) of (\d+) with a recorded stop\); max drawdown ([\d.]+) %$/.exec(line);
      if (!m) throw new Error(`not a performance line: ${line}`);
      return { n: Number(m[2]), net: money(m[1]), win: Number(m[3]), pf: m[4] === 'no losing trade' ? Infinity : Number(m[4]), r: Number(m[5]), withStop: Number(m[6]), dd: Number(m[8]) };
    };
    const check = (line: string, ts: TradeRecord[]) => {
      const got = read(line);
      const want = expected(ts);
      expect({ n: got.n, net: got.net, win: got.win, pf: got.pf, dd: got.dd }, line).toEqual({ n: want.n, net: want.net, win: want.win, pf: want.pf, dd: want.dd });
      expect(got.withStop).toBe(want.n); // every demo entry has a stop (stopAtr 2, or the risk model's)
      // The entry stop is the decision's distance rounded to the price's digits: R agrees to a few hundredths.
      expect(Math.abs(got.r - want.r), line).toBeLessThan(0.03);
    };
    const perf = await lines('/performance');
    expect(perf.map((l) => l.split(':')[0])).toEqual([...s.agents.map((a) => a.id), 'all agents', 'closed trades since the start; R = net P&L / the entry\'s stop distance x units; drawdown of the starting 10,000.00 USD plus the closed P&L, in exit order'.split(':')[0]]);
    for (const a of s.agents) check(perf.find((l) => l.startsWith(`${a.id}:`))!, trades.filter((t) => t.agentId === a.id));
    check(perf.find((l) => l.startsWith('all agents:'))!, trades);

    const configs = await held.store.agents.list();
    const strat = await lines('/strategy-performance');
    for (const rec of configs) {
      const c = rec.config;
      const label = c.alpha.kind === 'rule' ? `rule ${c.alpha.strategy}` : `model ${c.alpha.modelId}`;
      const line = strat.find((l) => l.startsWith(`${label} (${c.id}): `));
      expect(line, label).toBeDefined();
      check(line!, trades.filter((t) => t.agentId === c.id));
    }
  });

  it('/signals: the latest decisions that traded or were refused, newest first, with their fills and model numbers', async () => {
    const decisions = ofType(all, 'decision').filter((e) => ['enter', 'exit', 'reverse'].includes(e.payload.action) || (e.payload.action === 'skip' && (e.payload.direction === 1 || e.payload.direction === -1)));
    const fills = new Map(ofType(all, 'order.filled').map((e) => [e.payload.clientOrderId, e.payload.price]));
    for (const n of [5, 30]) {
      const out = await lines(n === 5 ? '/signals' : `/signals ${n}`);
      const want = decisions.slice(-n).reverse();
      expect(out[0]).toBe(`latest ${want.length} signal(s), newest first:`);
      expect(out).toHaveLength(want.length + 1);
      want.forEach((d, i) => {
        const line = out[i + 1];
        const dir = d.payload.direction === 1 ? 'long' : d.payload.direction === -1 ? 'short' : d.payload.direction === 0 ? 'flat' : 'no opinion';
        expect(line.startsWith(`${utcText(d.time)} ${d.agentId} ${d.payload.symbol} ${dir}: `), line).toBe(true);
        const fill = d.payload.clientOrderId ? fills.get(d.payload.clientOrderId) : undefined;
        if (d.payload.action === 'enter' || d.payload.action === 'reverse') expect(line).toContain(fill !== undefined ? `filled @ ${fill.toFixed(5)}` : 'not filled yet');
        if (d.payload.action === 'skip') expect(line).toMatch(d.payload.risk?.some((r) => r.verdict === 'refuse') ? /: REFUSED by / : /: not traded: /);
        const a = d.payload.models?.alpha;
        if (a) expect(line).toContain(`confidence ${a.confidence.toFixed(2)} (short ${a.probabilities.short!.toFixed(2)}, flat ${a.probabilities.flat!.toFixed(2)}, long ${a.probabilities.long!.toFixed(2)})`);
        const g = d.payload.models?.guard;
        if (g) expect(line).toContain(`allow ${g.allow.toFixed(3)} against threshold ${g.threshold}: ${g.allow < g.threshold ? 'BLOCKED' : 'passed'}`);
      });
    }
    // The chain's entry is among the signals, with its numbers (checked above whenever it is among the latest 30).
    expect(decisions.some((d) => d.agentId === 'demo-chain' && d.payload.action === 'enter' && d.payload.models?.alpha && d.payload.models.guard)).toBe(true);
  });

  it('/why: the recorded decision behind a trade, by id or by symbol; says when nothing is recorded', async () => {
    const opened = ofType(all, 'position.opened');
    const chainTrade = opened.filter((e) => e.agentId === 'demo-chain').at(-1)!;
    const decision = ofType(all, 'decision').find((e) => e.payload.clientOrderId === chainTrade.payload.positionId)!;
    expect(decision).toBeDefined();
    const out = await lines(`/why ${chainTrade.payload.positionId}`);
    expect(out[0]).toContain(`(trade ${chainTrade.payload.positionId}): entered ${utcText(chainTrade.payload.entryTime!)} @ ${chainTrade.payload.entryPrice.toFixed(5)}`);
    expect(out[1]).toBe(`decision ${utcText(decision.time)} by demo-chain on EURUSD (bar of ${utcText(decision.payload.barTime)}): ${decision.payload.action}, ${decision.payload.direction === 1 ? 'long' : 'short'} — ${decision.payload.reason}`);
    const m = decision.payload.models!;
    const p = m.alpha!.probabilities;
    expect(out[2]).toBe(`alpha ${m.alpha!.model}: ${m.alpha!.direction === 1 ? 'long' : 'short'}, confidence ${m.alpha!.confidence.toFixed(2)} (short ${p.short!.toFixed(2)}, flat ${p.flat!.toFixed(2)}, long ${p.long!.toFixed(2)})`);
    expect(out[3]).toMatch(new RegExp(`^risk ${m.risk!.model.replace(/[.@]/g, '\\$&')}: stop ${m.risk!.used.slMult.toFixed(2)} x ATR, target ${m.risk!.used.tpMult.toFixed(2)} x ATR, size ${m.risk!.used.size.toFixed(2)}`));
    expect(out[4]).toBe(`guard ${m.guard!.model}: allow ${m.guard!.allow.toFixed(3)} against threshold ${m.guard!.threshold}: passed`);
    expect(out).toContain(decision.payload.risk?.length ? expect.stringMatching(/^risk rule /) : 'risk rules: none resized or refused it');
    // The stop the broker placed is the decision's distance from the fill: the link trade -> decision is the right one.
    expect(Math.abs(chainTrade.payload.entryPrice - chainTrade.payload.side * decision.payload.stopDistance! - chainTrade.payload.stopLoss!)).toBeLessThan(1e-5);

    // By symbol: the latest entry in it, whichever agent made it.
    const latest = [...opened].filter((e) => e.payload.symbol === 'EURUSD').sort((a, b) => a.payload.entryTime! - b.payload.entryTime!).at(-1)!;
    expect((await lines('/why eurusd'))[0]).toContain(`(trade ${latest.payload.positionId})`);
    const sma = opened.find((e) => e.agentId === 'demo-sma')!;
    const smaWhy = await lines(`/why ${sma.payload.positionId}`);
    expect(smaWhy).toContain('models: none recorded (a rule strategy decided, or the agent runs no model)');
    expect(smaWhy.at(-1)).toMatch(/^inputs: close [\d.]+, sma_10 /);
    expect(await lines('/why demo-sma:EURUSD:1:E')).toEqual(['no trade or open position has the id "demo-sma:EURUSD:1:E"']);
    expect(await lines('/why GOOG')).toEqual(['nothing is recorded for GOOG: no trade, no open position and no signal in it']);
  });

  it('/ml-status: last inference, alpha readings, guard blocks, no faults, counted from the decisions', async () => {
    const chain = ofType(all, 'decision').filter((e) => e.agentId === 'demo-chain' && e.payload.models?.alpha);
    const guarded = chain.filter((e) => e.payload.models!.guard);
    // Blocked by the guard: skipped with its score under the threshold (a low-confidence hold is scored too, but the alpha held it).
    const blocked = guarded.filter((e) => e.payload.action === 'skip' && e.payload.models!.guard!.allow < e.payload.models!.guard!.threshold);
    expect(guarded.some((e) => e.payload.action === 'hold' && e.payload.models!.guard!.allow < e.payload.models!.guard!.threshold)).toBe(true);
    const out = await lines('/ml-status');
    const mean = chain.reduce((n, e) => n + e.payload.models!.alpha!.confidence, 0) / chain.length;
    const count = (d: number) => chain.filter((e) => e.payload.models!.alpha!.direction === d).length;
    const last = blocked.at(-1);
    expect(out.slice(1, 5)).toEqual([
      `  last inference ${utcText(chain.at(-1)!.time)} on EURUSD; ${chain.length} decision(s) with model numbers`,
      `  alpha: ${chain.length} reading(s) — long ${count(1)}, short ${count(-1)}, flat ${count(0)}; mean confidence ${mean.toFixed(2)}`,
      `  guard: blocked ${blocked.length} of the ${guarded.length} proposal(s) it scored${last ? `; latest ${utcText(last.time)} EURUSD, allow ${last.payload.models!.guard!.allow.toFixed(3)} < ${last.payload.models!.guard!.threshold}` : ''}`,
      '  model faults: none recorded',
    ]);
  });

  /** The last close the host has seen of EURUSD: the H1 bar that closed at or before the engine clock, from the stored bars. */
  async function lastClose(): Promise<number> {
    const bars = (await held.store.bars.get('EURUSD', 'H1'))!;
    let i = bars.time.length - 1;
    while (bars.time[i] + 3_600_000 > s.clockTime) i--;
    return bars.close[i];
  }

  it('/exposure and /stress-test: each position’s risk to its stop from the last close, and equity at 1x, 2x, 3x', async () => {
    const mark = await lastClose();
    const open = await held.store.positions.open();
    expect(open.length).toBeGreaterThan(0);
    const risk = (p: (typeof open)[number]) => (p.stopLoss === null ? p.volumeUnits * mark : Math.max(0, p.side * (mark - p.stopLoss)) * p.volumeUnits);
    const ex = await lines('/exposure');
    expect(ex).toContain(`${open.length} position(s), risk if its stop is hit from the last close:`);
    for (const p of open) {
      const line = ex.find((l) => l.startsWith(`  ${p.symbol} ${p.side === 1 ? 'long' : 'short'} ${p.volumeUnits.toLocaleString('en-US')} units (${p.agentId})`))!;
      expect(money(line.split(': ')[1].split(' (')[0])).toBeCloseTo(risk(p), 2);
    }
    const total = open.filter((p) => p.stopLoss !== null).reduce((n, p) => n + risk(p), 0);
    const st = await lines('/stress-test');
    expect(st[0]).toBe(`equity now ${s.account.equity.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} USD; ${open.length} position(s); the stop distance is measured from each position's last close`);
    ['every stop hit', '2x the stop distance', '3x the stop distance'].forEach((label, k) => {
      const line = st.find((l) => l.startsWith(`${label}: `))!;
      expect(money(line.split(': ')[1].split(' (')[0]), label).toBeCloseTo(s.account.equity - (k + 1) * total, 1);
    });
    expect(st.some((l) => l.startsWith('UNBOUNDED'))).toBe(open.some((p) => p.stopLoss === null));
  });

  /** One of the two lists checked against P&L recomputed from the stored bars; `nonEmpty`: the held moment was chosen for it. */
  async function checkAdvice(cmd: '/take-profits' | '/cut-losses', nonEmpty: boolean): Promise<void> {
    const mark = await lastClose();
    const open = await held.store.positions.open();
    const pnl = (p: (typeof open)[number]) => p.side * (mark - p.entryPrice) * p.volumeUnits;
    // The same marks as the host's open P&L per agent.
    for (const a of s.agents) expect(open.filter((p) => p.agentId === a.id).reduce((n, p) => n + pnl(p), 0)).toBeCloseTo(a.openPnl, 6);
    const want = open.filter((p) => (cmd === '/take-profits' ? pnl(p) > 0 : pnl(p) < 0));
    if (nonEmpty) expect(want.length, cmd).toBeGreaterThan(0);
    const out = await lines(cmd);
    if (want.length === 0) {
      expect(out).toEqual([`no open position is ${cmd === '/take-profits' ? 'in profit' : 'at a loss'} (${open.length} open: /positions)`]);
      return;
    }
    expect(out[0]).toMatch(new RegExp(`^${want.length} of ${open.length} open position\\(s\\) (in profit|at a loss), `));
    expect(money(out[0].split(', ')[1].split(' in all')[0])).toBeCloseTo(want.reduce((n, p) => n + pnl(p), 0), 2);
    for (const p of want) {
      const line = out.find((l) => l.includes(`— ${p.agentId}; close: #${p.symbol} close`))!;
      expect(line, `${cmd} ${p.agentId}`).toBeDefined();
      expect(money(line.split(': ')[1].split(' —')[0])).toBeCloseTo(pnl(p), 2);
      expect(line).toContain(`now ${mark.toFixed(5)}`);
    }
    expect(out.at(-1)).toBe(cmd === '/take-profits' ? 'close all of them: #take-profits' : 'close everything, winners too: #close-all');
  }

  it('/take-profits and /cut-losses: the positions in profit and at a loss at the last close, with the command to type', async () => {
    s = await held.runUntil((st) => st.agents.some((a) => a.openPnl > 0));
    await checkAdvice('/take-profits', true);
    await checkAdvice('/cut-losses', false);
    s = await held.runUntil((st) => st.agents.some((a) => a.openPnl < 0));
    await checkAdvice('/cut-losses', true);
    await checkAdvice('/take-profits', false);
    // In a chat the action reads as the chat types it.
    expect(tg.text('close: #EURUSD close')).toBe('close: /close EURUSD');
  });

  it('/circuit-breaker: each breaker against its limit now', async () => {
    const r = s.risk!;
    const out = await lines('/circuit-breaker');
    expect(out[0]).toBe('trading: account active');
    const loss = ((r.dayStartEquity - s.account.equity) / r.dayStartEquity) * 100;
    const daily = out.find((l) => l.startsWith('daily loss: '))!;
    expect(daily).toContain(`limit 3.00 % of ${r.dayStartEquity.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} USD`);
    expect(Number(/; ([\d.]+) % to go$/.exec(daily)![1])).toBeCloseTo(3 - loss, 2);
    expect(out).toContain(`drawdown: limit 15.00 % from peak equity (then halted, resumed by hand); now ${(s.account.drawdown * 100).toFixed(2)} %; ${(15 - s.account.drawdown * 100).toFixed(2)} % to go`);
    expect(out).toContain('losses in a row: off');
    const open = (await held.store.positions.open()).length + s.pendingOrders.filter((o) => o.purpose === 'open').length;
    expect(out).toContain(`open positions: limit 5; ${open} open or on their way; ${5 - open} more allowed`);
  });

  it('/explain: a destructive command says what it would touch now, the same question the command asks, and nothing runs', async () => {
    const asked = await run('#close-all');
    if (asked.kind !== 'confirm') throw new Error('#close-all did not ask');
    const before = (await held.store.positions.open()).length;
    const stops = (await held.store.positions.open()).map((p) => p.stopLoss);
    for (const typed of ['/explain #close-all', '/explain close-all', '/explain closeall']) {
      const out = await lines(typed);
      expect(out[0]).toBe(`#close-all — ${registry.find('#close-all')!.summary}`);
      expect(out).toContain('category: Positions and orders; an action: it changes the workspace through the engine');
      expect(out).toContain('in Telegram: /closeall');
      expect(out.at(-1)).toBe(`right now it would ask: ${asked.question}`);
    }
    const stop = await run('#stop demo-sma close');
    expect((await lines('/explain #stop demo-sma close')).at(-1)).toBe(`right now it would ask: ${(stop as { question: string }).question}`);
    expect(await lines('/explain #stop')).toContain('name its arguments to see what it would touch now, e.g. /explain #stop <agent> close|keep');
    expect((await lines('/explain #stop demo-sma maybe')).at(-1)).toMatch(/^as typed it would be refused: #stop demo-sma: "maybe" is not close or keep/);
    // The chat's name for a symbol close is translated as the bot does.
    const close = await run('#EURUSD close');
    expect((await lines('/explain close EURUSD')).at(-1)).toBe(`right now it would ask: ${(close as { question: string }).question}`);
    expect(await lines('/explain /trades')).toEqual([
      `/trades [count] [agent] — ${registry.find('/trades')!.summary}`,
      'arguments: it may take count; may take agent',
      'category: Performance; a query: it reads the record and changes nothing',
      'in Telegram: /trades [count] [agent]',
      'it runs at once, without a confirmation',
    ]);
    expect(await lines('/explain pause')).toContain('arguments: it needs one of agent, all');
    // A command that asks for some arguments only: as the registry decides for the same input.
    const lift = await run('#EURUSD stop none');
    expect(lift.kind).toBe('confirm');
    expect((await lines('/explain #EURUSD stop none')).slice(-2)).toEqual(['it asks for confirmation first (Confirm / Cancel, valid 60 s in a chat), saying what it will touch', `right now it would ask: ${(lift as { question: string }).question}`]);
    expect((await lines('/explain #EURUSD stop 1.1')).at(-1)).toBe('with these arguments it runs at once, without a confirmation');
    expect((await lines('/explain setstop EURUSD none')).at(-1)).toBe(`right now it would ask: ${(lift as { question: string }).question}`);
    expect((await held.store.positions.open()).length).toBe(before);
    expect((await held.store.positions.open()).map((p) => p.stopLoss)).toEqual(stops);
    expect((await held.host.status()).agents.find((a) => a.id === 'demo-sma')!.state).toBe('running');
  });

  it('/risk-limits and the losses-in-a-row breaker: every limit on or off, an agent’s overrides, streaks counted from its trades', async () => {
    const cfg = { ...DEFAULT_RISK_CONFIG, limits: { ...NO_LIMITS, maxDailyLossPct: 5, maxConsecutiveLosses: 6, cooldown: { bars: 3 } } };
    expect(await held.host.command({ kind: 'risk.configure', config: cfg })).toMatchObject({ ok: true });
    expect(await held.host.command({ kind: 'agent.create', config: { ...DEMO_AGENT, id: 'demo-own', name: 'own limits', risk: { maxConsecutiveLosses: 2, maxDailyLossPct: null } } })).toMatchObject({ ok: true });
    s = await held.runUntil(() => true);
    const out = await lines('/risk-limits');
    expect(out.slice(0, 4)).toEqual(['account limits (trading day in UTC):', "  daily loss: daily loss 5.00 % of the day's starting equity, then halted", '  drawdown: off', '  losses in a row: 6 losses in a row, then reducing']);
    expect(out).toContain('  cooldown: cooldown: 3 bars after a close');
    // 15 limits, 3 on: 12 off in the account's list (demo-own's 'daily loss: off' comes after it).
    expect(out.slice(0, out.indexOf('demo-chain: the account\'s limits')).filter((l) => l.endsWith(': off'))).toHaveLength(12);
    expect(out).toContain('demo-sma: the account\'s limits');
    const own = out.indexOf('demo-own overrides:');
    expect(out.slice(own, own + 3)).toEqual(['demo-own overrides:', '  daily loss: off', '  losses in a row: 2 losses in a row, then reducing']);

    const streak = (id: string) => {
      const ts = trades.filter((t) => t.agentId === id);
      let n = 0;
      for (let i = ts.length - 1; i >= 0 && ts[i].netPnl < 0; i--) n++;
      return n;
    };
    trades = await held.store.trades.list();
    const breakers = await lines('/circuit-breaker');
    const line = breakers.find((l) => l.startsWith('losses in a row: '))!;
    for (const [id, max] of [['demo-sma', 6], ['demo-chain', 6], ['demo-own', 2]] as const) expect(line).toContain(`${id} ${streak(id)} of ${max}`);
    expect(breakers).toContain('  demo-own has its own daily loss limit: off (judged on its own P&L; see /risk-limits)');
  });
});

describe('/correlation', () => {
  it('on the demo workspace: one symbol, no pair', async () => {
    const out = await lines('/correlation');
    expect(out).toContain('  only EURUSD is watched on H1: no pair to correlate');
    expect(out.at(-1)).toBe('the correlation rule is off');
  });

  it('with several symbols: each pair once, the missing number said, and the pairs at the rule’s limit', async () => {
    const s = await held.host.status();
    const risk = { ...s.risk!, config: { ...s.risk!.config, limits: { ...s.risk!.config.limits, correlation: { max: 0.8, lookbackBars: 4 } } }, correlation: [{ timeframe: 'H1' as const, lookbackBars: 4, symbols: ['AUDUSD', 'EURUSD', 'GBPUSD'], matrix: [[1, null, -0.85], [null, 1, 0.31], [-0.85, 0.31, 1]] }] };
    const two: CommandContext = { ...ctx, host: { ...held.host, status: async (): Promise<HostStatus> => ({ ...s, risk }) } as CommandContext['host'] };
    const o = await run('/correlation', two);
    if (o.kind !== 'done' || !o.ok) throw new Error(JSON.stringify(o));
    expect(o.lines).toEqual([
      'H1, returns of the last 4 bars:',
      '  AUDUSD/EURUSD: no number yet (fewer than 5 closes, or a series that did not move)',
      '  AUDUSD/GBPUSD: -0.85',
      '  EURUSD/GBPUSD: 0.31',
      'the correlation rule refuses a same-direction entry above 0.8 (over 4 bars); at or beyond it now: AUDUSD/GBPUSD -0.85 (H1)',
    ]);
  });
});
