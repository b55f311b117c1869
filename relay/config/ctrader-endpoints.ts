import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** A cTrader Open API server: host and protobuf port. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Where the relay reaches cTrader. Spotware's servers unless overridden: a
 * sandbox, a proxy in front of cTrader, or a test server on loopback.
 */
export interface CTraderEndpoints {
  demo: HostPort;
  live: HostPort;
  /** PEM of a private CA trusted besides the system's (TG_CTRADER_CA_FILE), for a proxy or test server's certificate. */
  ca: string | null;
  caFile: string | null;
  /** OAuth consent page and token endpoint. */
  authUrl: string;
  tokenUrl: string;
}

export const CTRADER_DEFAULTS = {
  demo: { host: 'demo.ctraderapi.com', port: 5035 },
  live: { host: 'live.ctraderapi.com', port: 5035 },
  authUrl: 'https://openapi.ctrader.com/apps/auth',
  tokenUrl: 'https://openapi.ctrader.com/apps/token',
} as const;

export const CTRADER_ENV_VARS = {
  TG_CTRADER_DEMO_HOST: `host:port of the cTrader demo server (${CTRADER_DEFAULTS.demo.host}:${CTRADER_DEFAULTS.demo.port}); for sandboxes, proxies and tests`,
  TG_CTRADER_LIVE_HOST: `host:port of the cTrader live server (${CTRADER_DEFAULTS.live.host}:${CTRADER_DEFAULTS.live.port})`,
  TG_CTRADER_CA_FILE: 'PEM file of a private CA to trust for the cTrader servers (none: the system CAs only)',
  TG_CTRADER_AUTH_URL: `cTrader OAuth consent page (${CTRADER_DEFAULTS.authUrl})`,
  TG_CTRADER_TOKEN_URL: `cTrader OAuth token endpoint (${CTRADER_DEFAULTS.tokenUrl})`,
} as const;

export function hostPortText(h: HostPort): string {
  return `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;
}

/** Reads the TG_CTRADER_* endpoint settings; each problem names its variable and what a good value looks like. */
export function ctraderEndpoints(get: (k: keyof typeof CTRADER_ENV_VARS) => string | undefined, cwd: string, problems: string[]): CTraderEndpoints {
  const server = (k: 'TG_CTRADER_DEMO_HOST' | 'TG_CTRADER_LIVE_HOST', def: HostPort): HostPort => {
    const raw = get(k);
    if (raw === undefined) return { ...def };
    const m = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(raw);
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535) {
      problems.push(`${k}: "${raw}" is not host:port (e.g. ${def.host}:${def.port}, 127.0.0.1:5035 or [::1]:5035)`);
      return { ...def };
    }
    return { host: (m[1] ?? m[2]).toLowerCase(), port };
  };
  const url = (k: 'TG_CTRADER_AUTH_URL' | 'TG_CTRADER_TOKEN_URL', def: string): string => {
    const raw = get(k);
    if (raw === undefined) return def;
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      problems.push(`${k}: "${raw}" is not a URL (e.g. ${def})`);
      return def;
    }
    // The token endpoint receives the client secret and the tokens: plain http only to this machine.
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && /^(127\.|localhost$|\[::1\]$)/.test(u.hostname))) {
      problems.push(`${k}: "${raw}" must be https:// (http:// only for 127.0.0.1, localhost or [::1])`);
      return def;
    }
    if (u.search || u.hash) problems.push(`${k}: "${raw}" must not carry a query or fragment (the relay adds the OAuth parameters)`);
    return u.toString();
  };
  const caFile = get('TG_CTRADER_CA_FILE') ?? null;
  let ca: string | null = null;
  if (caFile !== null) {
    const path = resolve(cwd, caFile);
    try {
      ca = readFileSync(path, 'utf8');
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
        problems.push(`TG_CTRADER_CA_FILE: ${path} holds no PEM certificate (a "-----BEGIN CERTIFICATE-----" block)`);
        ca = null;
      }
    } catch (e) {
      problems.push(`TG_CTRADER_CA_FILE: ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  return {
    demo: server('TG_CTRADER_DEMO_HOST', CTRADER_DEFAULTS.demo),
    live: server('TG_CTRADER_LIVE_HOST', CTRADER_DEFAULTS.live),
    ca,
    caFile: caFile === null ? null : resolve(cwd, caFile),
    authUrl: url('TG_CTRADER_AUTH_URL', CTRADER_DEFAULTS.authUrl),
    tokenUrl: url('TG_CTRADER_TOKEN_URL', CTRADER_DEFAULTS.tokenUrl),
  };
}
