/**
 * The risk commands of the shared registry (/risk, /locks, #halt, #reduce,
 * #resume-trading, #unlock, #stop <agent> close|keep) against the REAL
 * WorkspaceHost on the demo workspace: what the palette and the Telegram bot
 * run. Every answer is checked against the host's own state, not a copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandRegistry, type CommandContext, type CommandOutcome } from '../../workers/commands/index.ts';
import { openHeldHost, type HeldHost } from './held-host.ts';
import { DEFAULT_RISK_CONFIG, NO_LIMITS } from '../../workers/risk/limits.ts';
import { utcMinute } from '../../workers/util/utc-text.ts';

const registry = createCommandRegistry();
let held: HeldHost;
let ctx: CommandContext;

beforeAll(async () => {
  held = await openHeldHost();
  ctx = { host: held.host, store: held.store, surface: 'telegram', source: 'test' };
});
afterAll(async () => {
  await held?.stop();
});

const run = (input: string, confirmed = false) => registry.execute(ctx, input, { confirmed });
function done(o: CommandOutcome): { ok: boolean; lines: string[] } {
  if (o.kind !== 'done') throw new Error(`expected an answer, got a confirmation: ${o.question}`);
  return o;
}
function question(o: CommandOutcome): string {
  if (o.kind !== 'confirm') throw new Error(`expected a confirmation, got: ${o.lines.join(' / ')}`);
  return o.question;
}
const risk = async () => (await held.host.status()).risk!;
const configure = async (limits: Partial<typeof NO_LIMITS>) => {
  const r = await held.host.command({ kind: 'risk.configure', config: { ...DEFAULT_RISK_CONFIG, limits: { ...NO_LIMITS, ...limits } } });
  expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
};

describe('risk commands: arguments checked before anything runs', () => {
  it('names what is wrong with each bad input', async () => {
    expect(done(await run('/risk now')).lines[0]).toBe('/risk takes no arguments (got "now")');
    expect(done(await run('/locks all')).lines[0]).toBe('/locks takes no arguments (got "all")');
    expect(done(await run('#halt demo-sma demo-chain')).lines[0]).toBe('#halt takes at most one agent id (got "demo-sma demo-chain"); with none it acts on the whole account');
    expect(done(await run('#unlock')).lines[0]).toMatch(/^#unlock needs exactly one symbol or agent id, e.g. #unlock EURUSD \(got none\)/);
    expect(done(await run('#stop')).lines[0]).toMatch(/^#stop needs an agent id and what to do with its positions/);
    // No silent default for the positions of a stopped agent: the two choices, spelled out.
    expect(done(await run('#stop demo-sma')).lines[0]).toBe('#stop demo-sma: say what happens to its open positions — "#stop demo-sma close" closes its positions at market, "#stop demo-sma keep" leaves them open with their stop and target at the broker');
    expect(done(await run('#stop demo-sma maybe')).lines[0]).toMatch(/^#stop demo-sma: "maybe" is not close or keep — /);
    expect(done(await run('#stop demo-sma close now')).lines[0]).toMatch(/"close now" is not close or keep/);
  });

  it('flags the commands that lift a protection as needing confirmation', () => {
    const d = (name: string) => registry.list().find((x) => x.name === name)!;
    expect([d('#halt'), d('#reduce'), d('/risk'), d('/locks')].map((x) => x.destructive)).toEqual([false, false, false, false]);
    expect([d('#unlock'), d('#resume-trading'), d('#stop')].map((x) => x.destructive)).toEqual([true, true, true]);
  });

  it('suggests agent ids, locked targets and the stop choices', () => {
    const hints = { agents: ['demo-sma', 'demo-chain'], symbols: ['EURUSD'], locked: ['EURUSD'] };
    expect(registry.suggest('#ha', hints).map((s) => s.text)).toEqual(['#halt', '#halt demo-sma', '#halt demo-chain']);
    expect(registry.suggest('#resume-t', hints).map((s) => s.text)).toEqual(['#resume-trading', '#resume-trading demo-sma', '#resume-trading demo-chain']);
    expect(registry.suggest('#unl', hints).map((s) => s.text)).toEqual(['#unlock EURUSD']);
    expect(registry.suggest('#unl', { agents: ['demo-sma'] }).map((s) => s.text)).toEqual(['#unlock']);
    expect(registry.suggest('#stop demo-s', hints).map((s) => s.text)).toEqual(['#stop demo-sma close', '#stop demo-sma keep']);
  });
});

describe('risk commands on the demo workspace', () => {
  it('/risk shows the states, the limits in force and no refusals at the start; /locks shows none', async () => {
    await held.runUntil((s) => s.feed.state === 'running' && s.agents.length === 2);
    const r = await risk();
    const lines = done(await run('/risk')).lines;
    expect(lines[0]).toBe('account: active');
    expect(lines.slice(1, 3)).toEqual(['  demo-sma: active', '  demo-chain: active']);
    // The demo starts with DEFAULT_RISK_CONFIG: each limit that is on is named with its number.
    expect(r.config.limits.maxDailyLossPct).toBe(3);
    expect(lines).toContain("limits: daily loss 3.00 % of the day's starting equity, then halted; drawdown 15.00 % from peak equity, then halted; at most 5 open positions in the account; margin per group at most 40.00 % of equity; breakers resume at the next trading day");
    expect(lines.at(-1)).toBe('refusals so far: none');
    expect(lines).toContain('locks: none');
    expect(done(await run('/locks')).lines).toEqual(['no active locks']);
    expect(done(await run('#unlock EURUSD')).lines[0]).toBe('nothing is locked on "EURUSD" (locked: nothing)');
  });

  it('#halt and #reduce change the trading state through the host; /risk says why, and what an agent trades under', async () => {
    expect(done(await run('#halt nobody')).lines[0]).toBe('no agent "nobody" — agents: demo-sma, demo-chain');
    expect(done(await run('#halt DEMO-SMA'))).toEqual({ kind: 'done', ok: true, lines: ['trading halted for agent demo-sma'] });
    let s = await held.host.status();
    expect(s.risk!.agents['demo-sma']).toMatchObject({ state: 'halted', by: 'user', resumeAt: null });
    expect(s.agents.find((a) => a.id === 'demo-sma')!.trading.state).toBe('halted');
    // Recorded with where it was typed (the context's source), as the palette and the bot name theirs.
    const recorded = (await held.store.events.since(0, 1e9)).filter((e) => e.type === 'command' && e.payload.command.kind === 'trading.state');
    const last = recorded.at(-1)!;
    expect(last.type === 'command' ? last.payload.source : null).toBe('test');
    // A repeat is refused with the host's reason.
    expect(done(await run('#halt demo-sma'))).toMatchObject({ ok: false, lines: ['agent demo-sma is already halted'] });

    expect(done(await run('#reduce'))).toMatchObject({ ok: true, lines: ['trading set to reducing (exits and stop moves only) for the account'] });
    s = await held.host.status();
    expect(s.risk!.account.state).toBe('reducing');
    const lines = done(await run('/risk')).lines;
    const since = utcMinute(s.risk!.account.since);
    expect(lines[0]).toBe(`account: reducing — set to reducing (exits and stop moves only) by hand (by user, since ${since} UTC; resumes by hand only)`);
    expect(lines[1]).toMatch(/^ {2}demo-sma: halted — halted by hand \(by user, since .* UTC; resumes by hand only\)$/);
    // demo-chain is active itself but trades under the account's stricter state.
    expect(lines[2]).toBe('  demo-chain: active; trades as reducing (the account\'s state)');
  });

  it('#resume-trading asks first, naming every state it lifts, then resumes the account and its agents', async () => {
    const ask = question(await run('#resume-trading'));
    expect(ask).toMatch(/^Resume trading for the account and every agent\? This lifts: the account reducing — .*; agent demo-sma halted — halted by hand/);
    expect((await risk()).account.state).toBe('reducing'); // asking changed nothing
    expect(done(await run('#resume-trading', true)).lines).toEqual(['trading resumed for the account and its agents']);
    const r = await risk();
    expect([r.account.state, r.agents['demo-sma'].state, r.agents['demo-chain'].state]).toEqual(['active', 'active', 'active']);
    expect(done(await run('#resume-trading')).lines[0]).toBe('the account and every agent are already active');
    expect(done(await run('#resume-trading demo-chain')).lines[0]).toBe('agent demo-chain is already active');
    // One agent: the question says the account's own state still applies.
    await run('#halt demo-chain');
    await run('#halt');
    expect(question(await run('#resume-trading demo-chain'))).toMatch(/^Resume trading for agent demo-chain\? This lifts: halted — halted by hand .*\. The account stays halted, so demo-chain still trades as halted\.$/);
    expect(done(await run('#resume-trading demo-chain', true)).lines).toEqual(['trading resumed for agent demo-chain']);
    expect(done(await run('#resume-trading', true)).ok).toBe(true);
    expect((await risk()).account.state).toBe('active');
  });

  it('#stop <agent> keep states the pending orders it cancels and the positions it leaves; the host agrees', async () => {
    // Step bar by bar until demo-sma has an entry at the broker with no fill yet.
    let pending: string[] = [];
    for (let i = 0; i < 2000 && pending.length === 0; i++) {
      await held.runUntil(() => true);
      pending = (await held.host.status()).pendingOrders.filter((o) => o.agentId === 'demo-sma' && o.purpose === 'open').map((o) => o.symbol);
    }
    expect(pending).toEqual(['EURUSD']);
    const open = await held.store.positions.open({ agentId: 'demo-sma' });
    const ask = question(await run('#stop demo-sma keep'));
    const held$ = open.length ? `leave ${open.length} open position(s) with their stop and target at the broker (EURUSD)` : 'no open position';
    expect(ask).toBe(`Stop agent demo-sma: cancel 1 pending order(s) (EURUSD); ${held$}? It takes no new decisions until started again.`);
    const r = done(await run('#stop demo-sma keep', true));
    expect(r.lines[0]).toMatch(/^agent demo-sma stopped: 1 pending order\(s\) cancelled, /);
    expect((await held.host.status()).pendingOrders.filter((o) => o.agentId === 'demo-sma')).toEqual([]);
    const recorded = (await held.store.events.since(0, 1e9)).filter((e) => e.type === 'command').at(-1)!.payload.command;
    expect(recorded).toEqual({ kind: 'agent.stop', agentId: 'demo-sma', closePositions: false });
    await held.runUntil(() => true);
    // The cancelled entry never fills: demo-sma holds what it held before the stop, and nothing more.
    expect((await held.store.positions.open({ agentId: 'demo-sma' })).map((p) => p.positionId)).toEqual(open.map((p) => p.positionId));
    expect((await held.host.status()).agents.find((a) => a.id === 'demo-sma')!.state).toBe('stopped');
    expect(done(await run('#stop demo-sma close')).lines[0]).toBe('agent demo-sma is already stopped');
    expect(done(await run('#resume demo-sma')).ok).toBe(true);
  });

  it('/risk states the open risk and the exposure by currency and group from the engine\'s exposure report', async () => {
    await held.runUntil((s) => s.agents.some((a) => a.openPositions > 0));
    const x = (await risk()).exposure;
    expect(x.openRiskPct).toBeGreaterThan(0);
    const two = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const lines = done(await run('/risk')).lines;
    expect(lines).toContain(`open risk: ${two(x.openRiskPct)} % of equity (${two(x.openRisk)} USD if every stop is hit)`);
    // A long EURUSD is long EUR and short USD: both legs, signed.
    expect(x.currencies.map((c) => c.currency).sort()).toEqual(['EUR', 'USD']);
    expect(lines.find((l) => l.startsWith('net exposure by currency: '))).toBe(`net exposure by currency: ${x.currencies.map((c) => `${c.currency} ${c.pct > 0 ? '+' : ''}${two(c.pct)} %`).join(', ')}`);
    expect(lines.find((l) => l.startsWith('margin by group: '))).toBe(`margin by group: fx ${two(x.groups[0].pct)} % (EURUSD) (limit 40.00 %)`);
  });

  it('/risk counts the refusals per rule as the engine does', async () => {
    await configure({ maxOpenPositions: 1 });
    await held.runUntil((s) => (s.risk?.refusals['max-open'] ?? 0) > 0);
    const r = await risk();
    const lines = done(await run('/risk')).lines;
    expect(lines).toContain('limits: at most 1 open positions in the account');
    const refused = Object.entries(r.refusals).filter(([, n]) => n > 0);
    expect(lines.at(-1)).toBe(`refusals so far: ${refused.map(([rule, n]) => `${rule} ${n}`).join(', ')}`);
  });

  it('/locks lists each lock with its rule, reason and expiry; #unlock asks, naming them, then removes them', async () => {
    // One losing stop-out locks its symbol for a long while: the stop-loss guard at its most sensitive.
    await configure({ stopLossGuard: { stops: 1, lookbackBars: 1000, lockBars: 100_000, scope: 'symbol' } });
    await held.runUntil((s) => (s.risk?.locks.length ?? 0) > 0);
    const [lock] = (await risk()).locks;
    expect(lock).toMatchObject({ scope: 'symbol', target: 'EURUSD', rule: 'stoploss-guard' });
    const list = done(await run('/locks')).lines;
    expect(list).toEqual(['1 active lock(s) (remove one with #unlock <symbol|agent>):', `EURUSD (symbol) locked by stoploss-guard until ${utcMinute(lock.until)} UTC — ${lock.reason}`]);
    expect(done(await run('/risk')).lines).toContain('locks: 1 active (/locks lists them)');

    expect(done(await run('#unlock GBPUSD')).lines[0]).toBe('nothing is locked on "GBPUSD" (locked: EURUSD)');
    const ask = question(await run('#unlock eurusd'));
    expect(ask).toBe(`Remove 1 lock(s) on EURUSD? ${list[1]}. Its protection ends now.`);
    expect((await risk()).locks).toHaveLength(1); // asking changed nothing
    expect(done(await run('#unlock eurusd', true)).lines).toEqual(['EURUSD unlocked (stoploss-guard)']);
    expect((await risk()).locks).toEqual([]);
    expect(done(await run('/locks')).lines).toEqual(['no active locks']);
    const unlocks = (await held.store.events.since(0, 1e9)).filter((e) => e.type === 'risk.unlock');
    expect(unlocks.map((e) => e.payload)).toEqual([{ lockId: lock.lockId, scope: 'symbol', target: 'EURUSD', by: 'user' }]);
  });

  it('#resume-trading after a drawdown halt is refused while the drawdown is still past its limit, naming it; raising the limit lets it resume', async () => {
    // Any fall from the peak trips a limit this small.
    await configure({ maxDrawdownPct: 0.01 });
    await held.runUntil((s) => s.risk?.account.code === 'max-drawdown');
    const before = await risk();
    expect(before.account).toMatchObject({ state: 'halted', code: 'max-drawdown', resumeAt: null });
    const refused = done(await run('#resume-trading', true));
    expect(refused.ok).toBe(false);
    expect(refused.lines[0]).toMatch(/^not resumed: equity is still \d+\.\d\d% below its peak, past the 0\.01% drawdown limit, so the breaker would halt again at the next bar\. Raise or switch off the limit \(Settings > Risk limits\) first$/);
    expect((await risk()).account.state).toBe('halted');
    await configure({ maxDrawdownPct: 99 });
    expect(done(await run('#resume-trading', true)).ok).toBe(true);
    expect((await risk()).account.state).toBe('active');
  });
});
