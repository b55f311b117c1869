import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

/** `tradeguard backtest --record trades`: the same report and trade file as the full record, and refusals in words. */
describe('backtest --record trades', () => {
  it('prints the same metrics and writes the same trades as --record all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-record-'));
    const all = await runCli('backtest', '--size', '10000', '--trades', join(dir, 'all.csv'), '--json', '--record', 'all');
    const plain = await runCli('backtest', '--size', '10000', '--trades', join(dir, 'plain.csv'), '--json');
    const lean = await runCli('backtest', '--size', '10000', '--trades', join(dir, 'lean.csv'), '--json', '--record', 'trades');
    expect(all.code).toBe(0);
    expect(lean.code).toBe(0);
    expect(JSON.parse(lean.out)).toEqual(JSON.parse(all.out));
    expect(JSON.parse(all.out).metrics.trades).toBeGreaterThan(10);
    expect(readFileSync(join(dir, 'lean.csv'), 'utf8')).toBe(readFileSync(join(dir, 'all.csv'), 'utf8'));
    // Without --record, nothing asked for reads decisions: the lean record, the same output.
    expect(JSON.parse(plain.out)).toEqual(JSON.parse(all.out));
    expect(readFileSync(join(dir, 'plain.csv'), 'utf8')).toBe(readFileSync(join(dir, 'all.csv'), 'utf8'));
  });

  it('refuses an unknown record and a decisions file it would not have', async () => {
    expect((await runCli('backtest', '--record', 'some')).err).toMatch(/--record must be all or trades \(got some\)/);
    const r = await runCli('backtest', '--record', 'trades', '--decisions', join(tmpdir(), 'never.csv'));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--record trades keeps no decisions: --decisions needs --record all/);
  });
});
