import { backtestCommand } from './commands-backtest.ts';
import { featuresCommand, importCommand, indicatorsCommand } from './commands-data.ts';
import { replayCommand } from './commands-replay.ts';
import { modelsCommand } from './commands-models.ts';
import { UserError } from './load-bars.ts';
import { ownEntry } from '../../workers/util/own.ts';
import { printable } from './format.ts';

const HELP = `tradeguard: TradeGuard's command line

  tradeguard import      --data F.csv [--symbol S] [--timeframe TF] [--skip-bad-rows] [--out clean.csv]
  tradeguard indicators  --data F.csv --out F.csv [--set ema:9,rsi:14,macd:12:26:9,bb:20:2,stoch:14:3:3,adx:14]
  tradeguard features    --spec risk-obs-v1 --data F.csv --out F.csv
  tradeguard backtest    [--data F.csv] [--strategy sma-cross] [--fast 10] [--slow 20] [--long-only]
                         [--size UNITS | --risk PCT] [--sl-atr K] [--tp-atr K] [--trail-atr K] [--max-position PCT]
                         [--commission FRACTION | --commission-per-lot MONEY] [--spread-pips P] [--slippage-pips P]
                         [--cash N] [--leverage N] [--trades F.csv] [--equity F.csv] [--json]
                         [--alpha BUNDLE] [--risk BUNDLE] [--guard BUNDLE] [--min-confidence P] [--guard-threshold P]
                         (--risk takes a number as risk % per trade, a folder as a risk model bundle)
  tradeguard replay      [--speed N] [same agent options as backtest]
  tradeguard serve       [--env-file .env] [--host H] [--port N] [--data-dir DIR] [--replay-speed N] [--no-build]
                         (the relay: PWA, API, stream and the workspace run headless; settings in docs/RELAY.md)
  tradeguard models      validate --model F.onnx --manifest F.json [--json]
  tradeguard models      import --model F.onnx --manifest F.json [--dir DIR] [--replace] | list [--dir DIR] [--json]

--data defaults to the bundled real EURUSD hourly bars. Times are UTC.`;

type Command = (argv: string[], log: (s: string) => void) => number | Promise<number>;
const COMMANDS: Record<string, Command> = {
  import: importCommand,
  indicators: indicatorsCommand,
  features: featuresCommand,
  backtest: backtestCommand,
  replay: replayCommand,
  // Loaded on use: the relay pulls in SQLite and the server, which other commands do not need.
  serve: async (argv, log) => (await import('./commands-serve.ts')).serveCommand(argv, log),
  models: modelsCommand,
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
