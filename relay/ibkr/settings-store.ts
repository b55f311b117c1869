import type { EngineStore } from '../../workers/store/store.ts';
import { ibkrHostProblem, type IbkrSettings } from '../config/ibkr-settings.ts';
import { parseSymbolSpec } from '../../workers/brokers/ibkr/instruments.ts';

/** Settings > Interactive Brokers, kept in the relay's settings; the live workspace reads them when it starts. */
export const IBKR_SETTINGS_KEY = 'ibkr.settings';
/** Which broker the live workspace (TG_WORKSPACE=live) trades at: cTrader unless Settings says Interactive Brokers. */
export const LIVE_BROKER_SETTING = 'live.broker';
export const LIVE_BROKERS = ['ctrader', 'ibkr'] as const;
export type LiveBroker = (typeof LIVE_BROKERS)[number];

/** 1 live, 3 delayed (15-20 minutes late, free), 4 delayed-frozen (the last delayed price when the market is closed). */
export const IBKR_MARKET_DATA_TYPES = [1, 3, 4] as const;
export type IbkrMarketDataCode = (typeof IBKR_MARKET_DATA_TYPES)[number];
/** 5-minute bars for intraday agents, daily bars for agents deciding once a day. */
export const IBKR_TIMEFRAMES = ['M5', 'D1'] as const;
export type IbkrTimeframe = (typeof IBKR_TIMEFRAMES)[number];
export const MAX_IBKR_SYMBOLS = 50;

export interface IbkrStoredSettings {
  host: string;
  port: number;
  clientId: number;
  /** One of the managed accounts a check listed; null: the first one TWS lists. */
  account: string | null;
  marketDataType: IbkrMarketDataCode;
  timeframe: IbkrTimeframe;
  /** Symbol specs as the engine reads them (parseSymbolSpec in workers/brokers/ibkr/instruments.ts): GOOG, GOOG:NASDAQ, EURUSD, ES:CME:202512, ESZ5@CME. */
  symbols: string[];
  /** An alert when a symbol has had no bar for this many minutes of its trading session; null: three bar lengths (26 hours of sessions for daily bars). */
  noBarMinutes: number | null;
}

export interface FieldProblem {
  field: keyof IbkrStoredSettings | 'broker' | 'body';
  message: string;
}

/** Before anything is saved: TG_IBKR_* (or their defaults), live data, 5-minute bars, no symbols yet. */
export function ibkrDefaults(env: IbkrSettings): IbkrStoredSettings {
  return { host: env.host, port: env.port, clientId: env.clientId, account: null, marketDataType: 1, timeframe: 'M5', symbols: [], noBarMinutes: null };
}

/** What is stored, over the defaults; a stored value the rules now refuse falls back to its default rather than being used. */
export async function readIbkrSettings(store: Pick<EngineStore, 'settings'>, env: IbkrSettings): Promise<IbkrStoredSettings> {
  const defaults = ibkrDefaults(env);
  const stored = await store.settings.get<Partial<IbkrStoredSettings>>(IBKR_SETTINGS_KEY);
  if (!stored) return defaults;
  const merged = { ...defaults, ...stored };
  const checked = checkIbkrSettings(merged);
  if (checked.settings) return checked.settings;
  const bad = new Set(checked.problems.map((p) => p.field));
  return Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, bad.has(k as keyof IbkrStoredSettings) ? defaults[k as keyof IbkrStoredSettings] : v])) as unknown as IbkrStoredSettings;
}

export async function readLiveBroker(store: Pick<EngineStore, 'settings'>): Promise<LiveBroker> {
  const b = await store.settings.get<string>(LIVE_BROKER_SETTING);
  return b === 'ibkr' ? 'ibkr' : 'ctrader';
}

/** Every field checked at once; each refusal in words at its field. */
export function checkIbkrSettings(v: unknown): { settings: IbkrStoredSettings | null; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const no = (field: FieldProblem['field'], message: string) => void problems.push({ field, message });
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { settings: null, problems: [{ field: 'body', message: 'settings must be an object' }] };
  const o = v as Record<string, unknown>;
  const shown = (x: unknown) => JSON.stringify(x)?.slice(0, 40) ?? 'nothing';
  const whole = (x: unknown, min: number, max: number) => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;

  if (typeof o.host !== 'string' || !o.host.trim()) no('host', 'is required: the machine running TWS or IB Gateway (127.0.0.1 when it runs beside the relay)');
  else if (ibkrHostProblem(o.host.trim())) no('host', ibkrHostProblem(o.host.trim())!);
  if (!whole(o.port, 1, 65535)) no('port', `must be a whole number from 1 to 65535 (7497 TWS paper, 7496 TWS live, 4002 Gateway paper, 4001 Gateway live), got ${shown(o.port)}`);
  if (!whole(o.clientId, 0, 2147483647)) no('clientId', `must be a whole number, 0 or more, unique among the API clients of that TWS, got ${shown(o.clientId)}`);
  if (o.account !== null && o.account !== undefined && (typeof o.account !== 'string' || !/^[A-Z0-9]{1,32}$/.test(o.account))) no('account', `must be one of the managed accounts a check lists (like DU1234567), or none for the first one, got ${shown(o.account)}`);
  if (!IBKR_MARKET_DATA_TYPES.includes(o.marketDataType as IbkrMarketDataCode)) no('marketDataType', `must be 1 (live), 3 (delayed) or 4 (delayed-frozen), got ${shown(o.marketDataType)}`);
  if (!IBKR_TIMEFRAMES.includes(o.timeframe as IbkrTimeframe)) no('timeframe', `must be M5 (5-minute bars) or D1 (daily bars), got ${shown(o.timeframe)}`);
  const symbols: string[] = [];
  if (!Array.isArray(o.symbols)) no('symbols', 'must be a list of symbol specs');
  else if (o.symbols.length > MAX_IBKR_SYMBOLS) no('symbols', `at most ${MAX_IBKR_SYMBOLS} symbols (${o.symbols.length} given)`);
  else
    for (const s of o.symbols) {
      if (typeof s !== 'string') {
        no('symbols', `${shown(s)} is not a symbol spec`);
        continue;
      }
      const spec = parseSymbolSpec(s);
      if ('problem' in spec) no('symbols', spec.problem);
      else if (symbols.includes(s.trim().toUpperCase())) no('symbols', `${s.trim().toUpperCase()} is listed twice`);
      else symbols.push(s.trim().toUpperCase());
    }
  if (o.noBarMinutes !== null && o.noBarMinutes !== undefined && !whole(o.noBarMinutes, 1, 20_160)) no('noBarMinutes', `must be a whole number of minutes from 1 to 20160 (two weeks), or empty for three bar lengths, got ${shown(o.noBarMinutes)}`);
  if (problems.length) return { settings: null, problems };
  return {
    settings: { host: (o.host as string).trim(), port: o.port as number, clientId: o.clientId as number, account: (o.account as string | null | undefined) ?? null, marketDataType: o.marketDataType as IbkrMarketDataCode, timeframe: o.timeframe as IbkrTimeframe, symbols, noBarMinutes: (o.noBarMinutes as number | null | undefined) ?? null },
    problems,
  };
}
