import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';

/**
 * `tradeguard backtest` with risk limits, on the bundled real EURUSD hourly bars:
 * each breaker flag changes what the run does (or, for --max-open with one
 * agent on one symbol, provably does not), the refusals per rule and the
 * trading state changes are printed (text and --json), and a bad value is a
 * usage error naming its flag.
 */
const dir = mkdtempSync(join(tmpdir(), 'tradeguard-backtest-risk-'));

interface Report {
  metrics: { trades: number; refusals: Record<string, number>; finalEquity: number; maxDrawdownPct: number };
  risk: {
    config: { limits: Record<string, unknown>; timeZone: string };
    rules: Record<string, { refused: number; resized: number; codes: Record<string, number> }>;
    states: { time: string; scope: string; state: string; previous: string; code: string; reason: string; by: string; resumeAt: string | null }[];
  };
}

async function backtest(...flags: string[]): Promise<{ report: Report; entries: number[]; csv: string; reversals: number }> {
  const trades = join(dir, `trades-${flags.join('_').replace(/[^\w.-]/g, '')}.csv`);
  const r = await runCli('backtest', '--trades', trades, '--json', ...flags);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const csv = readFileSync(trades, 'utf8');
  const [head, ...rows] = csv.trim().split('\n').map((l) => l.split(','));
  const col = (name: string) => head.indexOf(name);
  const time = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);
  // A reversal: a trade closed on a signal and the next one entered the other way at that very time.
  const reversals = rows.filter((c, i) => c[col('reason')] === 'signal' && rows[i + 1]?.[col('entry_time')] === c[col('exit_time')] && rows[i + 1][col('side')] !== c[col('side')]).length;
  return { report: JSON.parse(r.out) as Report, entries: rows.map((c) => time(c[col('entry_time')])), csv, reversals };
}

let unlimited: ReturnType<typeof backtest> | undefined;
/** The run with every rule off, run once and shared. */
const none = () => (unlimited ??= backtest());

