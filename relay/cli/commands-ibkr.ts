import { parseArgs } from 'node:util';
import { fxPair, future, stock, type ContractDetails, type IbContract, type SecType } from '../../workers/brokers/ibkr/contract.ts';
import { MARKET_DATA_TYPES, type MarketDataType } from '../../workers/brokers/ibkr/requests.ts';
import { ibkrSettings, IBKR_DEFAULTS } from '../config/ibkr-settings.ts';
import { checkIbkr } from '../ibkr/check.ts';
import { UserError } from './load-bars.ts';

type Log = (s: string) => void;

export const IBKR_HELP = `tradeguard ibkr check [--host H] [--port P] [--client-id N] [--market-data live|frozen|delayed|delayed-frozen] [--timeout-ms N]
                      [--symbol S [--sec-type STK|CASH|FUT] [--exchange X] [--currency C]]

Connects to TWS or IB Gateway, prints the server version, the managed accounts and the market data type
requested, and with --symbol the contract's details from IB; exit 0, or 2 naming what failed.
Defaults: TG_IBKR_HOST (${IBKR_DEFAULTS.host}), TG_IBKR_PORT (${IBKR_DEFAULTS.port}), TG_IBKR_CLIENT_ID (${IBKR_DEFAULTS.clientId}).
--symbol: GOOG (STK, SMART), EURUSD (CASH, IDEALPRO), ES or ESZ5 (FUT: --exchange needed, e.g. CME).`;

const options = {
  host: { type: 'string' },
  port: { type: 'string' },
  'client-id': { type: 'string' },
  symbol: { type: 'string' },
  'sec-type': { type: 'string' },
  exchange: { type: 'string' },
  currency: { type: 'string' },
  'market-data': { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const;

/** `tradeguard ibkr check ...`; returns the exit code. */
export async function ibkrCommand(argv: string[], log: Log, env: Record<string, string | undefined> = process.env): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'check') throw new UserError(`unknown subcommand "${sub ?? ''}"\n\n${IBKR_HELP}`);
  const { values: o } = parseArgs({ args: rest, options, strict: true });
  const problems: string[] = [];
  const pick = (k: 'TG_IBKR_HOST' | 'TG_IBKR_PORT' | 'TG_IBKR_CLIENT_ID', flag: string | undefined) => flag ?? (env[k]?.trim() || undefined);
  const at = ibkrSettings((k) => pick(k, k === 'TG_IBKR_HOST' ? o.host : k === 'TG_IBKR_PORT' ? o.port : o['client-id']), problems);
  const marketData = (o['market-data'] ?? 'live') as MarketDataType;
  if (!(marketData in MARKET_DATA_TYPES)) problems.push(`--market-data: must be one of ${Object.keys(MARKET_DATA_TYPES).join(', ')}, got "${marketData}"`);
  const contract = o.symbol ? contractOf(o.symbol, o['sec-type'] ?? 'STK', o.exchange, o.currency, problems) : null;
  const timeoutText = o['timeout-ms'];
  if (timeoutText !== undefined && !(/^\d+$/.test(timeoutText) && Number(timeoutText) >= 1 && Number(timeoutText) <= 10_000)) problems.push(`--timeout-ms: must be a whole number of milliseconds from 1 to 10000, got "${timeoutText}"`);
  if (problems.length) throw new UserError(problems.join('\n'));

  try {
    const r = await checkIbkr({ ...at, marketDataType: marketData, contracts: contract ? [contract] : [], timeoutMs: timeoutText === undefined ? undefined : Number(timeoutText) });
    log(`Connected to TWS at ${at.host}:${at.port} as client id ${at.clientId}`);
    log(`server version     ${r.serverVersion} (TWS time ${r.connectionTime})`);
    log(`managed accounts   ${r.accounts.join(', ') || '(none)'}`);
    log(`market data type   ${r.marketDataType.code} ${r.marketDataType.name} (requested; IB applies it to market data requests)`);
    log(`next order id      ${r.nextValidId}`);
    log(`TWS clock          ${new Date(r.twsTime).toISOString()}`);
    for (const d of r.contracts.flat()) log(describeDetails(d));
    for (const n of r.notes) log(`${n.kind}: ${n.text}`);
    return 0;
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

function contractOf(symbol: string, secType: string, exchange: string | undefined, currency: string | undefined, problems: string[]): IbContract | null {
  const s = symbol.toUpperCase();
  if (secType === 'STK') return { ...stock(s, currency ?? 'USD'), exchange: exchange ?? 'SMART' };
  if (secType === 'CASH') {
    if (!/^[A-Z]{6}$/.test(s)) return problems.push(`--symbol: "${symbol}" is not a currency pair like EURUSD (--sec-type CASH)`), null;
    return { ...fxPair(s), exchange: exchange ?? 'IDEALPRO' };
  }
  if (secType === 'FUT') {
    if (!exchange) return problems.push('--exchange: a future needs its exchange (CME, CBOT, NYMEX, EUREX...)'), null;
    // ESZ5 or ESZ25 is a local symbol (one contract month); ES the root (every listed month).
    const local = /^[A-Z]{1,4}[FGHJKMNQUVXZ]\d{1,2}$/.test(s) && s.length > 3;
    return local ? future('', exchange, currency ?? 'USD', undefined, s) : future(s, exchange, currency ?? 'USD');
  }
  problems.push(`--sec-type: must be STK, CASH or FUT, got "${secType as SecType}"`);
  return null;
}

function describeDetails(d: ContractDetails): string {
  const c = d.contract;
  const expiry = c.lastTradeDateOrContractMonth ? `, expires ${c.lastTradeDateOrContractMonth}` : '';
  return [
    `${c.localSymbol || c.symbol} ${c.secType} ${c.exchange} ${c.currency}: conId ${c.conId}, ${d.longName}${expiry}`,
    `  tick size        ${d.minTick}${c.multiplier ? ` (multiplier ${c.multiplier})` : ''}`,
    `  order size       min ${d.minSize}, increment ${d.sizeIncrement}`,
    `  time zone        ${d.timeZoneId}`,
    `  trading hours    ${d.tradingHours}`,
    `  liquid hours     ${d.liquidHours}`,
  ].join('\n');
}
