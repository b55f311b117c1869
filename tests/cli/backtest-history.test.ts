import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as run } from './run-cli.ts';

/**
 * Backtest history from the command line: `backtest --save` stores the run in a folder,
 * `backtests list` and `backtests show` read it back; and the demo chain trades out of the box
 * on the thresholds its manifests declare.
 */

const DEMO = ['--alpha', 'public/models/demo/alpha', '--risk-model', 'public/models/demo/risk', '--guard', 'public/models/demo/guard'];
const HELD_OUT = ['--from', '2017-11-13'];
const tmp = () => mkdtempSync(join(tmpdir(), 'tradeguard-bt-history-'));

/** The equity CSV as [time text, equity] rows. */
const equityRows = (file: string) =>
  readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => {
    const [t, e] = l.split(',');
    return [t, Number(e)] as const;
  });

describe('the demo chain trades on its manifests\' thresholds', () => {
  it('`backtest --alpha .. --risk-model .. --guard ..` with no threshold option makes trades, at 0.4 and 0.41', async () => {
    const r = await run('backtest', ...DEMO, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.metrics.trades).toBeGreaterThan(0);
    expect(j.chain).toEqual({ minConfidence: 0.4, guardThreshold: 0.41, from: { minConfidence: { manifest: 'alpha:demo-alpha@1.1.0' }, guardThreshold: { manifest: 'guard:demo-guard@1.1.0' } } });
    const text = await run('backtest', ...DEMO, ...HELD_OUT);
    expect(text.out).toContain("minimum confidence 0.4 from alpha:demo-alpha@1.1.0's manifest; guard threshold 0.41 from guard:demo-guard@1.1.0's manifest");
  });

  it('the defaults are the same run as typing them, and an option typed wins over the manifest', async () => {
    const byDefault = JSON.parse((await run('backtest', ...DEMO, ...HELD_OUT, '--json')).out);
    const typed = JSON.parse((await run('backtest', ...DEMO, ...HELD_OUT, '--min-confidence', '0.4', '--guard-threshold', '0.41', '--json')).out);
    expect(byDefault.metrics).toEqual(typed.metrics);
    expect(typed.chain.from).toEqual({ minConfidence: 'option', guardThreshold: 'option' });
    const strict = JSON.parse((await run('backtest', ...DEMO, ...HELD_OUT, '--guard-threshold', '0.5', '--json')).out);
    expect(strict.chain).toMatchObject({ minConfidence: 0.4, guardThreshold: 0.5, from: { minConfidence: { manifest: 'alpha:demo-alpha@1.1.0' }, guardThreshold: 'option' } });
    // The guard's allow probabilities stay near the 0.41 base rate: at 0.5 it lets nothing through.
    expect(strict.metrics.trades).toBe(0);
    // A rule strategy with no models reports no chain at all.
    expect(JSON.parse((await run('backtest', ...HELD_OUT, '--json')).out).chain).toBeUndefined();
  });
});

