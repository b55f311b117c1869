import { contractFields, field, type IbContract } from './contract.ts';

/**
 * Order and account requests at server version 176 (versions.ts), as field lists
 * for wire.ts's frame(). Layouts are IB's EClient at 176; tests/ibkr/orders-oracle.test.ts
 * checks each byte for byte against @stoqey/ib's Encoder.
 */
export const ORDER_OUT = {
  PLACE_ORDER: 3,
  CANCEL_ORDER: 4,
  REQ_EXECUTIONS: 7,
  REQ_ALL_OPEN_ORDERS: 16,
  REQ_POSITIONS: 61,
  REQ_ACCOUNT_SUMMARY: 62,
  CANCEL_ACCOUNT_SUMMARY: 63,
} as const;

const f = (...xs: (string | number | boolean | undefined)[]): string[] => xs.map(field);
const empties = (n: number): string[] => Array.from({ length: n }, () => '');

/** The order fields TradeGuard sets; everything else IB's Order has stays unset (empty on the wire). */
export interface IbOrder {
  action: 'BUY' | 'SELL';
  totalQuantity: number;
  orderType: 'MKT' | 'LMT' | 'STP';
  /** LMT: the limit price. */
  lmtPrice?: number;
  /** STP: the stop (trigger) price. */
  auxPrice?: number;
  tif: 'DAY' | 'GTC';
  /** The children of a bracket share one group: one filled cancels the other. */
  ocaGroup?: string;
  /** 1: cancel the rest of the group when one fills (IB's CANCEL_WITH_BLOCK). */
  ocaType?: 1 | 2 | 3;
  account?: string;
  /** The engine's stable client order id: how fills and statuses find their way back after a restart. */
  orderRef: string;
  /** False holds the order at TWS until a later order of the same bracket transmits. */
  transmit: boolean;
  parentId?: number;
  outsideRth?: boolean;
}

/**
 * PLACE_ORDER at 176 (no version field since ORDER_CONTAINER): 115 fields. The
 * named ones are those TradeGuard sets; the runs of empties are IB's unused order
 * attributes (rule80A ... continuousUpdate, algo and pegging fields ...), and the
 * two zeros are the counts IB always wants (delta-neutral contract: none; conditions: none).
 */
export function placeOrder(orderId: number, c: IbContract, o: IbOrder): string[] {
  return [
    ...f(ORDER_OUT.PLACE_ORDER, orderId),
    ...contractFields(c),
    '', // secIdType
    '', // secId
    ...f(o.action, o.totalQuantity, o.orderType, o.lmtPrice, o.auxPrice, o.tif, o.ocaGroup, o.account),
    '', // openClose
    '', // origin
    ...f(o.orderRef, o.transmit, o.parentId),
    '', // blockOrder
    '', // sweepToFill
    '', // displaySize
    '', // triggerMethod
    field(o.outsideRth),
    '', // hidden
    ...empties(11), // shares allocation, discretionaryAmt, goodAfterTime, goodTillDate, FA group/method/percentage/profile, modelCode, shortSaleSlot, designatedLocation
    '', // exemptCode
    field(o.ocaType),
    ...empties(34), // rule80A ... notHeld
    '0', // no delta-neutral contract
    ...empties(7), // algoStrategy, algoId, whatIf, orderMiscOptions, solicited, randomizeSize, randomizePrice
    '0', // no conditions
    ...empties(24), // adjusted-order fields ... includeOvernight
  ];
}

/** IB's bracket: a market parent and up to two children, ids counted up from the parent's. */
export interface Bracket {
  contract: IbContract;
  action: 'BUY' | 'SELL';
  quantity: number;
  /** The take-profit limit price, or null for none (no child sent). */
  takeProfit: number | null;
  /** The stop-loss trigger price, or null for none (no child sent). */
  stopLoss: number | null;
  tif: 'DAY' | 'GTC';
  account?: string;
  /** The engine's client order id; the children carry it with :tp and :sl. */
  orderRef: string;
}

export interface PlacedOrder {
  orderId: number;
  order: IbOrder;
  fields: string[];
}

