import type { InstrumentSpec } from '../market/instrument.ts';
import { PaperBroker } from '../brokers/paper/paper-broker.ts';
import type { CostModel } from '../market/costs.ts';
import type { Clock } from '../trading/clock.ts';
import { Engine } from './engine.ts';
import { EventJournal } from './journal.ts';
import type { LoadedModel } from '../models/chain/model-stage.ts';
import type { RiskConfig } from '../risk/limits.ts';

export interface PaperSessionConfig {
  clock: Clock;
  initialCash: number;
  leverage: number;
  costs: CostModel;
  instrument: (symbol: string) => InstrumentSpec;
  /** Keep every event in memory (backtests) or only pass them to listeners (long runs that persist). */
  retainEvents?: boolean;
  /** Loaded model bundles by id, for agents that run models. */
  models?: (id: string) => LoadedModel;
  /** Decisions carry each bar's trade and account context (AgentDeps.recordContext). */
  recordContext?: boolean;
  /** The account's risk limits (absent: every rule off). */
  risk?: RiskConfig;
  /** 'trades': only orders, fills, positions and risk events are recorded, no decisions (EventJournal's `decisions`). */
  record?: 'all' | 'trades';
}

/** An engine wired to a paper account: what backtests, replays and the demo all run. */
export function createPaperSession(cfg: PaperSessionConfig): { engine: Engine; broker: PaperBroker; journal: EventJournal } {
  const journal = new EventJournal({ retain: cfg.retainEvents ?? true, decisions: cfg.record !== 'trades' });
  const broker = new PaperBroker(
    { initialCash: cfg.initialCash, leverage: cfg.leverage, costs: cfg.costs, instrument: cfg.instrument, now: () => cfg.clock.now() },
    (e) => journal.append(e),
  );
  const engine = new Engine({ clock: cfg.clock, broker, journal, instrument: cfg.instrument, models: cfg.models, recordContext: cfg.recordContext, risk: cfg.risk });
  return { engine, broker, journal };
}
