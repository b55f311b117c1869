import type { BarSeries } from '../market/bar.ts';
import { describeImport, importBarsCsv } from '../market/csv.ts';
import { resample } from '../market/resample.ts';
import type { WorkspaceInit } from './api.ts';
import { DEMO_ACCOUNT, DEMO_AGENT, demoReplayBars } from '../engine/demo.ts';
import { modelId, validateBundle } from '../models/bundle/index.ts';
import type { StoredModel } from '../models/bundle/registry.ts';
import { DEFAULT_CHAIN } from '../models/chain/chain-policy.ts';
import type { WorkspaceCommand } from './api.ts';
import { DEFAULT_RISK_CONFIG } from '../risk/limits.ts';

/** What an empty store is filled with before a host first runs it. */
export interface WorkspaceSeed {
  bars: BarSeries[];
  models: StoredModel[];
  init: WorkspaceInit;
  /** Applied before the first bar, recorded like any user command. */
  commands: WorkspaceCommand[];
}

/** Reads a file of the project's public/ folder: fetch in the browser, the file system on the relay. */
export interface PublicFiles {
  text(path: string): Promise<string>;
  bytes(path: string): Promise<Uint8Array>;
}

export const DEMO_MODEL_ROLES = ['alpha', 'risk', 'guard'] as const;

/**
 * The embedded default: a paper account replaying the later part of the bundled
 * EURUSD hourly bars, the part the demo models were not trained on
 * (DEMO_HELD_OUT_FROM on; H4 and D1 resampled from it, so agents on those
 * timeframes can join), the demo model bundles, and two demo agents: the SMA
 * cross and the full Alpha -> Risk -> TradeGuard chain of the demo models.
 * Only those bars are stored: a backtest in the demo workspace stays out-of-sample too.
 */
export async function demoSeed(files: PublicFiles, now: number): Promise<WorkspaceSeed> {
  const csv = importBarsCsv(await files.text('data/EURUSD.csv'), { symbol: 'EURUSD' });
  if (!csv.ok || !csv.series) throw new Error(`the bundled data/EURUSD.csv did not import: ${describeImport(csv.report)}`);
  const h1 = demoReplayBars(csv.series);
  const bars = [h1, resample(h1, 'H4'), resample(h1, 'D1')];

  const models: StoredModel[] = [];
  for (const role of DEMO_MODEL_ROLES) {
    const bytes = await files.bytes(`models/demo/${role}/model.onnx`);
    const report = await validateBundle(bytes, await files.text(`models/demo/${role}/manifest.json`));
    if (!report.ok || !report.manifest) throw new Error(`the demo ${role} bundle is not valid: ${report.problems.join('; ')}`);
    models.push({ id: modelId(report.manifest), manifest: report.manifest, bytes, importedAt: now });
  }
  const [alpha, risk, guard] = models.map((m) => m.id);

  return {
    bars,
    models,
    init: { kind: 'workspace.init', account: DEMO_ACCOUNT, feed: { kind: 'replay', series: bars.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe })) }, risk: DEFAULT_RISK_CONFIG },
    commands: [
      { kind: 'agent.create', config: DEMO_AGENT },
      {
        kind: 'agent.create',
        config: {
          ...DEMO_AGENT,
          id: 'demo-chain',
          name: 'Demo model chain',
          alpha: { kind: 'model', modelId: alpha },
          riskModel: risk,
          guardModel: guard,
          // The demo guard is calibrated around the 41% base win rate and the alpha's classes are close calls: 0.5 would block nearly everything.
          chain: { ...DEFAULT_CHAIN, minConfidence: 0.4, guardThreshold: 0.41 },
        },
      },
    ],
  };
}
