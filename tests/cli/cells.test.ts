import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.ts';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import { createCell, seedBuiltinCells } from '../../workers/cells/cells.ts';
import { SMA_CROSS } from '../../workers/lab/builtin-cells.ts';
import { bundled } from '../helpers/bundled.ts';

const dir = mkdtempSync(join(tmpdir(), 'tradeguard-cells-cli-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradeguard cells check', () => {
  it('a good program: ok, exit 0', async () => {
    const r = await runCli('cells', 'check', file('ok.tg', 'long when crosses_above(ema(close, 9), ema(close, 21)) and rsi(14) < 70\nshort when crosses_below(ema(close, 9), ema(close, 21))\nexit when bars_in_trade > 48\nstop 2 * atr(14)\n'));
    expect(r).toEqual({ code: 0, out: `${join(dir, 'ok.tg')}: ok`, err: '' });
  });

  it('errors at their line and column with a hint, the line and a caret; exit 2', async () => {
    const p = file('bad.tg', 'long when rsi(14) < 30\nshort when rsii(14) > 70 and sma(close) > 1\n');
    const r = await runCli('cells', 'check', p);
    expect(r.code).toBe(2);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 2, column 12: error: .*rsii.* \\(.*rsi.*\\)$`));
    expect(lines[1]).toBe('    short when rsii(14) > 70 and sma(close) > 1');
    expect(lines[2]).toBe(`    ${' '.repeat(11)}^^^^^^^^`); // under rsii(14)
    expect(r.out).toMatch(/line 2, column 34: error: the argument n of sma must be a constant number/);
    expect(lines.at(-1)).toBe(`${p}: 2 errors, 0 warnings`);
  });

  it('warnings alone pass (exit 0) and are shown; --json gives the diagnostics', async () => {
    const p = file('warn.tg', 'long when (close - open) / (high - low) > 0.5\nshort when close < open\n');
    const r = await runCli('cells', 'check', p);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/line 1, column 28: warning: \(high - low\) can be 0, and a division by 0/);
    expect(r.out.split('\n').at(-1)).toBe(`${p}: ok (1 warning)`);
    const j = await runCli('cells', 'check', p, '--json');
    expect(JSON.parse(j.out)).toMatchObject({ ok: true, errors: [], warnings: [{ line: 1 }] });
    const bad = await runCli('cells', 'check', join(dir, 'bad.tg'), '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.out).errors[0]).toMatchObject({ line: 2, column: 12 });
  });

  it('refuses in words: no file, a folder, no argument, an unknown subcommand', async () => {
    expect(await runCli('cells', 'check', join(dir, 'missing.tg'))).toEqual({ code: 2, out: '', err: `tradeguard cells: no file ${join(dir, 'missing.tg')}` });
    expect((await runCli('cells', 'check', dir)).err).toBe(`tradeguard cells: ${dir} is a folder, not a program file`);
    expect((await runCli('cells', 'check')).err).toBe('tradeguard cells: check takes one program file (got none)');
    const r = await runCli('cells', 'grow');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown subcommand "grow"/);
  });
});

describe('tradeguard backtest --cell', () => {
  it('runs the program as the strategy: the sma-cross cell equals --strategy sma-cross, figure for figure', async () => {
    const cell = await runCli('backtest', '--cell', file('sma.tg', SMA_CROSS), '--size', '10000', '--json');
    const ts = await runCli('backtest', '--strategy', 'sma-cross', '--size', '10000', '--json');
    expect(cell.code).toBe(0);
    const [a, b] = [JSON.parse(cell.out), JSON.parse(ts.out)];
    expect(a.agent).toBe('lab:file:sma.tg');
    expect(a.metrics.trades).toBeGreaterThan(50);
    expect(a.metrics).toEqual(b.metrics);
  });

  it("every other option applies, and the cell's own stop replaces --sl-atr", async () => {
    const p = file('stop.tg', `${SMA_CROSS}stop 0.004\n`);
    const r = await runCli('backtest', '--cell', p, '--risk', '2', '--sl-atr', '3', '--from', '2017-06-01', '--to', '2017-12-31', '--decisions', join(dir, 'd.csv'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sizing).toEqual({ kind: 'risk', riskPct: 2 });
    expect(j.metrics.startTime).toBeGreaterThanOrEqual(Date.UTC(2017, 5, 1));
    const { readFileSync } = await import('node:fs');
    const entries = readFileSync(join(dir, 'd.csv'), 'utf8').split('\n').filter((l) => /entered|reversed/.test(l));
    expect(entries.length).toBeGreaterThan(5);
    expect(entries.every((l) => l.includes('stop 0.004 from the strategy'))).toBe(true);
  });

  it('a program that does not compile: every error with line and column, exit 2, nothing run', async () => {
    const p = file('broken.tg', 'long when crosses_above(ema(close, 9), ema(close, 21)\n');
    const r = await runCli('backtest', '--cell', p);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`tradeguard backtest: ${p} does not compile (1 error):\n${p}: line 1, column 24: error: the parenthesis of crosses_above( is never closed`);
  });

  it('refuses options that belong to sma-cross, and --strategy beside --cell', async () => {
    const p = join(dir, 'sma.tg');
    expect((await runCli('backtest', '--cell', p, '--fast', '5')).err).toBe(`tradeguard backtest: --cell runs the program as written; --fast is for --strategy sma-cross (change the numbers in ${p})`);
    expect((await runCli('backtest', '--cell', p, '--strategy', 'sma-cross')).err).toBe('tradeguard backtest: give either --cell FILE or --strategy NAME, not both');
    expect((await runCli('backtest', '--cell', join(dir, 'nope.tg'))).err).toBe(`tradeguard backtest: no file ${join(dir, 'nope.tg')}`);
  });
});

describe('tradeguard cells list', () => {
  it("lists the relay record's cells with lineage and status; an empty record and a missing one say so", async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    expect((await runCli('cells', 'list', '--data-dir', data)).err).toMatch(/no relay record in/);
    const store = openSqliteStore(join(data, 'tradeguard.sqlite'));
    expect((await runCli('cells', 'list', '--data-dir', data)).out).toMatch(/^no cells in /);
    await store.bars.put(bundled('EURUSD'));
    let t = Date.UTC(2026, 11, 4);
    const deps = { store, now: () => t++ };
    await seedBuiltinCells(deps);
    const made = await createCell(deps, { name: 'tight', source: `${SMA_CROSS}stop close - close\n`, author: { kind: 'tool', name: 'script' }, category: 'other', hypothesis: 'x', parentId: 'sma-cross', mutation: 'a zero stop' });
    store.close();
    if (!made.ok || !('cell' in made)) throw new Error('not created');
    const r = await runCli('cells', 'list', '--data-dir', data);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^id +gen +parent +author +category +trades +Sharpe +status$/);
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^sma-cross +0 +- +person: TradeGuard +momentum +\d+ +-?[\d.]+ +(🟢 alive|💀 dead — .+)$/);
    expect(lines[5]).toMatch(new RegExp(`^${made.cell.id} +1 +sma-cross +tool: script +other +0 .*💀 dead — run-time error at bar \\d+: the strategy's stop distance is 0`));
    const j = JSON.parse((await runCli('cells', 'list', '--data-dir', data, '--json')).out);
    expect(j.map((c: any) => c.id)).toEqual(['sma-cross', 'mean-reversion', 'breakout', 'regime-switch', made.cell.id]);
  });
});
