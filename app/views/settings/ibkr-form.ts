import type { IbkrStoredSettings, LiveBroker } from './ibkr-api.ts';
import { parseNumber } from './form-fields.tsx';

/** Settings > Interactive Brokers as typed: numbers as text until Save reads them. */
export interface IbkrForm {
  host: string;
  port: string;
  clientId: string;
  /** '' = the first managed account. */
  account: string;
  marketDataType: '1' | '3' | '4';
  timeframe: 'M5' | 'D1';
  symbols: string[];
  /** '' = the default (three bar lengths). */
  noBarMinutes: string;
  broker: LiveBroker;
}

export type IbkrProblems = Partial<Record<keyof IbkrForm | 'settings', string>>;

/** The API ports TWS and IB Gateway listen on by default (relay/config/ibkr-settings.ts IBKR_PORTS). */
export const IBKR_PORT_PRESETS = [
  { port: 7497, label: 'TWS paper' },
  { port: 7496, label: 'TWS live' },
  { port: 4002, label: 'Gateway paper' },
  { port: 4001, label: 'Gateway live' },
] as const;

export const MARKET_DATA_CHOICES = [
  { code: '1', label: 'Live', hint: 'needs a market data subscription at IB for each exchange' },
  { code: '3', label: 'Delayed', hint: 'free, 15 to 20 minutes behind the market: agents decide on late bars' },
  { code: '4', label: 'Delayed-frozen', hint: 'delayed, and the last delayed price while the market is closed' },
] as const;

export function ibkrFormOf(s: IbkrStoredSettings, broker: LiveBroker): IbkrForm {
  return { host: s.host, port: String(s.port), clientId: String(s.clientId), account: s.account ?? '', marketDataType: String(s.marketDataType) as IbkrForm['marketDataType'], timeframe: s.timeframe, symbols: [...s.symbols], noBarMinutes: s.noBarMinutes === null || s.noBarMinutes === undefined ? '' : String(s.noBarMinutes), broker };
}

/** The connection part of the form, or the problems at their fields. */
export function connectionOf(f: IbkrForm): { at: { host: string; port: number; clientId: number } | null; problems: IbkrProblems } {
  const problems: IbkrProblems = {};
  const port = parseNumber(f.port, 'Port', { min: 1, max: 65535, integer: true });
  const clientId = parseNumber(f.clientId, 'Client id', { min: 0, integer: true });
  if (!f.host.trim()) problems.host = 'Host is required: the machine running TWS or IB Gateway';
  if (!port.ok) problems.port = port.error;
  if (!clientId.ok) problems.clientId = clientId.error;
  if (Object.keys(problems).length || !port.ok || !clientId.ok) return { at: null, problems };
  return { at: { host: f.host.trim(), port: port.value, clientId: clientId.value }, problems };
}

/** What Save sends; the relay checks it again by its own rules and its refusal lands at the field it names. */
export function settingsOfForm(f: IbkrForm): { settings: IbkrStoredSettings | null; problems: IbkrProblems } {
  const { at, problems } = connectionOf(f);
  const noBar = f.noBarMinutes.trim() === '' ? null : parseNumber(f.noBarMinutes, 'No-bar alert', { min: 1, max: 20_160, integer: true });
  if (noBar && !noBar.ok) problems.noBarMinutes = noBar.error;
  if (!at || (noBar && !noBar.ok)) return { settings: null, problems };
  return { settings: { ...at, account: f.account || null, marketDataType: Number(f.marketDataType) as 1 | 3 | 4, timeframe: f.timeframe, symbols: f.symbols, noBarMinutes: noBar ? (noBar as { value: number }).value : null }, problems };
}

/** The relay's 400 names a field: show it there (its message starts with the field name). */
export function refusalAt(field: string | undefined, message: string): IbkrProblems {
  const known: (keyof IbkrForm)[] = ['host', 'port', 'clientId', 'account', 'marketDataType', 'timeframe', 'symbols', 'noBarMinutes', 'broker'];
  const at = known.includes(field as keyof IbkrForm) ? (field as keyof IbkrForm) : 'settings';
  return { [at]: message.replace(new RegExp(`^${field}: `), '') };
}
