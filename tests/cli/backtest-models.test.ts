import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from './run-cli.ts';
import { agentFromOptions, agentOptions } from '../../relay/cli/agent-options.ts';
import { loadChain } from '../../relay/cli/load-models.ts';
import { loadBars } from '../../relay/cli/load-bars.ts';
import { runBacktest } from '../../workers/backtest/run-backtest.ts';
import { DECISION_COLUMNS } from '../../workers/backtest/decisions-csv.ts';
import { formatUtc } from '../../workers/market/csv-time.ts';
import { GraphBuilder, floatTensor, attr } from '../../workers/models/onnx/builder.ts';
import { encodeModel } from '../../workers/models/onnx/codec.ts';
import { DataType } from '../../workers/models/onnx/onnx-schema.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import { RISK_OBS_V1 } from '../../workers/features/spec/index.ts';
import type { EngineEventOf } from '../../workers/trading/events.ts';
import { manifests, dense, WIDTH } from '../bundle/fixtures.ts';
import { buildMlp } from '../../workers/models/onnx/builder.ts';

/**
 * The backtest command with models: what it names, what it writes, and that it never stays
 * quiet about an agent that stopped deciding.
 */

const dir = mkdtempSync(join(tmpdir(), 'tradeguard-bt-models-'));
const DEMO = ['--alpha', 'public/models/demo/alpha', '--risk-model', 'public/models/demo/risk', '--guard', 'public/models/demo/guard'];
/** Thresholds at which the demo chain trades (models/build/README.md). */
const ACTIVE = ['--min-confidence', '0.4', '--guard-threshold', '0.41'];

const run = runCli;

/** RFC 4180 lines into cells (quotes, doubled quotes, commas inside quotes). */
function parseCsv(text: string): string[][] {
  return text.trim().split('\n').map((line) => {
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
        else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') cells.push(cur), (cur = '');
      else cur += c;
    }
    cells.push(cur);
    return cells;
  });
}

/** The same backtest the CLI runs for `argv`, in process: its agent, chain and bars from the CLI's own option readers. */
async function backtestOf(argv: string[], wrap?: (id: string, s: Awaited<ReturnType<typeof createOrtSession>>) => Awaited<ReturnType<typeof createOrtSession>>) {
  const { values: o } = parseArgs({ args: argv, options: agentOptions, strict: true });
  const x = agentFromOptions(o);
  const series = loadBars({ data: o.data }, () => {});
  const chain = await loadChain({ alpha: o.alpha, risk: x.riskBundle, guard: o.guard });
  const models = (id: string) => {
    const m = chain.models(id);
    return wrap ? { ...m, session: wrap(id, m.session) } : m;
  };
  const result = await runBacktest({ series: [series], agent: { ...x.agent, ...chain.attach }, initialCash: x.cash, leverage: x.leverage, costs: x.costs, models, from: x.from, to: x.to }).finally(chain.release);
  return { result, chain, series };
}

/** A guard exported without its sigmoid: 0.45 + 0.6 x ctx_loss_streak. On the sample inputs (no losses) it reads 0.45 and validates; after a losing trade it is 1.05. */
function bundleDir(name: string, model: Uint8Array, manifest: unknown): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'model.onnx'), model);
  writeFileSync(join(d, 'manifest.json'), JSON.stringify(manifest));
  return d;
}
function lossStreakLogitGuard(): Uint8Array {
  const g = new GraphBuilder({ name: 'streak-guard' });
  g.input('features', DataType.FLOAT, ['N', WIDTH]);
  const w = new Array(WIDTH).fill(0);
  w[RISK_OBS_V1.features.findIndex((f) => f.name === 'ctx_loss_streak')] = 0.6;
  g.node('Gemm', ['features', g.initializer(floatTensor('w', [1, WIDTH], w)), g.initializer(floatTensor('b', [1], [0.45]))], ['allow'], { transB: attr.int(1) });
  g.output('allow', DataType.FLOAT, ['N', 1]);
  return encodeModel(g.build());
}

