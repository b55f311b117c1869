/**
 * IB's message codes (ERR_MSG) sorted by what they mean to TradeGuard. IB uses
 * one message for errors, warnings and news alike; the code decides, never the
 * word "error". Texts: interactivebrokers.github.io/tws-api/message_codes.html.
 */
export type CodeKind =
  /** Farm connections and the like: information, never an error. */
  | 'info'
  /** 1100: IB's servers unreachable from TWS; requests wait. */
  | 'connectivity-lost'
  /** 1101: back, but market data subscriptions were lost: resubscribe. */
  | 'restored-data-lost'
  /** 1102: back with subscriptions kept. */
  | 'restored'
  /** A request failed: it names the request id. */
  | 'request-failed'
  /** A warning about a request that goes on (e.g. delayed data instead of live). */
  | 'warning';

const INFO = new Set([2104, 2106, 2107, 2108, 2119, 2158]);
/** 399: IB's "Order Message" warnings about an order that stays working (e.g. held until the open). */
const WARNING = new Set([399, 2100, 2103, 2105, 2109, 2110, 2137, 2157, 10167]);

export function codeKind(code: number): CodeKind {
  if (INFO.has(code)) return 'info';
  if (code === 1100) return 'connectivity-lost';
  if (code === 1101) return 'restored-data-lost';
  if (code === 1102) return 'restored';
  if (WARNING.has(code)) return 'warning';
  return 'request-failed';
}

/** What the user should know or do, beyond IB's own text. */
const ADVICE: Record<number, string> = {
  162: 'historical data request refused (pacing: at most 60 requests in 10 minutes, no identical request within 15 s; or no data for that period)',
  166: 'historical data for that symbol is not available',
  200: 'IB has no contract matching that symbol, type, exchange and currency',
  321: 'the request was invalid for the server version or contract',
  326: 'the client id is already in use by another API connection: choose another (--client-id, TG_IBKR_CLIENT_ID)',
  354: 'no market data subscription for this contract: request delayed data (market data type 3) or subscribe at IB',
  366: 'no historical data query with that id (already finished or cancelled)',
  502: 'could not connect to TWS or IB Gateway',
  504: 'not connected to TWS or IB Gateway',
  1100: 'TWS lost its connection to IB: requests wait until it is back',
  1101: 'TWS is connected to IB again, but market data was lost: subscriptions must be renewed',
  1102: 'TWS is connected to IB again, market data kept',
};

/** IB's text with TradeGuard's advice when there is any: "IB 200: No security definition... (IB has no contract...)". */
export function describeCode(code: number, ibText: string): string {
  const advice = ADVICE[code];
  return `IB ${code}: ${ibText}${advice ? ` (${advice})` : ''}`;
}

/**
 * Client-side failures, numbered as IB's own clients number them (EClientErrors):
 * TWS never sends these, the client makes them when the socket does not work.
 */
export const CLIENT_CODES = { CONNECT_FAIL: 502, UPDATE_TWS: 503, NOT_CONNECTED: 504, BAD_LENGTH: 507, BAD_MESSAGE: 508 } as const;

/** The ports TWS and IB Gateway listen on by default, for messages about a refused connection. */
export const PORTS_HINT = 'TWS listens on 7497 (paper) or 7496 (live), IB Gateway on 4002 (paper) or 4001 (live); the API must be enabled in TWS under Configure > API > Settings';

/** A failure at IB, with IB's code (or a client-side code) and the words for it. */
export class IbkrError extends Error {
  override readonly name = 'IbkrError';
  constructor(
    readonly code: number,
    readonly ibText: string,
    readonly reqId = -1,
  ) {
    super(describeCode(code, ibText));
  }
}