describe('tradeguard backtest with risk limits (bundled EURUSD H1)', () => {
  it('without limits every rule is off: no refusal, no state change', async () => {
    const { report } = await none();
    expect(report.metrics.refusals).toEqual({});
    expect(report.risk.rules).toEqual({});
    expect(report.risk.states).toEqual([]);
    expect(Object.values(report.risk.config.limits).filter((v) => typeof v === 'number' || (typeof v === 'object' && v !== null))).toEqual([]);
  });

  it('--max-open 1 is read and shown, and with one agent on one symbol refuses nothing: a reversal\'s own position does not count, so the run is the unlimited one', async () => {
    const base = await none();
    const capped = await backtest('--max-open', '1');
    expect(capped.report.risk.config.limits.maxOpenPositions).toBe(1);
    expect(base.reversals).toBeGreaterThan(10);
    expect(capped.reversals).toBe(base.reversals);
    expect(capped.report.metrics).toEqual(base.report.metrics);
    expect(capped.csv).toBe(base.csv);
    expect(capped.report.risk.rules).toEqual({});

    const text = await runCli('backtest', '--max-open', '1');
    expect(text.code).toBe(0);
    expect(text.out).toContain('Risk limits: maxOpenPositions 1;');
    expect(text.out).toContain('Refused entries: none');
  });

  it('a rule that refuses prints its refusals per rule (the count in metrics.refusals matches the decisions) and changes the trades', async () => {
    // The breaker flags stop entries through the trading state, not by refusing them: a refusing rule comes from a file.
    const base = await none();
    const file = join(dir, 'cooldown.json');
    writeFileSync(file, JSON.stringify({ limits: { cooldown: { bars: 24 } } }));
    const { report } = await backtest('--risk-config', file);
    const refused = report.metrics.refusals.cooldown;
    expect(refused).toBeGreaterThan(0);
    expect(report.risk.rules.cooldown).toEqual({ refused, resized: 0, codes: { cooldown: refused } });
    expect(report.metrics.trades).toBeLessThan(base.report.metrics.trades);

    const text = await runCli('backtest', '--risk-config', file);
    expect(text.code).toBe(0);
    expect(text.out).toContain('Risk limits: cooldown bars 24;');
    expect(text.out).toMatch(new RegExp(`^  cooldown +${refused} refused  \\(cooldown ${refused}\\)$`, 'm'));
  });

  it('--max-drawdown halts the account at the limit: the halt is printed with its time and reason, and nothing is entered after it', async () => {
    const base = await none();
    // The unlimited run falls further than this; the limited one must stop near it.
    expect(base.report.metrics.maxDrawdownPct).toBeGreaterThan(4);
    const { report, entries } = await backtest('--max-drawdown', '4');
    const halt = report.risk.states.find((s) => s.state === 'halted');
    expect(halt, 'a halt').toBeDefined();
    expect(halt!.by).toMatch(/^rule:/);
    expect(halt!.resumeAt).toBeNull();
    const haltedAt = Date.parse(halt!.time);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((t) => t <= haltedAt)).toBe(true);
    expect(report.metrics.trades).toBeLessThan(base.report.metrics.trades);

    const text = await runCli('backtest', '--max-drawdown', '4');
    expect(text.out).toContain('Trading state changes:');
    expect(text.out).toContain(`active -> halted by ${halt!.by} (${halt!.code})`);
  });

  it('--max-daily-loss halts for the rest of the day and resumes at the next day boundary (UTC)', async () => {
    const { report } = await backtest('--max-daily-loss', '0.5');
    const halts = report.risk.states.filter((s) => s.state === 'halted');
    expect(halts.length).toBeGreaterThan(0);
    for (const h of halts) {
      expect(h.by).toMatch(/^rule:/);
      // The next midnight UTC after the halt.
      const t = Date.parse(h.time);
      expect(Date.parse(h.resumeAt!)).toBe(Math.floor(t / 86_400_000) * 86_400_000 + 86_400_000);
    }
    const resumed = report.risk.states.filter((s) => s.state === 'active' && s.code === 'auto-resume');
    expect(resumed.length).toBeGreaterThan(0);
    expect(Date.parse(resumed[0].time)).toBeGreaterThanOrEqual(Date.parse(halts[0].resumeAt!));
  });

  it('--max-losses sets the agent to reducing after that many losses in a row, and the run trades less', async () => {
    const base = await none();
    const { report } = await backtest('--max-losses', '2');
    const change = report.risk.states.find((s) => s.state !== 'active');
    expect(change, 'a state change').toBeDefined();
    expect(change!.state).toBe('reducing');
    expect(change!.by).toMatch(/^rule:/);
    expect(report.metrics.trades).toBeLessThan(base.report.metrics.trades);
  });

  it('--risk-config reads a RiskConfig (limits left out are off) and the flags go on top of it', async () => {
    const file = join(dir, 'risk.json');
    writeFileSync(file, JSON.stringify({ limits: { maxOpenPositions: 3, maxDrawdownPct: 50, cooldown: { bars: 24 } }, timeZone: 'Europe/London' }));
    const { report } = await backtest('--risk-config', file, '--max-open', '1');
    expect(report.risk.config.timeZone).toBe('Europe/London');
    expect(report.risk.config.limits).toMatchObject({ maxOpenPositions: 1, maxDrawdownPct: 50, maxDailyLossPct: null, cooldown: { bars: 24 }, stopLossGuard: null });
    // The file's limits are applied, not only shown.
    expect(report.metrics.refusals.cooldown).toBeGreaterThan(0);
  });

  it('a bad value is a usage error (exit 2) naming its flag and the limit', async () => {
    const cases: [string[], RegExp][] = [
      [['--max-daily-loss', '150'], /^tradeguard backtest: --max-daily-loss: maxDailyLossPct must be a number above 0 and at most 100 \(got 150\)$/],
      [['--max-daily-loss', 'NaN'], /^tradeguard backtest: --max-daily-loss must be a number \(got "NaN"\)$/],
      [['--max-drawdown', '0'], /^tradeguard backtest: --max-drawdown: maxDrawdownPct must be a number above 0/],
      [['--max-drawdown=-5'], /^tradeguard backtest: --max-drawdown: maxDrawdownPct must be a number above 0/],
      [['--max-open', '1.5'], /^tradeguard backtest: --max-open: maxOpenPositions must be a whole number/],
      [['--max-losses', 'three'], /^tradeguard backtest: --max-losses must be a number \(got "three"\)$/],
      [['--max-losses', '0'], /^tradeguard backtest: --max-losses: maxConsecutiveLosses must be a whole number from 1/],
    ];
    for (const [flags, message] of cases) {
      const r = await runCli('backtest', ...flags);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.out).toBe('');
    }
    const bad = join(dir, 'bad-risk.json');
    writeFileSync(bad, JSON.stringify({ limits: { maxDailyLossPct: -1, cooldwn: { bars: 2 } }, timezone: 'UTC' }));
    const r = await runCli('backtest', '--risk-config', bad);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--risk-config ${bad}:`);
    expect(r.err).toContain('timezone is not a risk setting');
    expect(r.err).toContain('limits: cooldwn is not a risk limit');
    expect(r.err).toContain('limits: maxDailyLossPct must be a number above 0');
  });
});