describe('a backtest reports every fault and pause it met', () => {
  it('a guard whose logits slipped past validation pauses the agent: text and JSON say so, and the exit code is 3', async () => {
    const guard = bundleDir('streak-guard', lossStreakLogitGuard(), manifests.guardSingle());
    const text = await run('backtest', '--alpha', 'public/models/demo/alpha', '--guard', guard, ...ACTIVE);
    expect(text.err).toBe('');
    expect(text.code).toBe(3);
    expect(text.out).toMatch(/The agent stopped deciding during this backtest, so these numbers are not the strategy's \(exit code 3\):\n {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}paused: model error: guard allow row 0 is 1\.0499\d*, not a probability; this looks like logits: add a sigmoid/);
    const json = await run('backtest', '--alpha', 'public/models/demo/alpha', '--guard', guard, ...ACTIVE, '--json');
    expect(json.code).toBe(3);
    const j = JSON.parse(json.out);
    expect(j.faults).toEqual([{ time: expect.stringMatching(/^\d{4}-/), agentId: 'cli', status: 'paused', reason: expect.stringMatching(/^model error: guard allow row 0 is 1\.0499/) }]);
  });

  it('a raw logit guard forced past validation (loaded as is) is reported by the run, not swallowed', async () => {
    const logits = encodeModel(buildMlp({ name: 'logit-guard', layers: [dense(8, WIDTH, 1), dense(1, 8, 2)], head: 'none', outputName: 'allow' }));
    const session = await createOrtSession(logits, { label: 'logit-guard' });
    const { result } = await backtestOf(['--alpha', 'public/models/demo/alpha', ...ACTIVE]);
    expect(result.faults).toEqual([]); // the demo alpha alone runs clean
    const { values: o } = parseArgs({ args: ['--alpha', 'public/models/demo/alpha', ...ACTIVE], options: agentOptions, strict: true });
    const x = agentFromOptions(o);
    const chain = await loadChain({ alpha: o.alpha });
    const guard = { id: 'guard:logit-guard@1.0.0', manifest: manifests.guardSingle(), session };
    const forced = await runBacktest({
      series: [loadBars({}, () => {})], agent: { ...x.agent, ...chain.attach, guardModel: guard.id }, initialCash: x.cash, leverage: x.leverage, costs: x.costs,
      models: (id) => (id === guard.id ? guard : chain.models(id)),
    }).finally(chain.release);
    expect(forced.faults).toHaveLength(1);
    expect(forced.faults[0]).toMatchObject({ agentId: 'cli', status: 'paused', reason: expect.stringMatching(/^model error: guard allow row 0 is -?[\d.]+, not a probability; this looks like logits/) });
    expect(forced.metrics.trades).toBe(0);
  });
});

describe('backtest output names the models and writes every decision', () => {
  it('--json names each model by id and version instead of the rule strategy', async () => {
    const r = await run('backtest', ...DEMO, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const id = (role: string) => ({ id: `${role}:demo-${role}@1.1.0`, name: `demo-${role}`, version: '1.1.0' });
    expect(j.models).toEqual({ alpha: id('alpha'), risk: id('risk'), guard: id('guard') });
    expect(j.strategy).toEqual({ kind: 'model', ...id('alpha') });
    expect(j.agent).toBe('alpha:demo-alpha@1.1.0 + risk:demo-risk@1.1.0 + guard:demo-guard@1.1.0');
    const rule = JSON.parse((await run('backtest', '--guard', 'public/models/demo/guard', '--json')).out);
    expect(rule.strategy).toMatchObject({ kind: 'rule', strategy: 'sma-cross' });
    expect(rule.models).toEqual({ guard: id('guard') });
  });

  it('--decisions writes the demo chain\'s decisions exactly as the run recorded them', async () => {
    const file = join(dir, 'decisions.csv');
    const argv = [...DEMO, ...ACTIVE, '--from', '2017-11-13'];
    expect((await run('backtest', ...argv, '--decisions', file)).code).toBe(0);
    const [head, ...rows] = parseCsv(readFileSync(file, 'utf8'));
    expect(head).toEqual([...DECISION_COLUMNS]);
    const { result } = await backtestOf(argv);
    const decisions = result.events.filter((e): e is EngineEventOf<'decision'> => e.type === 'decision');
    expect(rows).toHaveLength(decisions.length);
    const num = (s: string) => (s === '' ? undefined : Number(s));
    let guarded = 0;
    decisions.forEach((e, i) => {
      const c = Object.fromEntries(head.map((h, k) => [h, rows[i][k]]));
      const d = e.payload;
      const m = d.models ?? {};
      expect([c.agent, c.symbol, c.bar_time_utc, c.action, num(c.direction), c.reason]).toEqual([e.agentId, d.symbol, formatUtc(d.barTime), d.action, d.direction ?? undefined, d.reason]);
      expect([c.alpha_model || undefined, num(c.alpha_p_short), num(c.alpha_p_flat), num(c.alpha_p_long), num(c.alpha_confidence)]).toEqual([m.alpha?.model, m.alpha?.probabilities.short, m.alpha?.probabilities.flat, m.alpha?.probabilities.long, m.alpha?.confidence]);
      expect([c.risk_model || undefined, num(c.sl_mult_raw), num(c.tp_mult_raw), num(c.size_raw), num(c.sl_mult_used), num(c.tp_mult_used), num(c.size_used)]).toEqual([m.risk?.model, m.risk?.raw.slMult, m.risk?.raw.tpMult, m.risk?.raw.size, m.risk?.used.slMult, m.risk?.used.tpMult, m.risk?.used.size]);
      expect([c.guard_model || undefined, num(c.guard_allow), num(c.guard_threshold)]).toEqual([m.guard?.model, m.guard?.allow, m.guard?.threshold]);
      expect([num(c.volume_units), num(c.stop_distance), num(c.target_distance), c.client_order_id || undefined]).toEqual([d.volumeUnits, d.stopDistance ?? undefined, d.targetDistance ?? undefined, d.clientOrderId]);
      if (m.guard) guarded++;
    });
    expect(guarded).toBeGreaterThan(10);
    expect(rows.filter((r) => r[3] === 'enter').length).toBe(result.metrics.trades + result.openPositions.length);
  });

  it('--trades has each trade\'s stop and target, at entry and at the exit', async () => {
    const file = join(dir, 'trades.csv');
    expect((await run('backtest', '--sl-atr', '2', '--tp-atr', '3', '--trades', file)).code).toBe(0);
    const [head, ...rows] = parseCsv(readFileSync(file, 'utf8'));
    const col = (r: string[], name: string) => Number(r[head.indexOf(name)]);
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) {
      const side = r[head.indexOf('side')] === 'long' ? 1 : -1;
      const [entry, stop, target] = [col(r, 'entry_price'), col(r, 'stop_loss'), col(r, 'take_profit')];
      expect(side * (entry - stop)).toBeGreaterThan(0);
      expect(side * (target - entry)).toBeGreaterThan(0);
      expect((target - entry) / (entry - stop)).toBeCloseTo(1.5, 1); // 3 ATR over 2 ATR, from the fill
      expect(Number.isFinite(col(r, 'exit_stop_loss')) && Number.isFinite(col(r, 'exit_take_profit'))).toBe(true);
    }
  });
});

describe('replay names the agent by its models', () => {
  it('and plays --from .. --to after warming up on the bars before', async () => {
    const r = await run('replay', '--speed', '1e12', '--max-wait-ms', '0', ...DEMO, ...ACTIVE, '--from', '2018-02-01', '--to', '2018-02-02');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Replaying 46 EURUSD H1 bars .*: agent "alpha:demo-alpha@1\.1\.0 \+ risk:demo-risk@1\.1\.0 \+ guard:demo-guard@1\.1\.0"/);
    expect(r.out).not.toMatch(/warming up/);
  });
});

