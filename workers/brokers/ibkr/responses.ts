import type { ContractDetails, SecType } from './contract.ts';
import { Fields, unescape } from './fields.ts';
import { ORDER_IN, readOrderMessage, type OrderIncoming } from './order-responses.ts';

/**
 * TWS -> client messages at server version 176 (versions.ts), decoded from
 * the field lists wire.ts cuts. A message with too few or too many fields is
 * refused with words (the caller resets the connection): at a fixed version
 * the layout is exact. tests/ibkr/oracle.test.ts decodes the fake's output with
 * @stoqey/ib too, so both sides agree on the layout.
 */
export const IN = {
  ERR_MSG: 4,
  NEXT_VALID_ID: 9,
  CONTRACT_DATA: 10,
  MANAGED_ACCTS: 15,
  HISTORICAL_DATA: 17,
  CURRENT_TIME: 49,
  REAL_TIME_BARS: 50,
  CONTRACT_DATA_END: 52,
  MARKET_DATA_TYPE: 58,
  HISTORICAL_DATA_UPDATE: 90,
} as const;

/** One bar as IB sends it. `time`: epoch seconds for intraday bars (formatDate 2), yyyymmdd for daily bars. */
export interface IbBar {
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  wap: number;
  count: number;
}

export type Incoming =
  | { type: 'error'; id: number; code: number; message: string; advancedOrderRejectJson: string }
  | { type: 'nextValidId'; orderId: number }
  | { type: 'managedAccounts'; accounts: string[] }
  | { type: 'currentTime'; epochSeconds: number }
  | { type: 'contractDetails'; reqId: number; details: ContractDetails }
  | { type: 'contractDetailsEnd'; reqId: number }
  | { type: 'marketDataType'; reqId: number; marketDataType: number }
  | { type: 'historicalData'; reqId: number; start: string; end: string; bars: IbBar[] }
  | { type: 'historicalDataUpdate'; reqId: number; bar: IbBar }
  /** A 5-second bar; `time` is its start, epoch seconds. */
  | { type: 'realTimeBar'; reqId: number; bar: IbBar }
  /** Orders, executions, positions and account values (order-responses.ts). */
  | OrderIncoming
  /** A message this client does not read yet: skipped whole, which framing makes safe. */
  | { type: 'other'; msgId: number };

/** Decodes one message; throws an Error naming the message and what is wrong when it is malformed. */
export function decodeIncoming(fields: readonly string[]): Incoming {
  const id = new Fields(fields, 'message id').int();
  const name = Object.entries(IN).find(([, v]) => v === id)?.[0];
  const orderName = Object.entries(ORDER_IN).find(([, v]) => v === id)?.[0];
  if (!name && !orderName) return { type: 'other', msgId: id };
  const r = new Fields(fields.slice(1), (name ?? orderName)!);
  const msg = name ? read(id, r) : readOrderMessage(id, r);
  r.end();
  return msg;
}

function read(id: number, r: Fields): Incoming {
  switch (id) {
    case IN.ERR_MSG: {
      r.int(); // version 2
      return { type: 'error', id: r.int(), code: r.int(), message: unescape(r.str()), advancedOrderRejectJson: unescape(r.str()) };
    }
    case IN.NEXT_VALID_ID:
      return r.int(), { type: 'nextValidId', orderId: r.int() };
    case IN.MANAGED_ACCTS:
      return r.int(), { type: 'managedAccounts', accounts: r.str().split(',').map((a) => a.trim()).filter(Boolean) };
    case IN.CURRENT_TIME:
      return r.int(), { type: 'currentTime', epochSeconds: r.int() };
    case IN.CONTRACT_DATA_END:
      return r.int(), { type: 'contractDetailsEnd', reqId: r.int() };
    case IN.MARKET_DATA_TYPE:
      return r.int(), { type: 'marketDataType', reqId: r.int(), marketDataType: r.int() };
    case IN.CONTRACT_DATA:
      return readContractData(r);
    case IN.HISTORICAL_DATA: {
      const reqId = r.int();
      const [start, end] = [r.str(), r.str()];
      const n = r.int();
      const bars: IbBar[] = [];
      for (let i = 0; i < n; i++) bars.push({ time: r.str(), open: r.num(), high: r.num(), low: r.num(), close: r.num(), volume: r.num(), wap: r.num(), count: r.int() });
      return { type: 'historicalData', reqId, start, end, bars };
    }
    case IN.REAL_TIME_BARS: {
      r.int(); // version 3
      const reqId = r.int();
      const time = String(r.int());
      const [open, high, low, close, volume, wap] = [r.num(), r.num(), r.num(), r.num(), r.num(), r.num()];
      return { type: 'realTimeBar', reqId, bar: { time, open, high, low, close, volume, wap, count: r.int() } };
    }
    default: {
      // HISTORICAL_DATA_UPDATE: note IB's order here is open, close, high, low, then WAP before volume.
      const reqId = r.int();
      const count = r.int();
      const time = r.str();
      const [open, close, high, low, wap, volume] = [r.num(), r.num(), r.num(), r.num(), r.num(), r.num()];
      return { type: 'historicalDataUpdate', reqId, bar: { time, open, high, low, close, volume, wap, count } };
    }
  }
}

/** CONTRACT_DATA at 176 (no version field since SIZE_RULES): the layout of IB's EDecoder.processContractDataMsg. */
function readContractData(r: Fields): Incoming {
  const reqId = r.int();
  const symbol = r.str();
  const secType = r.str() as SecType;
  const lastTrade = r.str().split(/[ -]/)[0];
  const strike = r.num();
  const right = r.str();
  const exchange = r.str();
  const currency = r.str();
  const localSymbol = r.str();
  const marketName = r.str();
  const tradingClass = r.str();
  const conId = r.int();
  const minTick = r.num();
  const multiplier = r.str();
  const orderTypes = r.str();
  const validExchanges = r.str();
  r.int(); // priceMagnifier
  r.int(); // underConId
  const longName = unescape(r.str());
  const primaryExch = r.str();
  const contractMonth = r.str();
  r.str(), r.str(), r.str(); // industry, category, subcategory
  const timeZoneId = r.str();
  const tradingHours = r.str();
  const liquidHours = r.str();
  r.str(); // evRule
  r.num(); // evMultiplier
  const secIds = r.int();
  for (let i = 0; i < secIds; i++) r.str(), r.str();
  r.int(); // aggGroup
  r.str(); // underSymbol
  r.str(); // underSecType
  const marketRuleIds = r.str();
  const realExpirationDate = r.str();
  r.str(); // stockType
  const [minSize, sizeIncrement, suggestedSizeIncrement] = [r.str(), r.str(), r.str()];
  const contract = { conId, symbol, secType, lastTradeDateOrContractMonth: lastTrade || undefined, strike: strike || undefined, right: right || undefined, multiplier: multiplier === '' ? undefined : Number(multiplier), exchange, primaryExch: primaryExch || undefined, currency, localSymbol, tradingClass };
  return { type: 'contractDetails', reqId, details: { contract, marketName, longName, minTick, minSize, sizeIncrement, suggestedSizeIncrement, orderTypes, validExchanges, timeZoneId, tradingHours, liquidHours, contractMonth, realExpirationDate, marketRuleIds } };
}
