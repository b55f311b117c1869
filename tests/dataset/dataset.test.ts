import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateBundle, modelId } from '../../workers/models/bundle/index.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import { runBacktest, type BacktestConfig, type BacktestResult } from '../../workers/backtest/run-backtest.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import { RISK_OBS_V1, buildFeatureMatrix } from '../../workers/features/spec/index.ts';
import { tripleBarrierLabels } from '../../workers/models/labels/triple-barrier.ts';
import { guessInstrument } from '../../workers/market/instrument.ts';
import { datasetCsv } from '../../workers/dataset/dataset.ts';
import { datasetFromBacktest } from '../../workers/dataset/from-backtest.ts';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import type { DecisionPayload } from '../../workers/trading/events.ts';
import { bundled } from '../helpers/bundled.ts';
import { runCli } from '../cli/run-cli.ts';

/**
 * Data for retraining on a backtest of the demo model chain over the bundled EURUSD H1 bars:
 * every number of a row is worked out here from the bundles' manifest files, the bars and the
 * run's own trades, not read back from the exporter.
 */

const dir = mkdtempSync(join(tmpdir(), 'tradeguard-dataset-'));
const DEMO = (role: string) => fileURLToPath(new URL(`../../public/models/demo/${role}/`, import.meta.url));
const manifestFile = (role: string) => JSON.parse(readFileSync(DEMO(role) + 'manifest.json', 'utf8'));
const loaded: LoadedModel[] = [];
const bytesOf = new Map<string, Uint8Array>();

async function load(role: 'alpha' | 'risk' | 'guard'): Promise<LoadedModel> {
  const bytes = new Uint8Array(readFileSync(DEMO(role) + 'model.onnx'));
  const report = await validateBundle(bytes, readFileSync(DEMO(role) + 'manifest.json', 'utf8'));
  const m = { id: modelId(report.manifest!), manifest: report.manifest!, session: await createOrtSession(bytes) };
  loaded.push(m);
  bytesOf.set(m.id, bytes);
  return m;
}

/** RFC 4180 lines into cells (the exporter quotes nothing these rows hold, but a quote would show here). */
function parseCsv(text: string): { header: string[]; rows: Record<string, string>[] } {
  const [head, ...lines] = text.trimEnd().split('\n').map((l) => l.split(','));
  return { header: head, rows: lines.map((cells) => Object.fromEntries(head.map((h, i) => [h, cells[i]]))) };
}

const series = bundled('EURUSD');
let cfg: BacktestConfig;
let result: BacktestResult;
let csv: string;

beforeAll(async () => {
  const [alpha, risk, guard] = [await load('alpha'), await load('risk'), await load('guard')];
  const agent = { ...DEMO_AGENT, id: 'demo-chain', name: 'Demo model chain', alpha: { kind: 'model' as const, modelId: alpha.id }, riskModel: risk.id, guardModel: guard.id, chain: { minConfidence: 0.4, guardThreshold: 0.41, bounds: { slMult: [0.5, 5] as [number, number], tpMult: [0.5, 10] as [number, number], size: [0, 1] as [number, number] } } };
  cfg = { series: [series], agent, initialCash: DEMO_ACCOUNT.initialCash, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs, models: (id) => loaded.find((m) => m.id === id)! };
  result = await runBacktest(cfg);
  csv = datasetCsv(datasetFromBacktest(cfg, result));
});
afterAll(async () => {
  for (const m of loaded) await m.session.release();
});