describe('backtest --save, backtests list and show', () => {
  it('stores the run with its configuration, models, metrics, equity curve and trades, and reads it back', async () => {
    const dir = tmp();
    const store = join(dir, 'runs');
    const equityFile = join(dir, 'equity.csv');
    const tradesFile = join(dir, 'trades.csv');
    const r = await run('backtest', ...DEMO, ...HELD_OUT, '--json', '--save', '--backtests-dir', store, '--equity', equityFile, '--trades', tradesFile);
    expect(r.code).toBe(0);
    const ran = JSON.parse(r.out);
    expect(ran.saved).toMatch(/^bt-\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(readdirSync(store)).toEqual([`${ran.saved}.json`]);

    const shown = await run('backtests', 'show', ran.saved, '--dir', store, '--json');
    expect(shown.code).toBe(0);
    const rec = JSON.parse(shown.out);
    expect(rec).toMatchObject({ id: ran.saved, source: 'cli', symbol: 'EURUSD', timeframe: 'H1', range: { from: Date.UTC(2017, 10, 13), to: Date.UTC(2018, 1, 7, 15) } });
    expect(rec.metrics).toEqual(ran.metrics);
    expect(rec.models.map((m: { id: string; from: string }) => [m.id, m.from])).toEqual([
      ['alpha:demo-alpha@1.1.0', 'public/models/demo/alpha'],
      ['risk:demo-risk@1.1.0', 'public/models/demo/risk'],
      ['guard:demo-guard@1.1.0', 'public/models/demo/guard'],
    ]);
    expect(rec.agent.chain).toMatchObject({ minConfidence: 0.4, guardThreshold: 0.41 });
    expect(rec.account).toEqual({ initialCash: 10000, leverage: 30, costs: ran.costs });
    expect(rec.rerun).toEqual({ possible: true, missingModels: [] });
    // The curve and the trades are the ones the run wrote to its CSV files.
    const eq = equityRows(equityFile);
    expect(rec.equity.equity).toEqual(eq.map(([, e]) => e));
    expect(rec.equity.time.map((t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' '))).toEqual(eq.map(([t]) => t));
    const tradeIds = readFileSync(tradesFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    expect(rec.trades.map((t: { id: string }) => t.id)).toEqual(tradeIds);
    expect(tradeIds.length).toBe(ran.metrics.trades);

    const text = await run('backtests', 'show', ran.saved, '--dir', store);
    expect(text.out).toContain(`${ran.saved}: alpha:demo-alpha@1.1.0 + risk:demo-risk@1.1.0 + guard:demo-guard@1.1.0 on EURUSD H1`);
    expect(text.out).toMatch(/chain {6}minimum confidence 0\.4, guard threshold 0\.41/);
    expect(text.out).toMatch(new RegExp(`Trades +${ran.metrics.trades}\\n`));
    expect(text.out).toContain('Rerun: every model it used is still available.');
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists runs newest first, as a table and as JSON', async () => {
    const store = tmp();
    const a = JSON.parse((await run('backtest', '--from', '2018-01-01', '--json', '--save', '--backtests-dir', store)).out).saved;
    await new Promise((res) => setTimeout(res, 1100)); // a later second: a later id
    const b = JSON.parse((await run('backtest', '--fast', '5', '--slow', '30', '--from', '2017-12-01', '--to', '2017-12-31', '--json', '--save', '--backtests-dir', store)).out).saved;
    const list = JSON.parse((await run('backtests', 'list', '--dir', store, '--json')).out);
    expect(list.map((s: { id: string }) => s.id)).toEqual([b, a]);
    expect(list[0]).toMatchObject({ name: 'sma-cross 5/30', strategy: 'sma-cross fast=5 slow=30 no longOnly', symbol: 'EURUSD', timeframe: 'H1', models: [], range: { from: Date.UTC(2017, 11, 1), to: Date.UTC(2018, 0, 1) - 1 } });
    expect(list[0].createdAt).toBeGreaterThan(list[1].createdAt);
    const table = (await run('backtests', 'list', '--dir', store)).out.split('\n');
    // The folder under the name `backtest --save` takes works too.
    expect((await run('backtests', 'list', '--backtests-dir', store)).out.split('\n')).toEqual(table);
    expect(table[0]).toMatch(/^id +saved \(UTC\) +agent +market +period +trades +return +Sharpe +max DD$/);
    expect(table[1]).toMatch(new RegExp(`^${b} .* sma-cross 5/30 +EURUSD H1 +2017-12-01\\.\\.2017-12-31 `));
    expect(table[2]).toMatch(new RegExp(`^${a} `));
    // A file that is not a run is named and skipped; the runs still list.
    writeFileSync(join(store, 'notes.json'), '{"hello":1}');
    const again = await run('backtests', 'list', '--dir', store);
    expect(again.out).toContain('skipped');
    expect(again.out).toContain('notes.json: not a tradeguard-backtest/1 record');
    expect(again.out.split('\n').filter((l) => l.startsWith('bt-'))).toHaveLength(2);
    expect((await run('backtests', 'list', '--dir', join(store, 'none'))).out).toMatch(/^no saved backtests in .*none/);
    rmSync(store, { recursive: true, force: true });
  });

  it('a run whose model was deleted still shows its results and says it cannot be rerun, naming the model', async () => {
    const dir = tmp();
    const guardCopy = join(dir, 'my-guard');
    cpSync('public/models/demo/guard', guardCopy, { recursive: true });
    const store = join(dir, 'runs');
    const ran = JSON.parse((await run('backtest', '--guard', guardCopy, '--guard-threshold', '0.4', ...HELD_OUT, '--json', '--save', '--backtests-dir', store)).out);
    rmSync(guardCopy, { recursive: true, force: true });
    const models = join(dir, 'no-registry');
    const rec = JSON.parse((await run('backtests', 'show', ran.saved, '--dir', store, '--models-dir', models, '--json')).out);
    expect(rec.metrics).toEqual(ran.metrics);
    expect(rec.rerun).toEqual({ possible: false, missingModels: ['guard:demo-guard@1.1.0'], reason: expect.stringContaining('guard model guard:demo-guard@1.1.0 is no longer stored') });
    const text = await run('backtests', 'show', ran.saved, '--dir', store, '--models-dir', models);
    expect(text.code).toBe(0);
    expect(text.out).toContain('This run cannot be rerun: its guard model guard:demo-guard@1.1.0 is no longer stored.');
    expect(text.out).toMatch(/Total return +-?[\d.]+ %/);
    // Imported into the registry, the model is there again.
    expect((await run('models', 'import', '--model', 'public/models/demo/guard/model.onnx', '--manifest', 'public/models/demo/guard/manifest.json', '--dir', models)).code).toBe(0);
    expect(JSON.parse((await run('backtests', 'show', ran.saved, '--dir', store, '--models-dir', models, '--json')).out).rerun).toEqual({ possible: true, missingModels: [] });
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an unknown run, an id that is not one, and a missing subcommand, each in words', async () => {
    const store = tmp();
    const unknown = await run('backtests', 'show', 'bt-20200101-000000-abcdef', '--dir', store);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no backtest bt-20200101-000000-abcdef in .* \(tradeguard backtests list shows what is there\)/);
    const bad = await run('backtests', 'show', '../../etc/passwd', '--dir', store);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('"../../etc/passwd" is not a backtest id');
    expect((await run('backtests', 'show', '--dir', store)).err).toContain('show takes one run id');
    expect((await run('backtests', 'purge')).err).toContain('unknown subcommand "purge"');
    rmSync(store, { recursive: true, force: true });
  });
});
