import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDexieStore } from '../../app/store/dexie-store.ts';
import { DEXIE_SCHEMA } from '../../app/store/dexie-schema.ts';
import { runBacktestJob } from '../../app/backtest/run-job.ts';
import type { BacktestOutcome } from '../../app/backtest/protocol.ts';
import { agentOfRecord, formOfRecord, recordOfRun, thresholdDefaults, type UsedModel } from '../../app/views/backtest/run-record.ts';
import type { CheckedForm } from '../../app/views/backtest/form.ts';
import { compareRuns } from '../../workers/backtest/compare-runs.ts';
import { missingModels, rerunBlocked, summarize, type BacktestRecord } from '../../workers/backtest/stored-run.ts';
import { DEMO_ACCOUNT, DEMO_AGENT, DEMO_HELD_OUT_FROM } from '../../workers/engine/demo.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { ModelManifest } from '../../workers/models/bundle/manifest.ts';
import { modelId, type StoredModel } from '../../workers/models/bundle/registry.ts';
import { DEFAULT_CHAIN } from '../../workers/models/chain/chain-policy.ts';
import { agentRecord } from '../store/helpers.ts';
import { bundled } from '../helpers/bundled.ts';

/**
 * The PWA's backtest history: a run from the view stored in IndexedDB and read back whole,
 * listed newest first, deleted; compared side by side; a run whose model was deleted still
 * opens and says it cannot be rerun; and the form's thresholds from the chosen bundles.
 */

const eurusd = bundled('EURUSD');
const open = (name: string, indexedDB = new IDBFactory(), schemaVersion?: number) => createDexieStore(name, { indexedDB, IDBKeyRange, ...(schemaVersion ? { schemaVersion } : {}) });
const hooks = { createSession: (bytes: Uint8Array, label: string) => createOrtSession(bytes, { label }) };

function demoBundle(role: 'alpha' | 'risk' | 'guard'): StoredModel {
  const manifest = JSON.parse(readFileSync(`public/models/demo/${role}/manifest.json`, 'utf8')) as ModelManifest;
  return { id: modelId(manifest), manifest, bytes: new Uint8Array(readFileSync(`public/models/demo/${role}/model.onnx`)), importedAt: 0 };
}

/** What the view's checkForm hands the worker for the demo agent on EURUSD H1 (built here: the form module needs the DOM). */
function checked(over: Partial<CheckedForm> = {}): CheckedForm {
  return { symbol: 'EURUSD', timeframe: 'H1', from: eurusd.time[0], to: eurusd.time[eurusd.time.length - 1], agent: DEMO_AGENT, initialCash: DEMO_ACCOUNT.initialCash, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs, modelIds: [], ...over };
}

async function viewRun(c: CheckedForm, models: StoredModel[] = []): Promise<BacktestOutcome> {
  const i0 = eurusd.time.findIndex((t) => t >= c.from);
  const series = { ...eurusd, ...Object.fromEntries((['time', 'open', 'high', 'low', 'close', 'volume'] as const).map((k) => [k, eurusd[k].slice(i0)])) };
  return runBacktestJob({ series, agent: c.agent, initialCash: c.initialCash, leverage: c.leverage, costs: c.costs, models }, hooks);
}

describe('backtest history in IndexedDB', () => {
  it('stores a run from the view with its configuration, models, metrics, curve and trades, and gives it back whole', async () => {
    const c = checked();
    const outcome = await viewRun(c);
    expect(outcome.metrics.trades).toBeGreaterThan(0);
    const rec = recordOfRun({ outcome, checked: c, models: [], risk: undefined }, Date.UTC(2025, 0, 2, 3, 4, 5));
    expect(rec.id).toMatch(/^bt-20250102-030405-[0-9a-f]{6}$/);
    const store = open('history');
    await store.backtests.put(rec);
    const back = await store.backtests.get(rec.id);
    expect(back).toEqual(rec);
    // The figures are the run's own, not a copy that drifted: the curve sample for sample, the trades one for one.
    expect(back!.equity.equity).toEqual(Array.from(outcome.equity.equity));
    expect(back!.equity.time).toEqual(Array.from(outcome.equity.time));
    expect(back!.trades.map((t) => t.netPnl)).toEqual(outcome.trades.map((t) => t.netPnl));
    expect(back!.agent).toEqual(DEMO_AGENT);
    expect(back!.range).toEqual({ from: c.from, to: c.to });
    expect(back!.account).toEqual({ initialCash: 10_000, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs });
    expect(back!.risk).toBeNull();
    await store.close();
  });

  it('lists newest first (summaries only), deletes one with its record, and keeps a profit factor of infinity', async () => {
    const store = open('list');
    const base = recordOfRun({ outcome: await viewRun(checked({ from: DEMO_HELD_OUT_FROM })), checked: checked({ from: DEMO_HELD_OUT_FROM }), models: [], risk: undefined }, 1_000);
    const runs = [1_000, 3_000, 2_000].map((t, i) => ({ ...base, id: `bt-0000000${i}-000000-00000${i}`, createdAt: t, metrics: { ...base.metrics, profitFactor: i === 1 ? Infinity : 1.5 } }));
    for (const r of runs) await store.backtests.put(r);
    const list = await store.backtests.list();
    expect(list.map((s) => s.createdAt)).toEqual([3_000, 2_000, 1_000]);
    expect(list[0]).toEqual(summarize(runs[1]));
    expect(list[0].profitFactor).toBe(Infinity);
    expect(Object.keys(list[0])).not.toContain('equity');
    await store.backtests.delete(runs[1].id);
    expect((await store.backtests.list()).map((s) => s.id)).toEqual([runs[2].id, runs[0].id]);
    expect(await store.backtests.get(runs[1].id)).toBeUndefined();
    expect(await store.db.table('backtestResults').count()).toBe(2);
    await store.close();
  });

  it('the version-3 upgrade keeps a version-2 database\'s rows and adds the history', async () => {
    const idb = new IDBFactory();
    const v2 = open('upgrade', idb, 2);
    await v2.agents.put(agentRecord('keep', 1));
    await v2.tradeNotes.put({ tradeId: 'p1', note: 'n', tags: ['news'], updatedAt: 1 });
    expect(v2.db.verno).toBe(2);
    await v2.close();
    const now = open('upgrade', idb);
    expect((await now.agents.get('keep'))?.config.id).toBe('keep');
    expect((await now.tradeNotes.list({ tag: 'news' })).map((n) => n.tradeId)).toEqual(['p1']);
    expect(await now.backtests.list()).toEqual([]);
    expect(now.db.verno).toBe(DEXIE_SCHEMA[DEXIE_SCHEMA.length - 1].version);
    expect(now.db.verno).toBeGreaterThanOrEqual(3);
    await now.close();
  });
});