describe('model and period options', () => {
  it('--risk takes a number; a folder there gets a hint towards --risk-model', async () => {
    const r = await run('backtest', '--risk', 'public/models/demo/risk');
    expect(r.code).toBe(2);
    expect(r.err).toBe('tradeguard backtest: --risk is the risk per trade in % of equity, a number (got "public/models/demo/risk"); to attach a risk model, give its bundle folder or registry id to --risk-model (e.g. --risk-model public/models/demo/risk)');
    expect(JSON.parse((await run('backtest', '--risk', '0.5', '--json')).out).sizing).toEqual({ kind: 'risk', riskPct: 0.5 });
  });

  it('a registry id works wherever a bundle folder does', async () => {
    const reg = join(dir, 'registry');
    expect((await run('models', 'import', '--model', 'public/models/demo/alpha/model.onnx', '--manifest', 'public/models/demo/alpha/manifest.json', '--dir', reg)).code).toBe(0);
    const r = await run('backtest', '--alpha', 'alpha:demo-alpha@1.1.0', '--models-dir', reg, '--guard', 'public/models/demo/guard', '--json');
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).models.alpha.id).toBe('alpha:demo-alpha@1.1.0');
    const missing = await run('backtest', '--alpha', 'alpha:torch-alpha@1.0.0', '--models-dir', reg);
    expect(missing.err).toMatch(/--alpha alpha:torch-alpha@1\.0\.0: no such model in the registry .*registry \(it holds alpha:demo-alpha@1\.1\.0\)/);
  });

  it('--from and --to trade only that period; earlier bars warm the agent up', async () => {
    const r = await run('backtest', ...DEMO, ...ACTIVE, '--from', '2017-11-13', '--to', '2018-01-31', '--json');
    const m = JSON.parse(r.out).metrics;
    expect(formatUtc(m.startTime)).toBe('2017-11-13 01:00:00'); // the close of the first bar traded
    expect(m.endTime).toBeLessThan(Date.UTC(2018, 1, 1, 1));
    const file = join(dir, 'period.csv');
    await run('backtest', ...DEMO, '--from', '2017-11-13', '--decisions', file);
    const [head, first] = parseCsv(readFileSync(file, 'utf8'));
    expect(first[head.indexOf('bar_time_utc')]).toBe('2017-11-13 00:00:00');
    expect(first[head.indexOf('reason')]).not.toMatch(/warming up/);
    expect((await run('backtest', '--from', '2030-01-01')).err).toMatch(/no bars between 2030-01-01T00:00:00\.000Z and the end/);
    expect((await run('backtest', '--from', '13/11/2017')).err).toMatch(/--from "13\/11\/2017": write it as YYYY-MM-DD/);
  });
});
