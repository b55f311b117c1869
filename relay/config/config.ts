import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { CTRADER_DEFAULTS, CTRADER_ENV_VARS, ctraderEndpoints, hostPortText, type CTraderEndpoints } from './ctrader-endpoints.ts';
import { IBKR_DEFAULTS, IBKR_ENV_VARS, ibkrHostProblem, ibkrSettings, type IbkrSettings } from './ibkr-settings.ts';
import { parseIdList } from '../telegram/allow-list.ts';
import { discordWebhookProblem } from '../notify/discord.ts';
import { LOG_LEVELS, type LogLevel } from '../ops/log.ts';

/** Everything the relay reads from its environment, validated. */
export interface RelayConfig {
  host: string;
  port: number;
  dataDir: string;
  /** A long-lived login secret (>= 32 chars); null = only the one-time token printed at start. */
  relayToken: string | null;
  /** The origin users reach the relay at through a reverse proxy (https://trade.example.com); also allowed for CORS and sockets. */
  publicOrigin: string | null;
  /**
   * Proxies of yours in front of the relay (0: none). The client address is the
   * X-Forwarded-For entry this many from the right: each proxy appends the
   * address it saw, so entries further left are whatever the client wrote.
   */
  trustProxyHops: number;
  sessionTtlMs: number;
  replaySpeed: number;
  pollIntervalMs: number;
  /** The relay log: rotation, and the least severe level written (TG_LOG_LEVEL). */
  log: { maxBytes: number; files: number; level: LogLevel };
  /** host:port pairs the socket tunnel may reach. */
  tunnelAllow: string[];
  maxUploadBytes: number;
  ctrader: { clientId: string; clientSecret: string } | null;
  /** Where cTrader is reached: Spotware's servers unless TG_CTRADER_*_HOST / _URL / _CA_FILE say otherwise. */
  ctraderEndpoints: CTraderEndpoints;
  /** The bot, when TG_TELEGRAM_BOT_TOKEN is set: the chats it answers and sends alerts to, and in groups the users it answers. */
  telegram: { botToken: string; chatIds: number[]; userIds: number[]; apiRoot: string } | null;
  /** TG_DISCORD_WEBHOOK_URL: a second alert channel. A secret (the URL holds the webhook's token). */
  discordWebhookUrl: string | null;
  /** What the relay runs: the demo replay, or agents on the cTrader account chosen in Settings. */
  workspace: 'demo' | 'live';
  /** TWS or IB Gateway (TG_IBKR_*): `tradeguard ibkr check`'s defaults, Settings > Interactive Brokers' before it is saved, and a tunnel allow-list entry. */
  ibkr: IbkrSettings;
}

export const MIN_RELAY_TOKEN_LENGTH = 32;

/** Telegram's own Bot API server (grammY's default too). */
export const TELEGRAM_API_ROOT = 'https://api.telegram.org';

/** More proxies than this in a row is a misconfiguration, not a deployment. */
export const MAX_PROXY_HOPS = 10;

export const DEFAULT_TUNNEL_ALLOW = [hostPortText(CTRADER_DEFAULTS.demo), hostPortText(CTRADER_DEFAULTS.live), `${IBKR_DEFAULTS.host}:${IBKR_DEFAULTS.port}`];