/** A record with a hand-written curve and metrics, for the comparison. */
function handRun(id: string, time: number[], equity: number[], m: Partial<BacktestRecord['metrics']>, agent: Partial<BacktestRecord['agent']> = {}): BacktestRecord {
  const metrics = { bars: time.length, startTime: time[0], endTime: time[time.length - 1], initialEquity: 1000, finalEquity: equity[equity.length - 1], totalReturnPct: 0, cagrPct: 0, sharpe: 0, sortino: 0, maxDrawdownPct: 0, maxDrawdownDurationMs: 0, maxDrawdownDurationBars: 0, trades: 0, winRatePct: 0, profitFactor: 0, expectancy: 0, avgTradeReturnPct: 0, bestTrade: 0, worstTrade: 0, exposurePct: 0, commissions: 0, refusals: {}, ...m };
  return { format: 'tradeguard-backtest/1', id, createdAt: 0, source: 'app', symbol: 'EURUSD', timeframe: 'H1', range: { from: time[0], to: time[time.length - 1] }, agent: { ...DEMO_AGENT, ...agent }, account: { initialCash: 1000, leverage: 30, costs: DEMO_ACCOUNT.costs }, risk: null, models: [], metrics, equity: { time, equity }, trades: [], openPositions: [], riskReport: { rules: {}, states: [], locks: [], notices: [] }, cancelled: false, faults: [] };
}

