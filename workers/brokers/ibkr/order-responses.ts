import type { SecType } from './contract.ts';
import { unescape, type Fields } from './fields.ts';

/**
 * Order and account messages from TWS at server version 176, decoded from the
 * field lists wire.ts cuts. OPEN_ORDER is IB's longest message: it is walked
 * whole, counts and conditional groups included (IB's EDecoder/OrderDecoder at
 * 176), so a message of another layout is refused instead of misread; only the
 * fields TradeGuard uses are kept. tests/ibkr/orders-oracle.test.ts decodes the
 * fake's messages with @stoqey/ib too.
 */
export const ORDER_IN = {
  ORDER_STATUS: 3,
  OPEN_ORDER: 5,
  EXECUTION_DATA: 11,
  OPEN_ORDER_END: 53,
  EXECUTION_DATA_END: 55,
  COMMISSION_REPORT: 59,
  POSITION: 61,
  POSITION_END: 62,
  ACCOUNT_SUMMARY: 63,
  ACCOUNT_SUMMARY_END: 64,
} as const;

/** The contract fields order messages carry. */
export interface OrderContract {
  conId: number;
  symbol: string;
  secType: SecType;
  exchange: string;
  currency: string;
  localSymbol: string;
}

export interface OpenOrder {
  orderId: number;
  contract: OrderContract;
  action: string;
  totalQuantity: number;
  orderType: string;
  lmtPrice?: number;
  auxPrice?: number;
  tif: string;
  ocaGroup: string;
  ocaType: number;
  account: string;
  orderRef: string;
  clientId: number;
  permId: number;
  parentId: number;
  /** IB's order state: PreSubmitted, Submitted, Filled, Cancelled, Inactive... */
  status: string;
  warningText: string;
}

export interface Execution {
  reqId: number;
  orderId: number;
  contract: OrderContract;
  execId: string;
  /** "yyyymmdd hh:mm:ss" in TWS's zone, or with a zone suffix, as IB sends it. */
  time: string;
  account: string;
  /** BOT or SLD. */
  side: string;
  shares: number;
  price: number;
  permId: number;
  clientId: number;
  cumQty: number;
  avgPrice: number;
  orderRef: string;
}

export type OrderIncoming =
  | { type: 'orderStatus'; orderId: number; status: string; filled: number; remaining: number; avgFillPrice: number; permId: number; parentId: number; lastFillPrice: number; clientId: number; whyHeld: string }
  | { type: 'openOrder'; order: OpenOrder }
  | { type: 'openOrderEnd' }
  | { type: 'execution'; execution: Execution }
  | { type: 'executionEnd'; reqId: number }
  | { type: 'commission'; execId: string; commission: number; currency: string; realizedPnl?: number }
  | { type: 'position'; account: string; contract: OrderContract; position: number; avgCost: number }
  | { type: 'positionEnd' }
  | { type: 'accountSummary'; reqId: number; account: string; tag: string; value: string; currency: string }
  | { type: 'accountSummaryEnd'; reqId: number };

export const ORDER_MESSAGE_TYPES: ReadonlySet<string> = new Set<OrderIncoming['type']>(['orderStatus', 'openOrder', 'openOrderEnd', 'execution', 'executionEnd', 'commission', 'position', 'positionEnd', 'accountSummary', 'accountSummaryEnd']);

/** IB writes an unset double as empty or as Double.MAX_VALUE. */
const UNSET = 1.7976931348623157e308;
function optNum(r: Fields): number | undefined {
  const s = r.str();
  if (s === '') return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new Error(`${r.name}: "${s.slice(0, 40)}" is not a number: malformed`);
  return n === UNSET ? undefined : n;
}
const skip = (r: Fields, n: number) => {
  for (let i = 0; i < n; i++) r.str();
};

/** conId, symbol, secType, lastTrade, strike, right, multiplier, exchange, currency, localSymbol, tradingClass. */
function contract(r: Fields): OrderContract {
  const conId = r.int();
  const [symbol, secType] = [r.str(), r.str() as SecType];
  skip(r, 4); // lastTrade, strike, right, multiplier
  const exchange = r.str();
  const [currency, localSymbol] = [r.str(), r.str()];
  r.str(); // tradingClass
  return { conId, symbol, secType, exchange, currency, localSymbol };
}

export function readOrderMessage(id: number, r: Fields): OrderIncoming {
  switch (id) {
    case ORDER_IN.ORDER_STATUS: {
      // No version field since MARKET_CAP_PRICE (131).
      const m = { type: 'orderStatus', orderId: r.int(), status: r.str(), filled: r.num(), remaining: r.num(), avgFillPrice: r.num(), permId: r.int(), parentId: r.int(), lastFillPrice: r.num(), clientId: r.int(), whyHeld: r.str() } as const;
      optNum(r); // mktCapPrice
      return m;
    }
    case ORDER_IN.OPEN_ORDER:
      return { type: 'openOrder', order: readOpenOrder(r) };
    case ORDER_IN.EXECUTION_DATA:
      return { type: 'execution', execution: readExecution(r) };
    case ORDER_IN.COMMISSION_REPORT: {
      r.int(); // version
      const [execId, commission, currency, realizedPnl] = [r.str(), r.num(), r.str(), optNum(r)];
      r.str(), r.str(); // yield, yieldRedemptionDate
      return { type: 'commission', execId, commission, currency, realizedPnl };
    }
    case ORDER_IN.POSITION: {
      r.int(); // version 3
      const account = r.str();
      return { type: 'position', account, contract: contract(r), position: r.num(), avgCost: r.num() };
    }
    case ORDER_IN.ACCOUNT_SUMMARY:
      return r.int(), { type: 'accountSummary', reqId: r.int(), account: r.str(), tag: r.str(), value: r.str(), currency: r.str() };
    case ORDER_IN.ACCOUNT_SUMMARY_END:
      return r.int(), { type: 'accountSummaryEnd', reqId: r.int() };
    case ORDER_IN.EXECUTION_DATA_END:
      return r.int(), { type: 'executionEnd', reqId: r.int() };
    case ORDER_IN.OPEN_ORDER_END:
      return r.int(), { type: 'openOrderEnd' };
    default:
      return r.int(), { type: 'positionEnd' };
  }
}

