import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tradeguard-cli-'));
const root = fileURLToPath(new URL('../../', import.meta.url));

const run = runCli;

describe('tradeguard command line', () => {
  it('runs as an installed bin: `tradeguard backtest` on the bundled EURUSD prints the metrics', () => {
    const text = execFileSync(process.execPath, [join(root, 'bin/tradeguard.mjs'), 'backtest'], { encoding: 'utf8' });
    expect(text).toMatch(/Imported 5,000 EURUSD H1 bars/);
    for (const m of ['Total return', 'CAGR', 'Sharpe (annualised)', 'Sortino (annualised)', 'Max drawdown', 'Win rate', 'Profit factor', 'Expectancy', 'Exposure', 'Trades', 'Commissions']) expect(text).toContain(m);
  });

  it('backtest --json gives metrics that match the trade and equity files it writes', async () => {
    const trades = join(dir, 'trades.csv');
    const equity = join(dir, 'equity.csv');
    const r = await run('backtest', '--data', join(root, 'public/data/GOOG.csv'), '--fast', '10', '--slow', '20', '--size', '10', '--commission', '0.002', '--cash', '10000', '--leverage', '1', '--trades', trades, '--equity', equity, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.symbol).toBe('GOOG');
    const [head, ...rows] = readFileSync(trades, 'utf8').trim().split('\n').map((l) => l.split(','));
    const [netAt, commissionAt] = [head.indexOf('net_pnl'), head.indexOf('commission')];
    expect(rows.length).toBe(j.metrics.trades);
    const net = rows.reduce((a, c) => a + Number(c[netAt]), 0);
    const open = j.openPositions.length ? 1 : 0;
    const eq = readFileSync(equity, 'utf8').trim().split('\n');
    expect(eq.length - 1).toBe(j.metrics.bars);
    expect(Number(eq.at(-1)!.split(',')[1])).toBeCloseTo(j.metrics.finalEquity, 6);
    if (!open) expect(j.metrics.finalEquity).toBeCloseTo(10_000 + net, 2);
    expect(rows.every((c) => Number(c[commissionAt]) > 0)).toBe(true); // 0.2% commission on each fill
  });

  it('import refuses a corrupt CSV with line numbers and writes nothing; --skip-bad-rows imports the rest', async () => {
    const bad = join(dir, 'BAD.csv');
    const out = join(dir, 'clean.csv');
    writeFileSync(bad, ',Open,High,Low,Close,Volume\n2024-01-01 00:00:00,1,2,0.5,1.5,10\n2024-01-01 01:00:00,1,0.5,2,1.5,10\n2024-01-01 02:00:00,1,2,0.5,1.5,-3\n2024-01-01 03:00:00,1,2,0.5,1.5,10\n');
    const r = await run('import', '--data', bad, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 3/);
    expect(r.err).toMatch(/line 4/);
    expect(existsSync(out)).toBe(false);
    const ok = await run('import', '--data', bad, '--timeframe', 'H1', '--skip-bad-rows', '--out', out);
    expect(ok.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBe(3); // header + 2 good rows
  });

  it('indicators writes one named column per output, empty during warm-up', async () => {
    const out = join(dir, 'ind.csv');
    const r = await run('indicators', '--data', join(root, 'public/data/EURUSD.csv'), '--out', out, '--set', 'ema:9,rsi:14,macd:12:26:9,bb:20:2,stoch:14:3:3,adx:14');
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const head = lines[0].split(',');
    for (const c of ['ema_9', 'rsi_14', 'macd_12_26_9', 'macd_signal_12_26_9', 'bb_upper_20_2', 'stoch_k_14_3_3', 'adx_14', 'plus_di_14']) expect(head).toContain(c);
    expect(lines.length).toBe(5001);
    const ema = head.indexOf('ema_9');
    expect(lines[8].split(',')[ema]).toBe(''); // bar 7: warming up
    expect(Number(lines[9].split(',')[ema])).toBeGreaterThan(1); // bar 8: first EMA(9)
  });

  it('features writes the 60 risk-obs-v1 columns', async () => {
    const out = join(dir, 'obs.csv');
    const r = await run('features', '--spec', 'risk-obs-v1', '--data', join(root, 'public/data/EURUSD.csv'), '--out', out);
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0].split(',').length).toBe(61);
    expect(lines.at(-1)!.split(',').every((c) => c !== '')).toBe(true);
  });

  it('names what is wrong: unknown command, unknown spec, bad option, missing file', async () => {
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('features', '--spec', 'nope', '--out', join(dir, 'x.csv'))).err).toMatch(/unknown feature spec "nope" \(known: risk-obs-v1\)/);
    expect((await run('backtest', '--fast', 'ten')).err).toMatch(/--fast must be a number \(got "ten"\)/);
    expect((await run('backtest', '--fast', '30', '--slow', '20')).err).toMatch(/fast period \(30\) must be shorter than slow period \(20\)/);
    expect((await run('backtest', '--data', join(dir, 'none.csv'))).err).toMatch(/cannot read .*none\.csv: no such file/);
    expect((await run('indicators', '--out', join(dir, 'y.csv'), '--set', 'ema:0')).code).not.toBe(0);
  });
});
