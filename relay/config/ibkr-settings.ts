import { isIP } from 'node:net';

/** Where the relay reaches TWS or IB Gateway (docs/IBKR.md): the defaults of Settings > Interactive Brokers, and the tunnel's allow-list entry. */
export interface IbkrSettings {
  host: string;
  port: number;
  /** IB binds orders to the client id that placed them: a fixed id lets a restarted relay see its own orders again. */
  clientId: number;
}

export const IBKR_DEFAULTS: IbkrSettings = { host: '127.0.0.1', port: 7497, clientId: 17 };

/** The API ports TWS and IB Gateway listen on by default; the paper ones trade a paper account. */
export const IBKR_PORTS = [
  { port: 7497, label: 'TWS paper', paper: true },
  { port: 7496, label: 'TWS live', paper: false },
  { port: 4002, label: 'IB Gateway paper', paper: true },
  { port: 4001, label: 'IB Gateway live', paper: false },
] as const;

/** A host name or IP address (no port, no scheme), or why not. */
export function ibkrHostProblem(host: string): string | null {
  if (isIP(host) !== 0 || /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(host)) return null;
  return `"${host.slice(0, 80)}" is not a host name or IP address (no port, no http://)`;
}

export const IBKR_ENV_VARS = {
  TG_IBKR_HOST: `the machine running TWS or IB Gateway (${IBKR_DEFAULTS.host})`,
  TG_IBKR_PORT: `its API port: 7497 TWS paper, 7496 TWS live, 4002 Gateway paper, 4001 Gateway live (${IBKR_DEFAULTS.port})`,
  TG_IBKR_CLIENT_ID: `the API client id, unique among the API clients of that TWS (${IBKR_DEFAULTS.clientId})`,
} as const;

/** Reads TG_IBKR_*; each bad value is a problem in words, and its default is kept. */
export function ibkrSettings(get: (k: keyof typeof IBKR_ENV_VARS) => string | undefined, problems: string[]): IbkrSettings {
  const host = get('TG_IBKR_HOST') ?? IBKR_DEFAULTS.host;
  if (ibkrHostProblem(host)) problems.push(`TG_IBKR_HOST: "${host}" is not a host name or IP address (no port: that is TG_IBKR_PORT)`);
  const whole = (k: 'TG_IBKR_PORT' | 'TG_IBKR_CLIENT_ID', def: number, min: number, max: number, hint: string): number => {
    const raw = get(k);
    if (raw === undefined) return def;
    if (/^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max) return Number(raw);
    problems.push(`${k}: must be a whole number from ${min} to ${max}${hint}, got "${raw}"`);
    return def;
  };
  const port = whole('TG_IBKR_PORT', IBKR_DEFAULTS.port, 1, 65535, ' (7497 TWS paper, 7496 TWS live, 4002 Gateway paper, 4001 Gateway live)');
  const clientId = whole('TG_IBKR_CLIENT_ID', IBKR_DEFAULTS.clientId, 0, 2147483647, '');
  return { host, port, clientId };
}
