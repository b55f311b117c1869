import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../relay/cli/main.ts';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import { runRecord } from '../../workers/cells/evolution-record.ts';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'tg-evolve-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out, err };
}

const EMA = 'long when crosses_above(ema(close, 9), ema(close, 21)) and rsi(14) < 70\nshort when crosses_below(ema(close, 9), ema(close, 21))\nstop 2 * atr(14)\n';
const RUN = ['--seed', '3', '--population', '5', '--generations', '2', '--keep', '2', '--min-trades', '5', '--in-sample', '2017-04-19..2017-11-30', '--out-of-sample', '2017-12-01..2018-02-07'];

describe('tradeguard cells evolve', () => {
  let first: { dir: string; out: string[]; runId: string };

  it('breeds from a built-in cell and a program file, printing progress and the survivors; the children are in cells list', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'ema.lab'), EMA);
    const r = await cli(['cells', 'evolve', '--parent', 'sma-cross', '--parent', join(dir, 'ema.lab'), ...RUN, '--data-dir', dir, '--threads', '0']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toContain(`started a new record ${join(dir, 'tradeguard.sqlite')}`);
    expect(text).toMatch(/stored .*ema\.lab as cell ema-lab-[0-9a-f]{8} \((🟢 alive|💀 dead — .+)\)/);
    expect(text).toMatch(/evolving sma-cross x ema-lab-[0-9a-f]{8} on EURUSD H1: in sample 2017-04-19 00:00 to 2017-11-30 23:59, out of sample 2017-12-01 00:00 to 2018-02-07 23:59; seed 3, 2 generations of 5, keep 2 by Sharpe \(at least 5 trades\), children tested fast; in this thread/);
    expect(r.out.filter((l) => /^generation [12]\/2: \d+\/12 backtests, \d+ discarded, \d+ duplicates; best evo-3-[0-9a-f]{8}-g[12]-\d Sharpe -?\d/.test(l))).toHaveLength(2);
    const done = /run (evo-3-[0-9a-f]{8}) done: 10 children/.exec(text);
    expect(done).not.toBeNull();
    expect(r.out).toContainEqual(expect.stringMatching(/^survivor\s+gen\s+parent\s+in sample\s+out of sample\s+status$/));
    const survivors = r.out.filter((l) => /^evo-3-[0-9a-f]{8}-g\d-\d\s+\d\s/.test(l));
    expect(survivors).toHaveLength(2);
    for (const s of survivors) expect(s).toMatch(/\(\d+ trades\)\s+-?\d+(\.\d+)? \(\d+ trades\)\s+(🟢 alive|💀 dead — .+)$/);
    const list = await cli(['cells', 'list', '--data-dir', dir]);
    expect(list.code).toBe(0);
    expect(list.out.filter((l) => l.includes(`evolution: ${done![1]}`))).toHaveLength(10);
    first = { dir, out: r.out, runId: done![1] };
  }, 120_000);

  it('gives the same children and survivors on worker threads', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'ema.lab'), EMA);
    const r = await cli(['cells', 'evolve', '--parent', 'sma-cross', '--parent', join(dir, 'ema.lab'), ...RUN, '--data-dir', dir, '--threads', '2']);
    expect(r.code).toBe(0);
    // Run ids differ (the CLI's clock is the wall clock), and so do the folders: nothing else.
    const norm = (lines: string[], d: string) => lines.map((l) => l.replaceAll(d, 'DIR').replace(/evo-3-[0-9a-f]{8}/g, 'RUN').replace(/ema-lab-[0-9a-f]{8}/g, 'EMA').replace(/; (in this thread|2 worker threads)$/, ''));
    expect(norm(r.out, dir)).toEqual(norm(first.out, first.dir));
  }, 120_000);

  it('with --evaluation full (every child through the engine backtest) breeds the same children and survivors as the fast test', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'ema.lab'), EMA);
    const r = await cli(['cells', 'evolve', '--parent', 'sma-cross', '--parent', join(dir, 'ema.lab'), ...RUN, '--data-dir', dir, '--threads', '0', '--evaluation', 'full']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toContain('(at least 5 trades), children backtested in full; in this thread');
    // The fast test gives the engine's trades, so the fitness that picks the parents of each generation is the same.
    const norm = (lines: string[], d: string) =>
      lines.map((l) => l.replaceAll(d, 'DIR').replace(/evo-3-[0-9a-f]{8}/g, 'RUN').replace(/ema-lab-[0-9a-f]{8}/g, 'EMA').replace(/children (tested fast|backtested in full)/, 'children tested'));
    expect(norm(r.out, dir)).toEqual(norm(first.out, first.dir));
  }, 120_000);

  it('resumes a run by its id without breeding it again', async () => {
    const r = await cli(['cells', 'evolve', '--parent', 'sma-cross', '--parent', 'ema-lab-x', ...RUN, '--data-dir', first.dir, '--threads', '0', '--resume', first.runId]);
    // The file's cell is looked up by id now; give the same parents as the run had.
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toMatch(/--parent ema-lab-x: no cell with that id in the record, no built-in cell \(sma-cross, mean-reversion, breakout, regime-switch\) and no program file/);
    const fileCell = /cell (ema-lab-[0-9a-f]{8})/.exec(first.out.join('\n'))![1];
    const again = await cli(['cells', 'evolve', '--parent', 'sma-cross', '--parent', fileCell, ...RUN, '--data-dir', first.dir, '--threads', '0', '--resume', first.runId]);
    expect(again.code).toBe(0);
    expect(again.out.slice(-4)).toEqual(first.out.slice(-4));
    const list = await cli(['cells', 'list', '--data-dir', first.dir]);
    expect(list.out.filter((l) => l.includes(`evolution: ${first.runId}`))).toHaveLength(10);
  }, 120_000);

  it('resumes a run by its id alone, from the options kept in the record; a run not kept needs its options', async () => {
    const record = openSqliteStore(join(first.dir, 'tradeguard.sqlite'));
    const kept = await runRecord(record.settings, first.runId);
    record.close();
    expect(kept).toMatchObject({ by: 'tradeguard cells evolve', spec: { seed: 3, population: 5, generations: 2, keep: 2, minTrades: 5 }, progress: { status: 'done' } });
    const again = await cli(['cells', 'evolve', '--resume', first.runId, '--data-dir', first.dir, '--threads', '0']);
    expect(again.err).toEqual([]);
    expect(again.code).toBe(0);
    const evolving = (lines: string[]) => lines.find((l) => l.startsWith('evolving '));
    expect(evolving(again.out)).toBe(evolving(first.out));
    expect(again.out.slice(-4)).toEqual(first.out.slice(-4));
    const list = await cli(['cells', 'list', '--data-dir', first.dir]);
    expect(list.out.filter((l) => l.includes(`evolution: ${first.runId}`))).toHaveLength(10);
    const unknown = await cli(['cells', 'evolve', '--resume', 'evo-3-00000000', '--data-dir', first.dir, '--threads', '0']);
    expect(unknown.code).toBe(2);
    expect(unknown.err.join('\n')).toContain(`no run evo-3-00000000 is kept in ${join(first.dir, 'tradeguard.sqlite')}: give --resume with the options the run was started with`);
  }, 120_000);

  it('refuses bad options, a missing parent and a program that does not compile, in words (exit 2)', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'bad.lab'), 'long when rsii(14) < 30\n');
    const cases: [string[], RegExp][] = [
      [['--parent', 'sma-cross', ...RUN, '--population', '0'], /--population must be a whole number from 1 to 500 \(got 0\)/],
      [['--parent', 'sma-cross'], /--seed is required/],
      [['--seed', '1'], /--parent is required/],
      [['--parent', 'sma-cross', ...RUN, '--in-sample', '2017-04-19'], /--in-sample must be FROM\.\.TO/],
      [['--parent', 'sma-cross', ...RUN, '--out-of-sample', '2017-05-01..2017-06-01'], /--out-of-sample overlaps the in-sample period/],
      [['--parent', 'sma-cross', ...RUN, '--fitness', 'luck'], /--fitness must be one of sharpe, profitFactor, returnOverDrawdown/],
      [['--parent', 'sma-cross', ...RUN, '--evaluation', 'slow'], /--evaluation must be 'fast' or 'full' \(got "slow"\)/],
      [['--parent', join(dir, 'bad.lab'), ...RUN], /bad\.lab does not compile \(1 error\):\n.*bad\.lab: line 1, column 11: error: unknown function "rsii"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['cells', 'evolve', ...args, '--data-dir', dir, '--threads', '0']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.join('\n'), args.join(' ')).toMatch(message);
    }
    const help = await cli(['cells', 'evolve', '--help']);
    expect(help.out.join('\n')).toMatch(/^tradeguard cells evolve --parent ID\|FILE/);
  }, 60_000);
});