/** The variables, their defaults and what they mean: .env.example and docs/RELAY.md say the same. */
export const ENV_VARS = {
  TG_HOST: 'bind address (127.0.0.1; 0.0.0.0 only inside a container or behind a firewall)',
  TG_PORT: 'port (8787)',
  TG_DATA_DIR: 'SQLite database, logs (./data)',
  TG_RELAY_TOKEN: `long-lived login token, at least ${MIN_RELAY_TOKEN_LENGTH} characters (none)`,
  TG_PUBLIC_ORIGIN: 'https://host the relay is reached at behind a TLS proxy (none)',
  TG_TRUST_PROXY: `the number of your proxies in front of the relay, 0 to ${MAX_PROXY_HOPS} (0); the client address is that many X-Forwarded-For entries from the right`,
  TG_SESSION_TTL_HOURS: 'session lifetime (24)',
  TG_REPLAY_SPEED: 'demo replay pace, x real time (3600)',
  TG_POLL_INTERVAL_MS: 'account snapshot interval (60000)',
  TG_LOG_MAX_BYTES: 'log file size before rotation (10485760)',
  TG_LOG_FILES: 'rotated log files kept (5)',
  TG_LOG_LEVEL: `the least severe log level written: ${LOG_LEVELS.join(', ')} (info)`,
  TG_TUNNEL_ALLOW: `comma-separated host:port the tunnel may reach (${DEFAULT_TUNNEL_ALLOW.join(',')}, or the TG_CTRADER_*_HOST servers and TG_IBKR_HOST:TG_IBKR_PORT)`,
  TG_MAX_UPLOAD_MB: 'largest model upload or CSV import (64)',
  TG_CTRADER_CLIENT_ID: 'cTrader Open API application id (with the secret)',
  TG_CTRADER_CLIENT_SECRET: 'cTrader Open API application secret (with the id)',
  ...CTRADER_ENV_VARS,
  TG_TELEGRAM_BOT_TOKEN: 'Telegram bot token from @BotFather (with the chat id)',
  TG_TELEGRAM_CHAT_ID: 'Telegram chat ids the bot answers and alerts, comma-separated numbers, negative for groups (with the token)',
  TG_TELEGRAM_USER_IDS: 'in a group chat, the Telegram user ids that may command, comma-separated (none)',
  TG_TELEGRAM_API_ROOT: `a self-hosted Telegram Bot API server (${TELEGRAM_API_ROOT})`,
  TG_DISCORD_WEBHOOK_URL: 'Discord webhook URL that receives the same alerts (none)',
  TG_WORKSPACE: 'demo (the replay, default) or live (agents on the cTrader account chosen under Settings > cTrader)',
  ...IBKR_ENV_VARS,
} as const;

/** Names whose values are secrets: never printed, never logged. */
export const SECRET_VARS = ['TG_RELAY_TOKEN', 'TG_CTRADER_CLIENT_SECRET', 'TG_TELEGRAM_BOT_TOKEN', 'TG_DISCORD_WEBHOOK_URL'] as const;

export type ConfigResult = { ok: true; config: RelayConfig; notes: string[] } | { ok: false; problems: string[] };

/**
 * Reads and checks the relay's configuration. Every problem is listed at once
 * (fixing a .env one error per start is miserable); nothing is started.
 * `checkDataDir: false` skips the filesystem probe (pure tests).
 */
