import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { createCell, forkCell, loadCellStrategy, registerStoredCells, seedBuiltinCells } from '../../workers/cells/cells.ts';
import { statusText } from '../../workers/lab/viability.ts';
import { BUILTIN_CELLS } from '../../workers/lab/builtin-cells.ts';
import { isRuleStrategy, ruleStrategy } from '../../workers/strategies/index.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { CELL_TEST_ACCOUNT, cellTestAgent } from '../../workers/cells/cell-test.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import { bundled } from '../helpers/bundled.ts';

const CROSS = (fast: number) => `long when crosses_above(sma(close, ${fast}), sma(close, 20))\nshort when crosses_below(sma(close, ${fast}), sma(close, 20))\n`;
const draft = (over: Record<string, unknown> = {}) => ({ name: 'My cross', source: CROSS(10), author: { kind: 'person', name: 'Ann' }, category: 'momentum', hypothesis: 'Trends persist.', ...over });

describe('cells: create, fork, seed, deploy', () => {
  let store: EngineStore;
  const clock = new SimulatedClock(Date.UTC(2026, 11, 4, 9));
  const deps = () => ({ store, now: () => clock.now() });
  const eurusd = bundled('EURUSD');
  beforeAll(async () => {
    store = createMemoryStore();
    await store.bars.put(eurusd);
  });

  it('creates a cell: compiled, backtested on the stored EURUSD H1, judged and stored', async () => {
    const out = await createCell(deps(), draft());
    if (!out.ok || !('cell' in out)) throw new Error(JSON.stringify(out));
    const c = out.cell;
    expect(c.id).toMatch(/^my-cross-[0-9a-f]{8}$/);
    expect(c).toMatchObject({ name: 'My cross', parentId: null, mutation: null, generation: 0, createdAt: clock.now(), author: { kind: 'person', name: 'Ann' }, category: 'momentum' });
    expect(c.results).toHaveLength(1);
    expect(c.results[0]).toMatchObject({ symbol: 'EURUSD', timeframe: 'H1', period: { from: eurusd.time[0], to: eurusd.time[eurusd.time.length - 1] } });
    expect(c.results[0].metrics.trades).toBeGreaterThan(20);
    // The same backtest through the engine with the built-in lab:sma-cross (same program): same numbers.
    const same = await runBacktest({ series: [eurusd], agent: cellTestAgent('lab:sma-cross', 'cell', 'x'), ...CELL_TEST_ACCOUNT });
    expect(c.results[0].metrics.trades).toBe(same.metrics.trades);
    expect(c.results[0].metrics.sharpe).toBe(same.metrics.sharpe);
    expect(c.status.alive).toBe(c.results[0].metrics.sharpe >= 0);
    expect(await store.cells.get(c.id)).toEqual(c);
    expect(isRuleStrategy(`lab:${c.id}`)).toBe(true);
  });

  it('refuses a source that does not compile with line and column, storing nothing', async () => {
    const before = (await store.cells.list()).length;
    const out = await createCell(deps(), draft({ source: 'long when crosses_above(sma(close, 10), sma(close, 20)\n' }));
    expect(out.ok).toBe(false);
    if (out.ok || !('errors' in out)) throw new Error('expected diagnostics');
    expect(out.errors[0]).toMatchObject({ line: 1 });
    expect(out.errors[0].column).toBeGreaterThan(1);
    expect(out.errors[0].message).toMatch(/parenthes/);
    expect((await store.cells.list()).length).toBe(before);
  });

  it('refuses bad fields by name, and a missing parent as not found', async () => {
    expect(await createCell(deps(), draft({ category: 'vibes', author: { kind: 'robot', name: '' } }))).toEqual({
      ok: false,
      field: 'category',
      message: 'category must be one of momentum, mean-reversion, breakout, regime, other; author.kind must be one of person, evolution, tool; author.name must not be empty',
      status: 400,
    });
    expect(await createCell(deps(), draft({ parentId: 'nope' }))).toEqual({ ok: false, field: 'parent', message: 'no cell nope', status: 404 });
    expect(await createCell(deps(), draft(), { symbol: 'GBPUSD', timeframe: 'H1' })).toMatchObject({ ok: false, field: 'symbol', message: 'no stored GBPUSD H1 bars to test on; import them first' });
  });

  it('forks: a child with the parent, the mutation, generation + 1, and the parent\'s story unless changed', async () => {
    const parent = (await store.cells.list()).find((c) => c.name === 'My cross')!;
    clock.advanceTo(clock.now() + 60_000);
    const out = await forkCell(deps(), parent.id, { mutation: 'fast average 10 -> 8', source: CROSS(8), author: { kind: 'tool', name: 'lab-script' } });
    if (!out.ok || !('cell' in out)) throw new Error(JSON.stringify(out));
    expect(out.cell).toMatchObject({ parentId: parent.id, mutation: 'fast average 10 -> 8', generation: 1, name: 'My cross', hypothesis: 'Trends persist.', category: 'momentum', author: { kind: 'tool', name: 'lab-script' } });
    expect(out.cell.id).not.toBe(parent.id);
    expect(out.cell.results[0].metrics.trades).not.toBe(parent.results[0].metrics.trades);
    expect(await forkCell(deps(), parent.id, { source: CROSS(9), author: { kind: 'person', name: 'Ann' } })).toMatchObject({ ok: false, field: 'mutation' });
    expect(await forkCell(deps(), 'nope', { mutation: 'x', source: CROSS(9), author: { kind: 'person', name: 'Ann' } })).toMatchObject({ ok: false, status: 404 });
  });

  it('a cell whose values are not numbers at run time is dead, with the bar and the message', async () => {
    const out = await createCell(deps(), draft({ name: 'broken stop', source: `${CROSS(10)}stop close - close\n` }));
    if (!out.ok || !('cell' in out)) throw new Error(JSON.stringify(out));
    const s = out.cell.status;
    expect(s.alive).toBe(false);
    expect(s.error!.message).toBe("the strategy's stop distance is 0, not a positive price distance");
    // The first entry signal after warm-up: a cross of sma 10 over sma 20.
    expect(s.error!.bar).toBeGreaterThanOrEqual(20);
    expect(statusText(s)).toBe(`💀 dead — run-time error at bar ${s.error!.bar}: the strategy's stop distance is 0, not a positive price distance`);
  });

  it('an out-of-sample period adds a second result, marked in and out', async () => {
    const mid = eurusd.time[Math.floor(eurusd.time.length / 2)];
    const out = await createCell(deps(), draft({ name: 'split' }), { symbol: 'EURUSD', timeframe: 'H1', to: mid - 1, outOfSample: { from: mid, to: eurusd.time[eurusd.time.length - 1] } });
    if (!out.ok || !('cell' in out)) throw new Error(JSON.stringify(out));
    expect(out.cell.results.map((r) => r.sample)).toEqual(['in', 'out']);
    expect(out.cell.results[1].period.from).toBe(mid);
  });

  it('seeds the built-in cells once, authored by TradeGuard, each tested and judged', async () => {
    const added = await seedBuiltinCells(deps());
    expect(added.map((c) => c.id)).toEqual(BUILTIN_CELLS.map((b) => b.name));
    for (const c of added) {
      expect(c.author).toEqual({ kind: 'person', name: 'TradeGuard' });
      expect(c.results).toHaveLength(1);
      expect(c.status.error).toBeUndefined();
      expect(statusText(c.status)).toMatch(/^(🟢 alive|💀 dead — .+)$/);
    }
    expect(await seedBuiltinCells(deps())).toEqual([]);
  });

  it('a stored cell deploys as an agent\'s alpha { kind: rule, strategy: lab:<id> } after the store is loaded', async () => {
    const c = (await store.cells.list()).find((x) => x.mutation === 'fast average 10 -> 8')!;
    // What a relay or browser does at start: every stored cell (built-ins aside) registered from the store.
    const n = await registerStoredCells(store);
    expect(n).toBe((await store.cells.list()).filter((x) => x.author.name !== "TradeGuard").length);
    expect(n).toBe(4);
    const def = ruleStrategy(`lab:${c.id}`);
    expect(def.create({}).warmup).toBe(21);
    expect(() => ruleStrategy('lab:never-stored')).toThrow('unknown cell "never-stored"');
  });

  it('an agent on a cell this process never registered: its program is read from the store before the agent is built', async () => {
    const other = createMemoryStore();
    const parent = (await store.cells.list()).find((x) => x.name === 'My cross')!;
    // Stored by another process (a copy under a new id, as a relay would hold it).
    await other.cells.put({ ...parent, id: 'from-another-process', source: CROSS(7) });
    expect(isRuleStrategy('lab:from-another-process')).toBe(false);
    await loadCellStrategy(other, { kind: 'rule', strategy: 'lab:from-another-process' });
    expect(ruleStrategy('lab:from-another-process').create({}).warmup).toBe(21);
    // Nothing to load: a built-in, a model, a name no cell has (the engine refuses that one in words).
    await loadCellStrategy(other, { kind: 'rule', strategy: 'lab:nobody' });
    expect(isRuleStrategy('lab:nobody')).toBe(false);
    await loadCellStrategy(other, { kind: 'model' });
  });
});
