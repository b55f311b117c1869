import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateBundle, modelId } from '../../workers/models/bundle/index.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { LoadedModel } from '../../workers/models/chain/model-stage.ts';
import { runBacktest, type BacktestConfig } from '../../workers/backtest/run-backtest.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import { ReplayFeed } from '../../workers/market/feed.ts';
import { KNOWN_INSTRUMENTS } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT, DEMO_AGENT } from '../../workers/engine/demo.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { bundled } from '../helpers/bundled.ts';

const loaded: LoadedModel[] = [];
async function load(role: 'alpha' | 'risk' | 'guard'): Promise<LoadedModel> {
  const dir = fileURLToPath(new URL(`../../public/models/demo/${role}/`, import.meta.url));
  const bytes = new Uint8Array(readFileSync(dir + 'model.onnx'));
  const report = await validateBundle(bytes, readFileSync(dir + 'manifest.json', 'utf8'));
  expect(report.problems).toEqual([]);
  const m = { id: modelId(report.manifest!), manifest: report.manifest!, session: await createOrtSession(bytes) };
  loaded.push(m);
  return m;
}
afterAll(async () => {
  for (const m of loaded) await m.session.release();
});

describe('the demo bundles as an agent', () => {
  it('a backtest and a paced replay of the real EURUSD bars give identical decisions with all three models', async () => {
    const [alpha, risk, guard] = [await load('alpha'), await load('risk'), await load('guard')];
    const models = (id: string) => loaded.find((m) => m.id === id)!;
    const series = bundled('EURUSD');
    const agent = { ...DEMO_AGENT, alpha: { kind: 'model' as const, modelId: alpha.id }, riskModel: risk.id, guardModel: guard.id, trailAtr: null, chain: { minConfidence: 0.4, guardThreshold: 0.41, bounds: { slMult: [0.5, 5] as [number, number], tpMult: [0.5, 10] as [number, number], size: [0, 1] as [number, number] } } };
    const cfg: BacktestConfig = { series: [series], agent, initialCash: DEMO_ACCOUNT.initialCash, leverage: DEMO_ACCOUNT.leverage, costs: DEMO_ACCOUNT.costs, instrument: (s) => KNOWN_INSTRUMENTS[s], models };
    const bt = await runBacktest(cfg);

    const clock = new SimulatedClock(series.time[0]);
    const { engine, journal } = createPaperSession({ clock, initialCash: cfg.initialCash, leverage: cfg.leverage, costs: cfg.costs, instrument: cfg.instrument!, models });
    engine.addAgent({ ...agent, symbols: ['EURUSD'], timeframe: 'H1' });
    await new ReplayFeed([series], { speed: 1e6, clock, timers: { sleep: async () => {} } }).run((s, tf, b) => engine.onBar(s, tf, b), () => engine.endStep());

    const strip = (ev: readonly EngineEvent[]) => JSON.stringify(ev.filter((e) => e.type !== 'agent.status'));
    expect(strip(journal.events)).toBe(strip(bt.events));
    const decisions = bt.events.flatMap((e) => (e.type === 'decision' ? [e.payload] : []));
    expect(decisions.length).toBe(series.time.length);
    const entries = decisions.filter((d) => d.action === 'enter' || d.action === 'reverse');
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(Object.keys(e.models!).sort()).toEqual(['alpha', 'guard', 'risk']);
    expect(decisions.some((d) => d.reason.startsWith('skipped: blocked by TradeGuard'))).toBe(true);
  });
});