export function loadConfig(env: Record<string, string | undefined>, opts: { cwd?: string; checkDataDir?: boolean } = {}): ConfigResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const get = (k: keyof typeof ENV_VARS) => {
    const v = env[k]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (k: keyof typeof ENV_VARS, def: number, min: number, max: number): number => {
    const raw = get(k);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${k}: must be a whole number from ${min} to ${max}, got "${raw}"`);
      return def;
    }
    return n;
  };

  const host = get('TG_HOST') ?? '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0) problems.push(`TG_HOST: "${host}" is not an IP address (use 127.0.0.1, ::1, or 0.0.0.0 in a container)`);
  else if (!isLoopback(host)) notes.push(`TG_HOST=${host} listens beyond this machine: keep it behind a firewall, a container port mapped to 127.0.0.1, or a TLS proxy`);
  const port = int('TG_PORT', 8787, 0, 65535);

  const dataDir = resolve(opts.cwd ?? process.cwd(), get('TG_DATA_DIR') ?? './data');
  if (opts.checkDataDir !== false) {
    const why = dataDirProblem(dataDir);
    if (why) problems.push(`TG_DATA_DIR: ${dataDir} ${why}`);
  }

  const relayToken = get('TG_RELAY_TOKEN') ?? null;
  if (relayToken !== null && relayToken.length < MIN_RELAY_TOKEN_LENGTH) {
    problems.push(`TG_RELAY_TOKEN: must be at least ${MIN_RELAY_TOKEN_LENGTH} characters (it has ${relayToken.length}); make one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`);
  }

  let publicOrigin = get('TG_PUBLIC_ORIGIN') ?? null;
  if (publicOrigin !== null) {
    try {
      const u = new URL(publicOrigin);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)');
      if (u.pathname !== '/' || u.search || u.hash) problems.push(`TG_PUBLIC_ORIGIN: "${publicOrigin}" must be an origin only (scheme://host[:port]), no path`);
      publicOrigin = u.origin;
    } catch {
      problems.push(`TG_PUBLIC_ORIGIN: "${publicOrigin}" is not a URL like https://trade.example.com`);
    }
  }

  const trustProxyHops = proxyHops(get('TG_TRUST_PROXY'), problems);

  const sessionTtlMs = int('TG_SESSION_TTL_HOURS', 24, 1, 24 * 90) * 3_600_000;
  const speedRaw = get('TG_REPLAY_SPEED');
  const replaySpeed = speedRaw === undefined ? 3600 : Number(speedRaw);
  if (!(replaySpeed > 0) || !Number.isFinite(replaySpeed)) problems.push(`TG_REPLAY_SPEED: must be a positive number (times real time), got "${speedRaw}"`);
  const pollIntervalMs = int('TG_POLL_INTERVAL_MS', 60_000, 10, 86_400_000);
  const logLevel = get('TG_LOG_LEVEL')?.toLowerCase() ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`TG_LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')} (info when unset), got "${get('TG_LOG_LEVEL')}"`);
  const log = { maxBytes: int('TG_LOG_MAX_BYTES', 10 * 1024 * 1024, 1024, 2 ** 31), files: int('TG_LOG_FILES', 5, 1, 100), level: logLevel as LogLevel };
  const maxUploadBytes = int('TG_MAX_UPLOAD_MB', 64, 1, 1024) * 1024 * 1024;

  const ctraderAt = ctraderEndpoints(get, opts.cwd ?? process.cwd(), problems);
  const ibkr = ibkrSettings(get, problems);
  // By default the tunnel reaches the cTrader servers the relay itself uses, and TWS or IB Gateway where the relay would.
  const tunnelAllow = (get('TG_TUNNEL_ALLOW')?.split(',') ?? [hostPortText(ctraderAt.demo), hostPortText(ctraderAt.live), ...ibkrTunnelEntry(ibkr)]).map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const hp of tunnelAllow) {
    const m = /^([a-z0-9.-]+|\[[0-9a-f:]+\]):(\d{1,5})$/.exec(hp);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) problems.push(`TG_TUNNEL_ALLOW: "${hp}" is not host:port (e.g. demo.ctraderapi.com:5035)`);
  }

  const ctrader = pair(get('TG_CTRADER_CLIENT_ID'), get('TG_CTRADER_CLIENT_SECRET'), 'TG_CTRADER_CLIENT_ID', 'TG_CTRADER_CLIENT_SECRET', problems);
  if (ctrader) {
    if (!/^\d+_[A-Za-z0-9]{20,}$/.test(ctrader[0])) problems.push('TG_CTRADER_CLIENT_ID: not a cTrader Open API client id (digits, "_", then letters and digits; copy it from openapi.ctrader.com > Applications)');
    if (!/^[A-Za-z0-9]{20,}$/.test(ctrader[1])) problems.push('TG_CTRADER_CLIENT_SECRET: not a cTrader Open API secret (20+ letters and digits)');
  }
  const telegram = telegramConfig(get, problems);
  const discordWebhookUrl = get('TG_DISCORD_WEBHOOK_URL') ?? null;
  // The problem only: the URL itself holds the webhook's token.
  const discordProblem = discordWebhookUrl === null ? null : discordWebhookProblem(discordWebhookUrl);
  if (discordProblem) problems.push(`TG_DISCORD_WEBHOOK_URL: ${discordProblem}`);

  const workspace = get('TG_WORKSPACE') ?? 'demo';
  if (workspace !== 'demo' && workspace !== 'live') problems.push(`TG_WORKSPACE: must be demo or live, got "${workspace}"`);
  // A live workspace without a cTrader application may trade at Interactive Brokers; the workspace itself names what is missing.

  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    notes,
    config: {
      host,
      port,
      dataDir,
      relayToken,
      publicOrigin,
      trustProxyHops,
      sessionTtlMs,
      replaySpeed,
      pollIntervalMs,
      log,
      tunnelAllow,
      maxUploadBytes,
      ctrader: ctrader ? { clientId: ctrader[0], clientSecret: ctrader[1] } : null,
      ctraderEndpoints: ctraderAt,
      telegram,
      discordWebhookUrl,
      workspace: workspace as 'demo' | 'live',
      ibkr,
    },
  };
}