describe('comparing runs', () => {
  const H = 3_600_000;
  const a = handRun('a', [10 * H, 20 * H, 30 * H], [1000, 1100, 1050], { totalReturnPct: 5, sharpe: 1.2, maxDrawdownPct: 4.5, trades: 3, profitFactor: 2 });
  const b = handRun('b', [20 * H, 30 * H, 40 * H], [1000, 900, 1200], { totalReturnPct: 20, sharpe: 0.8, maxDrawdownPct: 10, trades: 3, profitFactor: Infinity }, { name: 'fast', stopAtr: 3 });

  it('sets the metrics side by side, marking the best of each row (lower drawdown is better; equal rows unmarked)', () => {
    const c = compareRuns([a, b]);
    const row = (k: string) => c.rows.find((r) => r.key === k)!;
    expect(row('totalReturnPct')).toMatchObject({ values: [5, 20], best: [1] });
    expect(row('sharpe')).toMatchObject({ values: [1.2, 0.8], best: [0] });
    expect(row('maxDrawdownPct')).toMatchObject({ values: [4.5, 10], best: [0] });
    expect(row('profitFactor')).toMatchObject({ values: [2, Infinity], best: [1] });
    expect(row('trades').best).toEqual([]);
    expect(row('winRatePct').best).toEqual([]); // both 0
    expect(c.runs.map((r) => r.name)).toEqual([DEMO_AGENT.name, 'fast']);
  });

  it('names what differs in the configuration, and only that', () => {
    const d = compareRuns([a, b]).differences;
    expect(d.map((x) => x.label)).toEqual(['Period (UTC)', 'Stop / target / trail (x ATR)']);
    expect(d[1].values[1]).toMatch(/^3 \//);
  });

  it('overlays the curves on the union of their times, as % return from each run\'s start', () => {
    const { time, returnPct } = compareRuns([a, b]).curves;
    expect(time).toEqual([10 * H, 20 * H, 30 * H, 40 * H]);
    // a: 1000, 1100, 1050 of 1000 -> 0, 10, 5 %; b: 1000, 900, 1200 -> 0, -10, 20 %.
    expect(returnPct[0].map((x) => (x === null ? null : Math.round(x * 1e9) / 1e9))).toEqual([0, 10, 5, null]);
    expect(returnPct[1].map((x) => (x === null ? null : Math.round(x * 1e9) / 1e9))).toEqual([null, 0, -10, 20]);
  });

  it('needs two runs', () => {
    expect(() => compareRuns([a])).toThrow('a comparison needs two runs or more (got 1)');
  });
});

describe('a stored run whose model was deleted', () => {
  it('still opens with its results, says it cannot be rerun naming the model, and neither refills the form nor deploys', async () => {
    const models = [demoBundle('alpha'), demoBundle('guard')];
    const agent = { ...DEMO_AGENT, name: 'chain', alpha: { kind: 'model' as const, modelId: models[0].id }, guardModel: models[1].id, chain: { ...DEFAULT_CHAIN, minConfidence: 0.4, guardThreshold: 0.41 } };
    const c = checked({ from: DEMO_HELD_OUT_FROM, agent, modelIds: models.map((m) => m.id) });
    const outcome = await viewRun(c, models);
    const rec = recordOfRun({ outcome, checked: c, models: models as UsedModel[], risk: undefined }, 5);
    expect(rec.models).toEqual([
      { role: 'alpha', id: 'alpha:demo-alpha@1.1.0', name: 'demo-alpha', version: '1.1.0' },
      { role: 'guard', id: 'guard:demo-guard@1.1.0', name: 'demo-guard', version: '1.1.0' },
    ]);
    const store = open('deleted');
    await store.models.put(models[0]);
    await store.models.put(models[1]);
    await store.backtests.put(rec);
    await store.models.delete('guard:demo-guard@1.1.0');

    const stored = new Set((await store.models.list()).map((m) => m.id));
    const back = (await store.backtests.get(rec.id))!;
    expect(back.metrics).toEqual(outcome.metrics);
    expect(back.trades).toHaveLength(outcome.metrics.trades);
    const has = (id: string) => stored.has(id);
    expect(missingModels(back, has).map((m) => m.id)).toEqual(['guard:demo-guard@1.1.0']);
    const why = 'This run cannot be rerun: its guard model guard:demo-guard@1.1.0 is no longer stored. Its results are kept; import the model again (same name and version) to rerun it.';
    expect(rerunBlocked(back, has)).toBe(why);
    expect(formOfRecord(back, has)).toEqual({ refused: why });
    // With both models there again, the form is the run's own settings.
    const again = formOfRecord(back, () => true);
    expect(again).toMatchObject({ form: { series: 'EURUSD|H1', alphaKind: 'model', alphaModel: 'alpha:demo-alpha@1.1.0', riskModel: '', guardModel: 'guard:demo-guard@1.1.0', minConfidence: '0.4', guardThreshold: '0.41', name: 'chain', accountRisk: false } });
    expect(agentOfRecord(back, 'chain-x1')).toEqual({ ...agent, id: 'chain-x1', symbols: ['EURUSD'], timeframe: 'H1' });
    await store.close();
  });
});

describe('the form\'s thresholds come from the chosen bundles', () => {
  const alpha = demoBundle('alpha').manifest;
  const guard = demoBundle('guard').manifest;
  const untyped = { minConfidence: false, guardThreshold: false };

  it('the demo alpha and guard give 0.4 and 0.41; a bundle without thresholds gives the chain\'s default; a typed value stays', () => {
    expect(thresholdDefaults({ alpha, guard }, untyped)).toEqual({ minConfidence: '0.4', guardThreshold: '0.41' });
    expect(thresholdDefaults({ alpha: { ...alpha, thresholds: undefined }, guard: null }, untyped)).toEqual({ minConfidence: '0.5', guardThreshold: '0.5' });
    expect(thresholdDefaults({ alpha, guard }, { minConfidence: true, guardThreshold: false })).toEqual({ guardThreshold: '0.41' });
  });

  it('the demo chain at those defaults trades on the held-out bars', async () => {
    const d = thresholdDefaults({ alpha, guard }, untyped);
    const models = [demoBundle('alpha'), demoBundle('risk'), demoBundle('guard')];
    const agent = { ...DEMO_AGENT, alpha: { kind: 'model' as const, modelId: models[0].id }, riskModel: models[1].id, guardModel: models[2].id, chain: { ...DEFAULT_CHAIN, minConfidence: Number(d.minConfidence), guardThreshold: Number(d.guardThreshold) } };
    const out = await viewRun(checked({ from: DEMO_HELD_OUT_FROM, agent }), models);
    expect(out.metrics.trades).toBeGreaterThan(0);
    const strict = await viewRun(checked({ from: DEMO_HELD_OUT_FROM, agent: { ...agent, chain: DEFAULT_CHAIN } }), models);
    expect(strict.metrics.trades).toBe(0);
  });
});
