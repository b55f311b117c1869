import { parseArgs } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statSync } from 'node:fs';
import { loadConfig, type RelayConfig } from '../config/config.ts';
import { mergeEnv, readEnvFile } from '../config/env-file.ts';
import { configSecrets, createRedactor, describeConfig } from '../config/redact.ts';
import { createRotatingLog } from '../ops/log.ts';
import { tightenDataDir, usePrivateUmask } from '../ops/file-modes.ts';
import { buildPwa, pwaNeedsBuild } from '../ops/pwa-build.ts';
import { startRelay } from '../ops/start-relay.ts';
import { Metrics } from '../server/metrics.ts';
import { barCloseToWire } from '../server/trading-metrics.ts';
import { openLiveWorkspace } from '../ops/live-workspace.ts';
import { openRelayTokens, type RelayTokens } from '../ctrader/relay-tokens.ts';
import { openSqliteStore, type SqliteEngineStore } from '../store/sqlite-store.ts';
import { WorkspaceHost } from '../../workers/host/workspace-host.ts';
import { demoSeed } from '../../workers/host/demo-workspace.ts';
import { loadModelNode, loadStoredModel, publicFiles } from '../host/node-host.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { UserError } from './load-bars.ts';

type Log = (s: string) => void;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `tradeguard serve`: the relay. Builds the PWA when it is stale, opens the
 * SQLite workspace in the data dir (the demo on first start), runs it headless
 * and serves the PWA, the API and the stream until SIGTERM or SIGINT, which
 * stop it cleanly: decisions first, then writes, sockets, the database.
 */