/** TG_TELEGRAM_*: the token and chat ids go together; user ids and the API root only mean something with them. */
function telegramConfig(get: (k: keyof typeof ENV_VARS) => string | undefined, problems: string[]): RelayConfig['telegram'] {
  const pairs = pair(get('TG_TELEGRAM_BOT_TOKEN'), get('TG_TELEGRAM_CHAT_ID'), 'TG_TELEGRAM_BOT_TOKEN', 'TG_TELEGRAM_CHAT_ID', problems);
  const userText = get('TG_TELEGRAM_USER_IDS');
  const rootText = get('TG_TELEGRAM_API_ROOT');
  if (!pairs) {
    for (const [k, v] of [['TG_TELEGRAM_USER_IDS', userText], ['TG_TELEGRAM_API_ROOT', rootText]] as const)
      if (v !== undefined && get('TG_TELEGRAM_BOT_TOKEN') === undefined) problems.push(`${k}: set without TG_TELEGRAM_BOT_TOKEN and TG_TELEGRAM_CHAT_ID (no bot runs without them)`);
    return null;
  }
  const [botToken, chatText] = pairs;
  let ok = true;
  const bad = (msg: string) => void ((ok = false), problems.push(msg));
  if (!/^\d{5,16}:[A-Za-z0-9_-]{30,}$/.test(botToken)) bad('TG_TELEGRAM_BOT_TOKEN: not a bot token (digits ":" 30+ characters, as @BotFather gives it)');
  const chats = parseIdList(chatText);
  for (const x of chats.invalid) bad(`TG_TELEGRAM_CHAT_ID: "${x}" is not a chat id (a number, negative for groups; message the bot and read the relay log for yours)`);
  if (chats.ids.length === 0 && chats.invalid.length === 0) bad('TG_TELEGRAM_CHAT_ID: no chat id in the list');
  const users = parseIdList(userText);
  for (const x of users.invalid) bad(`TG_TELEGRAM_USER_IDS: "${x}" is not a user id (a positive number)`);
  for (const x of users.ids) if (x <= 0) bad(`TG_TELEGRAM_USER_IDS: "${x}" is not a user id (a positive number)`);
  let apiRoot = TELEGRAM_API_ROOT;
  if (rootText !== undefined) {
    try {
      const u = new URL(rootText);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)');
      if (u.search || u.hash) bad(`TG_TELEGRAM_API_ROOT: "${rootText}" must not have a query or fragment`);
      apiRoot = `${u.origin}${u.pathname}`.replace(/\/+$/, '');
    } catch {
      bad(`TG_TELEGRAM_API_ROOT: "${rootText}" is not a URL like https://api.telegram.org or http://127.0.0.1:8081`);
    }
  }
  return ok ? { botToken, chatIds: chats.ids, userIds: users.ids, apiRoot } : null;
}

/** TG_TRUST_PROXY: 0 or false (no proxy), 1 or true (one proxy, as before), or how many proxies sit in front. */
function proxyHops(raw: string | undefined, problems: string[]): number {
  if (raw === undefined || raw === 'false') return 0;
  if (raw === 'true') return 1;
  const n = Number(raw);
  if (/^\d+$/.test(raw) && n <= MAX_PROXY_HOPS) return n;
  problems.push(`TG_TRUST_PROXY: must be the number of proxies in front of the relay, 0 (none, the default) to ${MAX_PROXY_HOPS}; 1 is one reverse proxy (Caddy, nginx) on this machine; got "${raw}"`);
  return 0;
}

function pair(a: string | undefined, b: string | undefined, an: string, bn: string, problems: string[]): [string, string] | null {
  if (a === undefined && b === undefined) return null;
  if (a === undefined || b === undefined) {
    problems.push(`${a === undefined ? an : bn}: missing; ${an} and ${bn} go together (set both or neither)`);
    return null;
  }
  return [a, b];
}

/** TG_IBKR_HOST:TG_IBKR_PORT as an allow-list entry; none when the host was refused (that problem is already listed). */
function ibkrTunnelEntry(at: IbkrSettings): string[] {
  if (ibkrHostProblem(at.host)) return [];
  return [`${isIP(at.host) === 6 ? `[${at.host}]` : at.host}:${at.port}`];
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function dataDirProblem(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'is not writable by this user' : code === 'ENOTDIR' || code === 'EEXIST' ? 'is not a directory' : `cannot be used: ${(e as Error).message}`;
  }
}
