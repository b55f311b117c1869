/**
 * Plain-object shapes of the cTrader messages the adapter reads, as the codec
 * decodes them (int64 as numbers, enums as numbers, optional fields absent).
 * Field names and numbers are those of Spotware's OpenApiModelMessages.proto.
 */
/** ProtoPayloadType.HEARTBEAT_EVENT: sent by both sides, answered by no one. */
export const HEARTBEAT_EVENT = 51;
export const PERMISSION_SCOPE = { VIEW: 0, TRADE: 1 } as const;
export const SIDE = { BUY: 1, SELL: 2 } as const;
export const ORDER_TYPE = { MARKET: 1, LIMIT: 2, STOP: 3, STOP_LOSS_TAKE_PROFIT: 4, MARKET_RANGE: 5, STOP_LIMIT: 6 } as const;
export const ORDER_STATUS = { ACCEPTED: 1, FILLED: 2, REJECTED: 3, EXPIRED: 4, CANCELLED: 5 } as const;
export const POSITION_STATUS = { OPEN: 1, CLOSED: 2, CREATED: 3, ERROR: 4 } as const;
export const DEAL_STATUS = { FILLED: 2, PARTIALLY_FILLED: 3, REJECTED: 4, INTERNALLY_REJECTED: 5, ERROR: 6, MISSED: 7 } as const;
export const EXEC = {
  ORDER_ACCEPTED: 2,
  ORDER_FILLED: 3,
  ORDER_REPLACED: 4,
  ORDER_CANCELLED: 5,
  ORDER_EXPIRED: 6,
  ORDER_REJECTED: 7,
  ORDER_CANCEL_REJECTED: 8,
  SWAP: 9,
  DEPOSIT_WITHDRAW: 10,
  ORDER_PARTIAL_FILL: 11,
  BONUS_DEPOSIT_WITHDRAW: 12,
} as const;

export interface TradeData {
  symbolId: number;
  volume: number;
  tradeSide: number;
  openTimestamp?: number;
  label?: string;
  comment?: string;
}

export interface WirePosition {
  positionId: number;
  tradeData: TradeData;
  positionStatus?: number;
  swap?: number;
  price?: number;
  stopLoss?: number;
  takeProfit?: number;
  utcLastUpdateTimestamp?: number;
  commission?: number;
  usedMargin?: number;
  moneyDigits?: number;
  trailingStopLoss?: boolean;
}

export interface WireOrder {
  orderId: number;
  tradeData: TradeData;
  orderType: number;
  orderStatus: number;
  executionPrice?: number;
  executedVolume?: number;
  closingOrder?: boolean;
  limitPrice?: number;
  stopPrice?: number;
  stopLoss?: number;
  takeProfit?: number;
  clientOrderId?: string;
  positionId?: number;
  relativeStopLoss?: number;
  relativeTakeProfit?: number;
  isStopOut?: boolean;
}

export interface ClosePositionDetail {
  entryPrice: number;
  grossProfit: number;
  swap: number;
  commission: number;
  balance: number;
  closedVolume?: number;
  moneyDigits?: number;
}

export interface Deal {
  dealId: number;
  orderId: number;
  positionId: number;
  volume: number;
  filledVolume: number;
  symbolId: number;
  createTimestamp: number;
  executionTimestamp: number;
  executionPrice?: number;
  tradeSide: number;
  dealStatus: number;
  commission?: number;
  closePositionDetail?: ClosePositionDetail;
  moneyDigits?: number;
}

export interface ExecutionEvent {
  ctidTraderAccountId: number;
  executionType: number;
  position?: WirePosition;
  order?: WireOrder;
  deal?: Deal;
  depositWithdraw?: { balance: number; moneyDigits?: number };
  errorCode?: string;
  isServerEvent?: boolean;
}

export interface OrderErrorEvent {
  ctidTraderAccountId: number;
  errorCode: string;
  orderId?: number;
  positionId?: number;
  description?: string;
}

export interface Trader {
  ctidTraderAccountId: number;
  balance: number;
  moneyDigits?: number;
  leverageInCents?: number;
  depositAssetId?: number;
}