/** EXECUTION_DATA at 176: no version (LAST_LIQUIDITY), no pendingPriceRevision (178). */
function readExecution(r: Fields): Execution {
  const [reqId, orderId] = [r.int(), r.int()];
  const c = contract(r);
  const [execId, time, account] = [r.str(), r.str(), r.str()];
  r.str(); // exchange of the fill
  const [side, shares, price, permId, clientId] = [r.str(), r.num(), r.num(), r.int(), r.int()];
  r.int(); // liquidation
  const [cumQty, avgPrice, orderRef] = [r.num(), r.num(), r.str()];
  skip(r, 4); // evRule, evMultiplier, modelCode, lastLiquidity
  return { reqId, orderId, contract: c, execId, time, account, side, shares, price, permId, clientId, cumQty, avgPrice, orderRef };
}

/** OPEN_ORDER at 176 (no version field since ORDER_CONTAINER): IB's OrderDecoder read order. */
function readOpenOrder(r: Fields): OpenOrder {
  const orderId = r.int();
  const c = contract(r);
  const [action, totalQuantity, orderType, lmtPrice, auxPrice, tif, ocaGroup, account] = [r.str(), r.num(), r.str(), optNum(r), optNum(r), r.str(), r.str(), r.str()];
  r.str(); // openClose
  r.int(); // origin
  const [orderRef, clientId, permId] = [unescape(r.str()), r.int(), r.int()];
  // outsideRth, hidden, discretionaryAmt, goodAfterTime, sharesAllocation, faGroup, faMethod, faPercentage, faProfile (until 177),
  // modelCode, goodTillDate, rule80A, percentOffset, settlingFirm, shortSaleSlot, designatedLocation, exemptCode, auctionStrategy,
  // startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper, displaySize, blockOrder, sweepToFill, allOrNone, minQty
  skip(r, 28);
  const ocaType = r.int();
  skip(r, 3); // eTradeOnly, firmQuoteOnly, nbboPriceCap
  const parentId = r.int();
  r.str(); // triggerMethod
  skip(r, 2); // volatility, volatilityType
  const deltaNeutralOrderType = r.str();
  r.str(); // deltaNeutralAuxPrice
  if (deltaNeutralOrderType !== '') skip(r, 8); // conId, settlingFirm, clearingAccount, clearingIntent, openClose, shortSale, shortSaleSlot, designatedLocation
  skip(r, 2); // continuousUpdate, referencePriceType
  skip(r, 4); // trailStopPrice, trailingPercent, basisPoints, basisPointsType
  r.str(); // comboLegsDescription
  skip(r, r.int() * 8); // combo legs
  skip(r, r.int()); // order combo leg prices
  skip(r, r.int() * 2); // smart combo routing params
  skip(r, 2); // scaleInitLevelSize, scaleSubsLevelSize
  const scalePriceIncrement = optNum(r);
  if (scalePriceIncrement !== undefined && scalePriceIncrement > 0) skip(r, 7);
  if (r.str() !== '') r.str(); // hedgeType, hedgeParam
  skip(r, 4); // optOutSmartRouting, clearingAccount, clearingIntent, notHeld
  if (r.int() === 1) skip(r, 3); // delta-neutral contract: conId, delta, price
  if (r.str() !== '') skip(r, r.int() * 2); // algoStrategy, its params
  r.str(); // solicited
  r.str(); // whatIf
  const status = r.str();
  skip(r, 12); // margins before/change/after, commission, min, max
  r.str(); // commissionCurrency
  const warningText = unescape(r.str());
  skip(r, 2); // randomizeSize, randomizePrice
  if (orderType === 'PEG BENCH') skip(r, 5);
  skipConditions(r);
  skip(r, 8); // adjustedOrderType ... adjustableTrailingUnit
  skip(r, 3); // soft dollar tier name, value, display name
  // cashQty, dontUseAutoPriceForHedge, isOmsContainer, discretionaryUpToLimitPrice, usePriceMgmtAlgo, duration, postToAts,
  // autoCancelParent, minTradeQty, minCompeteSize, competeAgainstBestOffset, midOffsetAtWhole, midOffsetAtHalf
  skip(r, 13);
  return { orderId, contract: c, action, totalQuantity, orderType, lmtPrice, auxPrice, tif, ocaGroup, ocaType, account, orderRef, clientId, permId, parentId, status, warningText };
}

/** Order conditions: a count, each by type (IB's OrderConditionType), then two flags when there are any. */
function skipConditions(r: Fields): void {
  const n = r.int();
  const fieldsOf: Record<number, number> = { 1: 5, 3: 2, 4: 2, 5: 3, 6: 4, 7: 4 }; // price, time, margin, execution, volume, percent change
  for (let i = 0; i < n; i++) {
    const type = r.int();
    r.str(); // conjunction
    const k = fieldsOf[type];
    if (k === undefined) throw new Error(`${r.name}: order condition type ${type} is not one IB defines at 176: malformed`);
    skip(r, k);
  }
  if (n > 0) skip(r, 2); // conditionsIgnoreRth, conditionsCancelOrder
}
