import { chainWithDeclared, thresholdLine } from './chain-defaults.ts';
import type { ModelRole } from '../../workers/models/bundle/manifest.ts';
import { parseArgs } from 'node:util';
import { SimulatedClock } from '../../workers/trading/clock.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { createPaperSession } from '../../workers/engine/paper-session.ts';
import { ReplayFeed } from '../../workers/market/feed.ts';
import { guessInstrument } from '../../workers/market/instrument.ts';
import { DEMO_ACCOUNT, DEMO_AGENT, demoReplayBars } from '../../workers/engine/demo.ts';
import { agentConfigProblems, type AgentConfig } from '../../workers/engine/agent-config.ts';
import type { EngineEvent } from '../../workers/trading/events.ts';
import { agentFromOptions, agentName, agentOptions } from './agent-options.ts';
import { barAt, sliceSeries } from '../../workers/market/bar.ts';
import { lowerBound } from '../../workers/market/merge.ts';
import { DEFAULT_DATA, loadBars, UserError } from './load-bars.ts';
import { loadChain } from './load-models.ts';
import { money, num, units, utc } from './format.ts';
import { riskFromOptions, riskOptions } from './risk-options.ts';

type Log = (s: string) => void;

/**
 * `tradeguard replay [--speed N] [agent options]`: a paper agent trading stored
 * bars paced like live (N times real time), printing fills and the account as it
 * goes. With no agent options it runs the demo agent. With no --data it plays what
 * the demo plays: the bundled EURUSD bars from DEMO_HELD_OUT_FROM on, which the demo
 * models were not trained on.
 */
export async function replayCommand(argv: string[], log: Log): Promise<number> {
  const { values: o } = parseArgs({ args: argv, options: { ...agentOptions, ...riskOptions, speed: { type: 'string', default: '72000' }, 'max-wait-ms': { type: 'string', default: '250' } }, strict: true });
  const speed = Number(o.speed);
  if (!(speed > 0)) throw new UserError(`--speed must be a positive number (times real time), got "${o.speed}"`);
  const custom = argv.some((a) => /^--(strategy|fast|slow|long-only|size|risk|risk-model|alpha|guard|min-confidence|guard-threshold|sl-atr|tp-atr|trail-atr|commission|commission-per-lot|spread-pips|slippage-pips|cash|leverage|max-position)/.test(a));
  const file = loadBars({ data: o.data, symbol: o.symbol, timeframe: o.timeframe, skipBadRows: o['skip-bad-rows'] }, log);
  const x = agentFromOptions(o);
  const risk = riskFromOptions(o);
  // --from/--to pick the bars played; the bars before --from warm the agent up (no decision, no order).
  const period = x.from !== undefined || x.to !== undefined;
  const whole = o.data === undefined && !period ? demoReplayBars(file) : file;
  const first = x.from === undefined ? 0 : lowerBound(whole.time, x.from);
  const series = period ? sliceSeries(whole, first, x.to === undefined ? whole.time.length : lowerBound(whole.time, x.to + 1)) : whole;
  if (series.time.length === 0) throw new UserError(`no bars between ${o.from ?? 'the start'} and ${o.to ?? 'the end'} in ${o.data ?? 'the bundled data'}`);
  let agent: AgentConfig;
  let account: { initialCash: number; leverage: number; costs: typeof DEMO_ACCOUNT.costs | ReturnType<typeof agentFromOptions>['costs'] };
  const chain = await loadChain({ alpha: o.alpha, risk: x.riskBundle, guard: o.guard, modelsDir: o['models-dir'] });
  for (const w of chain.warnings) log(`warning: ${w}`);
  if (custom) {
    // As in backtest: the bundles' calibrated thresholds are the defaults, an option typed wins (chain-defaults.ts).
    const attached: Partial<Record<ModelRole, ReturnType<typeof chain.models>>> = {};
    for (const role of ['alpha', 'risk', 'guard'] as const) if (chain.identities[role]) attached[role] = chain.models(chain.identities[role]!.id);
    const thresholds = chainWithDeclared(x.agent.chain!, { minConfidence: o['min-confidence'], guardThreshold: o['guard-threshold'] }, attached);
    const declared = [x.agent.alpha.kind === 'model' || chain.identities.alpha ? thresholdLine('minimum confidence', thresholds.chain.minConfidence, thresholds.from.minConfidence) : null, chain.identities.guard ? thresholdLine('guard threshold', thresholds.chain.guardThreshold, thresholds.from.guardThreshold) : null].filter((l) => l !== null);
    if (declared.length) log(`${declared.join('; ')} (--min-confidence / --guard-threshold to change)`);
    const withChain = { ...x.agent, chain: thresholds.chain };
    agent = { ...withChain, ...chain.attach, name: agentName({ ...withChain, ...chain.attach }, x.agent.name), id: 'replay', symbols: [series.symbol], timeframe: series.timeframe };
    account = { initialCash: x.cash, leverage: x.leverage, costs: x.costs };
  } else {
    agent = { ...DEMO_AGENT, ...chain.attach, symbols: [series.symbol], timeframe: series.timeframe };
    account = DEMO_ACCOUNT;
  }
  const problems = agentConfigProblems(agent);
  if (problems.length) throw new UserError(problems.join('; '));

  const spec = guessInstrument(series.symbol, series.close);
  const clock = new SimulatedClock(series.time[0]);
  const { engine, broker, journal } = createPaperSession({ clock, ...account, instrument: () => spec, retainEvents: false, models: chain.models, risk });
  engine.addAgent(agent);
  for (let i = 0; i < first; i++) engine.warmUp(whole.symbol, whole.timeframe, barAt(whole, i));
  if (whole !== file) log(`The bundled bars from ${utc(whole.time[0])} on: the part the demo models were not trained on (--data ${DEFAULT_DATA} replays the whole file).`);
  log(`Replaying ${series.time.length} ${series.symbol} ${series.timeframe} bars at ${units(speed)}x real time: agent "${agent.name}", paper account ${money(account.initialCash)}, leverage 1:${account.leverage}. Ctrl+C stops.`);

  let day = -1;
  journal.subscribe((e) => {
    const line = describeEvent(e);
    if (line) log(`${utc(e.time)}  ${line}`);
  });
  const feed = new ReplayFeed([series], { speed, clock, timers: wallClock, maxWaitMs: Number(o['max-wait-ms']) });
  const onSigint = () => feed.stop();
  process.once('SIGINT', onSigint);
  await feed.run((symbol, tf, bar) => {
    engine.onBar(symbol, tf, bar);
    const d = Math.floor(clock.now() / 86_400_000);
    if (d !== day) {
      day = d;
      const a = broker.account();
      log(`${utc(clock.now())}  ACCOUNT balance ${money(a.balanceCents / 100)}  equity ${money(a.equity)}  drawdown ${num(a.drawdown * 100)} %  margin used ${money(a.usedMargin)}  free ${money(a.freeMargin)}`);
    }
  }, () => engine.endStep());
  process.off('SIGINT', onSigint);
  await chain.release();
  const a = broker.account();
  log(`Replay ended at ${utc(clock.now())}: balance ${money(a.balanceCents / 100)}, equity ${money(a.equity)}, ${broker.positions().length} open position(s).`);
  return 0;
}

