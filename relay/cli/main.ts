import { UserError } from './user-error.ts';
import { ownEntry } from '../../workers/util/own.ts';
import { printable } from './format.ts';

const HELP = `tradeguard: TradeGuard's command line

  tradeguard import      --data F.csv [--symbol S] [--timeframe TF] [--skip-bad-rows] [--out clean.csv]
  tradeguard indicators  --data F.csv --out F.csv [--set ema:9,rsi:14,macd:12:26:9,bb:20:2,stoch:14:3:3,adx:14]
  tradeguard features    --spec risk-obs-v1|my-features.json --data F.csv --out F.csv [--with-context [agent options] [--direction none|long|short]]
                         (--with-context: the ctx_* columns as the engine fed them in a backtest of the agent the options describe)
  tradeguard backtest    [--data F.csv] [--from DATE] [--to DATE] [--strategy sma-cross] [--fast 10] [--slow 20] [--long-only]
                         [--cell FILE] (a strategy-lab program instead of --strategy; its own stop/target/trail apply; docs/LANGUAGE.md)
                         [--size UNITS | --risk PCT] [--sl-atr K] [--tp-atr K] [--trail-atr K] [--max-position PCT]
                         [--commission FRACTION | --commission-per-lot MONEY] [--spread-pips P] [--slippage-pips P]
                         [--cash N] [--leverage N] [--trades F.csv] [--equity F.csv] [--decisions F.csv] [--json]
                         [--record all|trades] (all: every decision too; the default only with --decisions or --dataset)
                         [--save [--backtests-dir DIR]] (store the run: .tradeguard/backtests/<id>.json by default)
                         [--dataset F.csv] (with models: each entry's feature vectors and outcome, as \`tradeguard dataset\` writes them)
                         [--alpha MODEL] [--risk-model MODEL] [--guard MODEL] [--models-dir DIR] [--min-confidence P] [--guard-threshold P]
                         [--schedule every-bar | daily@HH:MM[/Area/City]] (daily: D1 bars, once a day, orders at the next open; docs/ENGINE.md)
                         [--max-daily-loss PCT] [--max-drawdown PCT] [--max-open N] [--max-losses N] [--risk-config F.json]
                         (risk limits as live trading enforces them, every rule off unless given; prints what each rule refused
                         and every trading state change; --risk-config: a RiskConfig, limits it leaves out are off; docs/RISK.md)
                         (--risk PCT: % of equity risked per trade, scaled by a risk model's size; MODEL: a bundle folder or a
                         registry id such as alpha:my-alpha@1.0.0 from --models-dir, default .tradeguard/models; --from/--to:
                         YYYY-MM-DD[ HH:mm] UTC, earlier bars only warm up; exit code 3 when an agent stopped deciding;
                         --min-confidence/--guard-threshold default to the thresholds the bundles' manifests declare)
  tradeguard cells       check FILE [--json] (errors and warnings at line and column; exit 2 on an error)
                         | list [--data-dir DIR] [--workspace demo|live] [--json] (the relay's cells with lineage and status)
                         | evolve --parent ID|FILE --seed S [--population N] [--generations G] [--keep K] [--fitness F]
                           [--in-sample FROM..TO] [--out-of-sample FROM..TO] (breeds cells; cells evolve --help)
  tradeguard backtests   list [--dir DIR] [--json] | show ID [--dir DIR] [--models-dir DIR] [--json]
  tradeguard dataset     --agent ID [--from DATE] [--to DATE] --out F.csv [--data-dir DIR] [--workspace demo|live]
                         (an agent's entries with the feature vectors its models read and the trades' outcomes, from the
                         relay's record in --data-dir, default ./data; for retraining: models/README.md)
  tradeguard replay      [--speed N] [--from DATE] [--to DATE] [same agent and risk options as backtest]
  tradeguard serve       [--env-file .env] [--host H] [--port N] [--data-dir DIR] [--replay-speed N] [--no-build]
                         (the relay: PWA, API, stream and the workspace run headless; settings in docs/RELAY.md)
  tradeguard models      validate --model F.onnx --manifest F.json [--json]
  tradeguard models      import --model F.onnx --manifest F.json [--dir DIR] [--replace] | list [--dir DIR] [--json]
  tradeguard ibkr        check [--host H] [--port P] [--client-id N] [--symbol S [--sec-type STK|CASH|FUT] [--exchange X] [--currency C]]
                         (connects to TWS or IB Gateway: server version, accounts, market data type, the contract's details)

--data defaults to the bundled real EURUSD hourly bars. Times are UTC.`;

type Command = (argv: string[], log: (s: string) => void) => number | Promise<number>;
// Each command's modules load when it runs: a backtest without models never pays for onnxruntime, the
// brokers' protocols or SQLite, and --help loads none of them.
const COMMANDS: Record<string, Command> = {
  import: async (argv, log) => (await import('./commands-data.ts')).importCommand(argv, log),
  indicators: async (argv, log) => (await import('./commands-data.ts')).indicatorsCommand(argv, log),
  features: async (argv, log) => (await import('./commands-data.ts')).featuresCommand(argv, log),
  backtest: async (argv, log) => (await import('./commands-backtest.ts')).backtestCommand(argv, log),
  backtests: async (argv, log) => (await import('./commands-backtests.ts')).backtestsCommand(argv, log),
  dataset: async (argv, log) => (await import('./commands-dataset.ts')).datasetCommand(argv, log),
  replay: async (argv, log) => (await import('./commands-replay.ts')).replayCommand(argv, log),
  serve: async (argv, log) => (await import('./commands-serve.ts')).serveCommand(argv, log),
  models: async (argv, log) => (await import('./commands-models.ts')).modelsCommand(argv, log),
  ibkr: async (argv, log) => (await import('./commands-ibkr.ts')).ibkrCommand(argv, log),
  cells: async (argv, log) => (await import('./commands-cells.ts')).cellsCommand(argv, log),
};

/**
 * Runs one command; returns the exit code. User errors print one clear line, not a stack trace.
 * Everything printed passes `printable`: messages echo file names, symbols and rows from files.
 */
export async function main(argv: string[], logRaw: (s: string) => void = (s) => console.log(s), errRaw: (s: string) => void = (s) => console.error(s)): Promise<number> {
  const log = (s: string) => logRaw(printable(s));
  const err = (s: string) => errRaw(printable(s));
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    log(HELP);
    return 0;
  }
  const cmd = ownEntry(COMMANDS, name);
  if (!cmd) {
    err(`unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await cmd(rest, log);
  } catch (e) {
    // Option parsing errors (node:util) and our own refusals are the user's to fix: one line each.
    if (e instanceof UserError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || e instanceof Error) {
      err(`tradeguard ${name}: ${(e as Error).message}`);
      return e instanceof UserError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
    }
    throw e;
  }
}