describe('dataset of a backtest of the demo model chain', () => {
  it('one row per entry, the spec\'s names in order, scaled = the alpha scaler applied to raw (as the float32 the model took), raw = the bar\'s features', () => {
    const { header, rows } = parseCsv(csv);
    const names = RISK_OBS_V1.features.map((f) => f.name);
    expect(header.slice(0, 12)).toEqual(['time', 'bar_time', 'agent', 'symbol', 'timeframe', 'decision_id', 'action', 'side', 'features_model', 'p_short', 'p_flat', 'p_long']);
    expect(header.slice(12, 12 + names.length)).toEqual(names.map((n) => `raw_${n}`));
    expect(header.slice(12 + names.length, 12 + 2 * names.length)).toEqual(names.map((n) => `x_${n}`));
    expect(header.slice(12 + 2 * names.length)).toEqual(['position_id', 'exit_time', 'exit_reason', 'net_pnl', 'r_multiple', 'holding_bars', 'tb_label']);

    const entries = result.events.flatMap((e) => (e.type === 'decision' && (e.payload.action === 'enter' || e.payload.action === 'reverse') ? [e] : []));
    expect(rows.length).toBe(entries.length);
    expect(rows.length).toBe(result.trades.length + result.openPositions.length);
    expect(rows.length).toBeGreaterThan(5);

    const { mean, std } = manifestFile('alpha').scaler as { mean: number[]; std: number[] };
    // The market and time features of each entry bar, from the batch builder over the whole file (no context: those are the account's).
    const matrix = buildFeatureMatrix(RISK_OBS_V1, series);
    const market = RISK_OBS_V1.features.flatMap((f, j) => (f.group === 'context' ? [] : [j]));
    expect(market.length).toBeGreaterThan(40);
    rows.forEach((r, k) => {
      const d = entries[k];
      expect(r.decision_id).toBe(`dec:demo-chain:EURUSD:${d.payload.barTime}`);
      expect([r.time, r.bar_time, r.agent, r.symbol, r.timeframe, r.action]).toEqual([new Date(d.time).toISOString(), new Date(d.payload.barTime).toISOString(), 'demo-chain', 'EURUSD', 'H1', d.payload.action]);
      expect(r.features_model).toBe(loaded[0].id);
      const p = d.payload.models!.alpha!.probabilities;
      expect([Number(r.p_short), Number(r.p_flat), Number(r.p_long)]).toEqual([p.short, p.flat, p.long]);
      const raw = names.map((n) => Number(r[`raw_${n}`]));
      const x = names.map((n) => Number(r[`x_${n}`]));
      names.forEach((_, j) => expect(x[j]).toBe(Math.fround((raw[j] - mean[j]) / std[j])));
      const i = Array.from(series.time).indexOf(d.payload.barTime);
      for (const j of market) expect(raw[j]).toBe(matrix.values[i * matrix.cols + j]);
      // The alpha reads the bar with no side proposed.
      expect(raw[names.indexOf('ctx_direction')]).toBe(0);
    });
  });

  it('outcomes are the trades the entries opened: exit reason, net P&L, R on the placed stop, bars held, and the bundle\'s triple-barrier label of the bar', () => {
    const { rows } = parseCsv(csv);
    const labels = manifestFile('alpha').training.labels as { stopAtr: number; targetAtr: number; horizonBars: number; atrPeriod: number; costs: BacktestConfig['costs'] } | undefined;
    const tb = labels ? tripleBarrierLabels(series, { stopAtr: labels.stopAtr, targetAtr: labels.targetAtr, horizonBars: labels.horizonBars, atrPeriod: labels.atrPeriod, costs: labels.costs, instrument: guessInstrument('EURUSD', series.close) }) : null;
    const times = Array.from(series.time);
    let closed = 0;
    for (const r of rows) {
      const entry = result.events.find((e) => e.type === 'decision' && e.id === r.decision_id)!.payload as DecisionPayload;
      expect(r.position_id).toBe(entry.clientOrderId);
      const t = result.trades.find((x) => x.id === entry.clientOrderId);
      const i = times.indexOf(new Date(r.bar_time).getTime());
      expect(r.tb_label).toBe(tb ? String(tb.label[i]) : '');
      if (!t) {
        expect([r.exit_time, r.exit_reason, r.net_pnl, r.r_multiple, r.holding_bars]).toEqual(['', '', '', '', '']);
        continue;
      }
      closed++;
      expect([r.exit_time, r.exit_reason, Number(r.net_pnl)]).toEqual([new Date(t.exitTime).toISOString(), t.reason, t.netPnl]);
      expect(Number(r.r_multiple)).toBe(t.netPnl / (entry.stopDistance! * t.volumeUnits));
      // Bar closes the trade lived through: from its entry bar up to (not with) the bar it left in.
      expect(Number(r.holding_bars)).toBe(times.indexOf(t.exitTime) - times.indexOf(t.entryTime));
    }
    expect(closed).toBe(result.trades.length);
    expect(new Set(rows.map((r) => r.exit_reason)).size).toBeGreaterThan(1);
    if (tb) expect(new Set(rows.map((r) => r.tb_label)).size).toBeGreaterThan(1);
  });

  it('round trip through a relay store: the record in --data-dir gives the same file through `tradeguard dataset`', async () => {
    const data = join(dir, 'relay');
    mkdirSync(data);
    const store = openSqliteStore(join(data, 'tradeguard.sqlite'));
    const config = { ...cfg.agent, symbols: ['EURUSD'], timeframe: 'H1' as const };
    await store.agents.put({ config, state: 'running', createdAt: 0, updatedAt: 0 });
    await store.agents.put({ config: { ...DEMO_AGENT, symbols: ['EURUSD'], timeframe: 'H1' }, state: 'running', createdAt: 0, updatedAt: 0 });
    for (const m of loaded) await store.models.put({ id: m.id, manifest: m.manifest, bytes: bytesOf.get(m.id)!, importedAt: 0 });
    await store.bars.put(series);
    await store.events.append(result.events);
    store.close();

    const out = join(dir, 'from-relay.csv');
    const r = await runCli('dataset', '--agent', 'demo-chain', '--data-dir', data, '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${parseCsv(csv).rows.length} entry decisions with their feature vectors written to ${out}`);
    expect(readFileSync(out, 'utf8')).toBe(csv);

    // A range: only the entries whose bar opened in it.
    const { rows } = parseCsv(csv);
    const cut = rows[3].bar_time.slice(0, 10);
    const part = join(dir, 'part.csv');
    expect((await runCli('dataset', '--agent', 'demo-chain', '--data-dir', data, '--from', cut, '--out', part)).code).toBe(0);
    expect(parseCsv(readFileSync(part, 'utf8')).rows.map((x) => x.decision_id)).toEqual(rows.filter((x) => x.bar_time >= `${cut}T00:00`).map((x) => x.decision_id));

    // Refusals in words, exit code 2.
    const unknown = await runCli('dataset', '--agent', 'nobody', '--data-dir', data, '--out', part);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no agent nobody in this record; its agents: demo-chain (Demo model chain), demo-sma (Demo SMA cross)');
    const rule = await runCli('dataset', '--agent', 'demo-sma', '--data-dir', data, '--out', part);
    expect(rule.code).toBe(2);
    expect(rule.err).toContain('agent demo-sma runs the rule sma-cross with no model attached: its decisions record no feature vector');
    const empty = await runCli('dataset', '--agent', 'demo-chain', '--data-dir', data, '--from', '2030-01-01', '--out', part);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain(`agent demo-chain has no entry decision in that range (its entries run from ${rows[0].bar_time.slice(0, 16).replace('T', ' ')} to ${rows[rows.length - 1].bar_time.slice(0, 16).replace('T', ' ')} UTC): nothing to export`);
    const nowhere = await runCli('dataset', '--agent', 'demo-chain', '--data-dir', join(dir, 'none'), '--out', part);
    expect(nowhere.code).toBe(2);
    expect(nowhere.err).toContain('no relay record in');
  });

  it('backtest --dataset writes the same columns from the command line, and refuses a run without models before it runs', async () => {
    const out = join(dir, 'cli.csv');
    const r = await runCli('backtest', '--alpha', DEMO('alpha'), '--risk-model', DEMO('risk'), '--guard', DEMO('guard'), '--trades', join(dir, 'trades.csv'), '--dataset', out);
    expect(r.code).toBe(0);
    const { header, rows } = parseCsv(readFileSync(out, 'utf8'));
    expect(header).toEqual(parseCsv(csv).header);
    const trades = parseCsv(readFileSync(join(dir, 'trades.csv'), 'utf8')).rows;
    expect(rows.filter((x) => x.exit_reason !== '').map((x) => [x.position_id, x.exit_reason, x.net_pnl])).toEqual(trades.map((t) => [t.id, t.reason, t.net_pnl]));
    expect(r.out).toContain(`${rows.length} entry decision${rows.length === 1 ? '' : 's'} with their feature vectors written to ${out}`);

    const rule = await runCli('backtest', '--dataset', join(dir, 'never.csv'));
    expect(rule.code).toBe(2);
    expect(rule.err).toContain('--dataset: agent cli runs the rule sma-cross with no model attached');
  });
});