/** A bracket's exit order (take profit or stop loss): opposite side, one OCA group named after the entry's orderRef. */
export function exitOrder(kind: 'tp' | 'sl', b: Pick<Bracket, 'action' | 'quantity' | 'tif' | 'account' | 'orderRef'>, price: number, parentId: number | undefined, transmit: boolean): IbOrder {
  const exit = b.action === 'BUY' ? 'SELL' : 'BUY';
  const common = { action: exit, totalQuantity: b.quantity, tif: b.tif, account: b.account, parentId, ocaGroup: `oca:${b.orderRef}`, ocaType: 1, orderRef: `${b.orderRef}:${kind}`, transmit } as const;
  return kind === 'tp' ? { ...common, orderType: 'LMT', lmtPrice: price } : { ...common, orderType: 'STP', auxPrice: price };
}

/**
 * The PLACE_ORDER messages of a bracket: a market parent and its children held
 * (transmit false) until the last one transmits them all, so TWS never works a
 * parent without its stop. The children share an OCA group named after the
 * orderRef, so one filled cancels the other. Without a stop or a target that
 * child is left out; a parent alone transmits itself.
 */
export function bracketOrders(parentId: number, b: Bracket): PlacedOrder[] {
  const children = ([['tp', b.takeProfit], ['sl', b.stopLoss]] as const).filter((c): c is ['tp' | 'sl', number] => c[1] !== null);
  const orders: IbOrder[] = [{ action: b.action, totalQuantity: b.quantity, tif: b.tif, account: b.account, orderType: 'MKT', orderRef: b.orderRef, transmit: children.length === 0 }];
  children.forEach(([kind, price], i) => orders.push(exitOrder(kind, b, price, parentId, i === children.length - 1)));
  return orders.map((order, i) => ({ orderId: parentId + i, order, fields: placeOrder(parentId + i, b.contract, order) }));
}

/** A market order on its own, transmitted at once: a close (the other side of a position). */
export function marketOrder(o: { action: 'BUY' | 'SELL'; quantity: number; tif: 'DAY' | 'GTC'; account?: string; orderRef: string }): IbOrder {
  return { action: o.action, totalQuantity: o.quantity, orderType: 'MKT', tif: o.tif, account: o.account, orderRef: o.orderRef, transmit: true };
}

/** CANCEL_ORDER at 176: no version field; manualOrderCancelTime empty. */
export function cancelOrder(orderId: number): string[] {
  return f(ORDER_OUT.CANCEL_ORDER, 1, orderId, '');
}

/** POSITION ... POSITION_END for every account. */
export function reqPositions(): string[] {
  return f(ORDER_OUT.REQ_POSITIONS, 1);
}

/** The account values TradeGuard shows and checks (IB's AccountSummaryTags). */
export const ACCOUNT_TAGS = ['NetLiquidation', 'TotalCashValue', 'AvailableFunds', 'BuyingPower', 'ExcessLiquidity', 'InitMarginReq', 'MaintMarginReq', 'GrossPositionValue', 'Currency'] as const;

export function reqAccountSummary(reqId: number, tags: readonly string[] = ACCOUNT_TAGS, group = 'All'): string[] {
  return f(ORDER_OUT.REQ_ACCOUNT_SUMMARY, 1, reqId, group, tags.join(','));
}

export function cancelAccountSummary(reqId: number): string[] {
  return f(ORDER_OUT.CANCEL_ACCOUNT_SUMMARY, 1, reqId);
}

/** Which executions to list; `time` "yyyymmdd-hh:mm:ss" UTC lists those after it. */
export interface ExecutionFilter {
  clientId?: number;
  acctCode?: string;
  time?: string;
  symbol?: string;
  secType?: string;
  exchange?: string;
  side?: 'BUY' | 'SELL';
}

export function reqExecutions(reqId: number, x: ExecutionFilter = {}): string[] {
  return f(ORDER_OUT.REQ_EXECUTIONS, 3, reqId, x.clientId, x.acctCode, x.time, x.symbol, x.secType, x.exchange, x.side);
}

/** Every open order of every API client and TWS itself: OPEN_ORDER ... OPEN_ORDER_END. */
export function reqAllOpenOrders(): string[] {
  return f(ORDER_OUT.REQ_ALL_OPEN_ORDERS, 1);
}