export async function serveCommand(argv: string[], log: Log): Promise<number> {
  // Before anything touches the data dir (loadConfig creates it): what the relay writes is its user's alone.
  usePrivateUmask();
  const { values: o } = parseArgs({
    args: argv,
    options: {
      'env-file': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'replay-speed': { type: 'string' },
      'no-build': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const envPath = resolve(o['env-file'] ?? '.env');
  const file = readEnvFile(envPath);
  if (o['env-file'] && !file.found) throw new UserError(`--env-file ${envPath}: no such file`);
  const env = mergeEnv(file.vars, process.env);
  // Flags beat the environment, which beats the .env file.
  if (o.host) env.TG_HOST = o.host;
  if (o.port) env.TG_PORT = o.port;
  if (o['data-dir']) env.TG_DATA_DIR = o['data-dir'];
  if (o['replay-speed']) env.TG_REPLAY_SPEED = o['replay-speed'];
  const result = loadConfig(env);
  if (!result.ok) throw new UserError(`the configuration has ${result.problems.length} problem${result.problems.length > 1 ? 's' : ''}${file.found ? ` (${envPath} and the environment)` : ''}:\n  ${result.problems.join('\n  ')}`);
  const config = result.config;
  log(`TradeGuard relay${file.found ? ` (settings from ${envPath} and the environment)` : ''}`);
  for (const line of describeConfig(config)) log(`  ${line}`);
  for (const n of result.notes) log(`  note: ${n}`);

  const staticDir = preparePwa(o['no-build'] === true, log);

  const tightened = tightenDataDir(config.dataDir);
  let sessionSecrets: () => string[] = () => [];
  const redact = createRedactor(() => [...configSecrets(config), ...sessionSecrets()]);
  const logger = createRotatingLog({ dir: join(config.dataDir, 'logs'), maxBytes: config.log.maxBytes, files: config.log.files, level: config.log.level, redact });
  if (tightened.length) {
    logger.warn('data dir was readable by others: permissions tightened', { changed: tightened });
    log(`  note: the data dir was readable by other users; made it 0700 and its files 0600 (${tightened.length} changed, listed in the log)`);
  }
  // The live workspace keeps its own record: demo replays and real trades never share a journal.
  const dbFile = join(config.dataDir, config.workspace === 'live' ? 'tradeguard-live.sqlite' : 'tradeguard.sqlite');
  let store: SqliteEngineStore;
  try {
    store = openSqliteStore(dbFile);
  } catch (e) {
    logger.error('database refused', { file: dbFile, error: e });
    logger.close();
    throw new UserError(`cannot open the database: ${(e as Error).message}`);
  }
  log(`  database      ${dbFile}`);
  // One grant, one refresher: the Settings connection and the live workspace share it (refresh tokens are single-use).
  let ctraderTokens: RelayTokens;
  try {
    ctraderTokens = await openRelayTokens({ config, store, log: (level, message) => logger.log(level, `ctrader: ${message}`) });
  } catch (e) {
    store.close();
    logger.error('token key refused', { error: e });
    logger.close();
    throw new UserError(`cannot open the key for broker tokens: ${(e as Error).message}`);
  }
  log(`  token key     ${ctraderTokens.keyText}`);

  // One set of metrics for the relay and the workspace it serves (the live transport times orders on the wire).
  const metrics = new Metrics();
  const host =
    config.workspace === 'live'
      ? await openLiveWorkspace({ config, store, tokens: ctraderTokens, log: (level, message) => logger.log(level, `live: ${message}`), orderOnWire: barCloseToWire(metrics) })
      : await WorkspaceHost.open({
          store,
          timers: wallClock,
          wallClock,
          owner: 'relay',
          loadModel: loadModelNode,
          seed: () => demoSeed(publicFiles(), Date.now()),
          replaySpeed: config.replaySpeed,
          log: (line) => logger.info(line),
        });
  const relay = await startRelay({
    config,
    store,
    host,
    metrics,
    log: logger,
    staticDir,
    loadModel: loadStoredModel(store.models),
    database: () => databaseHealth(store),
    ctraderTokens,
  }).catch(async (e: NodeJS.ErrnoException) => {
    await host.stop();
    ctraderTokens.manager?.stop();
    store.close();
    logger.error('listen failed', { error: e });
    logger.close();
    if (e.code === 'EADDRINUSE') throw new UserError(`${config.host}:${config.port} is already in use (another relay?); stop it, or set TG_PORT / --port`);
    if (e.code === 'EADDRNOTAVAIL') throw new UserError(`TG_HOST ${config.host} is not an address of this machine`);
    throw e;
  });
  sessionSecrets = () => relay.deps.sessions.secrets();
  // A live workspace starts once cTrader answers, which may take long (cTrader unreachable, maintenance):
  // the API and the login link are served meanwhile, and the status shows the broker connecting.
  const starting = host.start();
  if (config.workspace !== 'live') await starting;
  const status = await host.status();
  logger.info('workspace started', { feed: status.feed.state, lastSeq: status.lastSeq, agents: status.agents.length });
  log(`  workspace     ${status.feed.state}: ${status.feed.message}`);
  if (config.workspace === 'live') log(`  broker        ${status.broker.name}: ${status.broker.connected ? 'connected' : (status.broker.message ?? 'not connected')}`);
  log('');
  log(`Open ${relay.url}/#login=${relay.oneTimeToken}`);
  log(`  (a one-time login link: it works once, within 24 hours${config.relayToken ? '; the relay token from TG_RELAY_TOKEN also logs in' : ''}). Ctrl+C stops.`);

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`\n${signal}: stopping (finishing the current step, then closing sockets and the database)...`);
      logger.info('shutdown', { signal });
      let code = 0;
      try {
        await host.stop();
        await relay.close();
        ctraderTokens.manager?.stop();
      } catch (e) {
        code = 1;
        logger.error('shutdown failed', { error: e });
      }
      store.close();
      logger.info('stopped');
      logger.close();
      log('Stopped.');
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      // Anything still holding the event loop (a model runtime's threads) must not keep a stopped relay alive.
      setTimeout(() => process.exit(code), 3000).unref();
      done(code);
    };
    const onTerm = () => void stop('SIGTERM');
    const onInt = () => void stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}

function preparePwa(skip: boolean, log: Log): string | null {
  const dist = join(ROOT, 'dist');
  const has = () => {
    try {
      return statSync(join(dist, 'index.html')).isFile();
    } catch {
      return false;
    }
  };
  if (skip) {
    log(`  PWA           ${has() ? 'dist/ as it is (--no-build)' : 'not built (--no-build): serving the API only'}`);
    return has() ? dist : null;
  }
  const need = pwaNeedsBuild(ROOT);
  if (!need.build) {
    log(`  PWA           ${need.why}`);
    return has() ? dist : null;
  }
  log(`  PWA           ${need.why}: building it with vite...`);
  if (!buildPwa(ROOT, log)) {
    log(`  PWA           the build failed (above); ${has() ? 'serving the previous dist/' : 'serving the API only'}`);
    return has() ? dist : null;
  }
  log('  PWA           built into dist/');
  return dist;
}

function databaseHealth(store: SqliteEngineStore): { ok: boolean; detail: string } {
  // A cheap read, not an integrity check: this runs on every health probe.
  const row = store.db.prepare('SELECT max(seq) AS seq FROM events').get() as { seq: number | null };
  const size = statSync(store.file).size;
  return { ok: true, detail: `${store.file}: ${row.seq ?? 0} events, ${(size / 1024 / 1024).toFixed(1)} MB` };
}

export type { RelayConfig };