/** One line per trading event worth watching; decisions that hold stay quiet. */
function describeEvent(e: EngineEvent): string | null {
  switch (e.type) {
    case 'decision':
      return e.payload.action === 'hold' || e.payload.reason.startsWith('skipped: warming') ? null : `DECIDE  ${e.payload.symbol} ${e.payload.reason}`;
    case 'order.filled':
      return `FILL    ${e.payload.side === 1 ? 'BUY ' : 'SELL'} ${units(e.payload.volumeUnits)} ${e.payload.symbol} @ ${e.payload.price}  commission ${money(e.payload.commissionCents / 100)}`;
    case 'order.rejected':
      return `REJECT  ${e.payload.symbol} ${e.payload.reason}`;
    case 'position.amended':
      return `AMEND   ${e.payload.symbol} stop ${e.payload.previousStopLoss} -> ${e.payload.stopLoss} (${e.payload.why})`;
    case 'position.closed':
      return `CLOSE   ${e.payload.symbol} ${e.payload.side === 1 ? 'long' : 'short'} @ ${e.payload.exitPrice} (${e.payload.reason})  net P&L ${money(e.payload.netPnlCents / 100)}`;
    case 'agent.status':
      return `AGENT   ${e.agentId} ${e.payload.status}: ${e.payload.reason}`;
    case 'risk.state':
      return `RISK    ${e.payload.scope === 'account' ? 'account' : `agent ${e.agentId}`} ${e.payload.previous} -> ${e.payload.state} by ${e.payload.by} (${e.payload.code}): ${e.payload.reason}${e.payload.resumeAt !== null ? `; resumes ${utc(e.payload.resumeAt)}` : ''}`;
    case 'risk.lock':
      return `LOCK    ${e.payload.scope} ${e.payload.target} by ${e.payload.rule} (${e.payload.code}) until ${utc(e.payload.until)}: ${e.payload.reason}`;
    case 'risk.notice':
      return `NOTICE  ${e.payload.code}: ${e.payload.message}`;
    default:
      return null;
  }
}
