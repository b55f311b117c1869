/**
 * cTrader error codes (ProtoErrorCode, ProtoOAErrorCode; the wire carries the
 * NAME as a string) and what the user should do about each. Order rejections
 * reuse these texts as their reasons.
 */
import { ownEntry } from '../../util/own.ts';

const ADVICE: Record<string, string> = {
  // Authorisation
  OA_AUTH_TOKEN_EXPIRED: 'the cTrader access token has expired: TradeGuard refreshes it; if this repeats, reconnect the account (Settings > cTrader > Connect)',
  ACCOUNT_NOT_AUTHORIZED: 'this trading account is not authorised on the connection: reconnect the account, and check the token was granted for it',
  ALREADY_LOGGED_IN: 'the account is already authorised on this connection (harmless)',
  CH_CLIENT_AUTH_FAILURE: 'cTrader refused the application credentials: check the client id and secret at openapi.ctrader.com (Applications), and that the application is activated',
  CH_CLIENT_NOT_AUTHENTICATED: 'the application is not authenticated on this connection yet: wait for the reconnect, or check the relay holds the client secret',
  CH_CLIENT_ALREADY_AUTHENTICATED: 'the application was already authenticated on this connection (harmless)',
  CH_ACCESS_TOKEN_INVALID: 'the cTrader access token is invalid or was revoked: connect the account again to grant a new one',
  CH_SERVER_NOT_REACHABLE: 'the cTrader trading server is not reachable right now: TradeGuard keeps retrying',
  CH_CTID_TRADER_ACCOUNT_NOT_FOUND: 'that trading account was not found: pick an account listed for this token (demo and live use different hosts)',
  CH_OA_CLIENT_NOT_FOUND: 'cTrader does not know this client id: copy it again from openapi.ctrader.com',
  // General
  REQUEST_FREQUENCY_EXCEEDED: 'too many requests to cTrader: requests are slowed down and retried after the delay cTrader gives',
  BLOCKED_PAYLOAD_TYPE: 'cTrader blocked this request type for a while (rate limit): retried after the delay cTrader gives',
  SERVER_IS_UNDER_MAINTENANCE: 'cTrader is under maintenance: TradeGuard reconnects when it ends',
  CHANNEL_IS_BLOCKED: 'operations are not allowed on this account: contact your broker',
  CONNECTIONS_LIMIT_EXCEEDED: 'this application has too many open connections to cTrader: close other sessions using the same client id',
  WORSE_GSL_NOT_ALLOWED: 'a guaranteed stop may not be moved to a worse level',
  SYMBOL_HAS_HOLIDAY: 'the symbol is on holiday: trading resumes after it',
  // Pricing
  NOT_SUBSCRIBED_TO_SPOTS: 'live bars need a spot subscription first (TradeGuard resubscribes)',
  ALREADY_SUBSCRIBED: 'already subscribed (harmless)',
  SYMBOL_NOT_FOUND: 'the symbol is not available on this account',
  UNKNOWN_SYMBOL: 'the symbol is not available on this account',
  INCORRECT_BOUNDARIES: 'the history request covers too long a period for this timeframe',
  // Trading
  NO_QUOTES: 'no prices for the symbol right now: the order was not placed',
  NOT_ENOUGH_MONEY: 'not enough free margin for this order: reduce the size or the risk per trade, or close positions',
  MAX_EXPOSURE_REACHED: 'the broker\'s maximum exposure for this symbol and side is reached',
  POSITION_NOT_FOUND: 'the position no longer exists at the broker (already closed?)',
  ORDER_NOT_FOUND: 'the order no longer exists at the broker',
  POSITION_NOT_OPEN: 'the position is not open',
  POSITION_LOCKED: 'the position is busy with another operation: try again in a moment',
  TOO_MANY_POSITIONS: 'the account reached its maximum number of open positions and orders',
  TRADING_BAD_VOLUME: 'the broker refused the volume: check the symbol\'s minimum, step and maximum volume',
  TRADING_BAD_STOPS: 'the broker refused the stop-loss or take-profit: it is too close to the price or on the wrong side',
  TRADING_BAD_PRICES: 'the broker refused the price',
  TRADING_BAD_STAKE: 'the broker refused the stake',
  PROTECTION_IS_TOO_CLOSE_TO_MARKET: 'the stop-loss or take-profit is too close to the market price: widen it',
  TRADING_BAD_EXPIRATION_DATE: 'the order expiry is not valid',
  PENDING_EXECUTION: 'the position has an order under execution: try again in a moment',
  TRADING_DISABLED: 'trading is disabled for this symbol',
  TRADING_NOT_ALLOWED: 'the account is read-only (the token may have view scope only: reconnect granting "trading")',
  UNABLE_TO_CANCEL_ORDER: 'the order could not be cancelled',
  UNABLE_TO_AMEND_ORDER: 'the order could not be changed',
  SHORT_SELLING_NOT_ALLOWED: 'short selling is not allowed for this symbol',
  // Common (ProtoErrorCode)
  UNKNOWN_ERROR: 'cTrader reported an unknown error',
  UNSUPPORTED_MESSAGE: 'cTrader does not support this request (protocol version mismatch?)',
  INVALID_REQUEST: 'cTrader refused the request as invalid',
  TIMEOUT_ERROR: 'the execution timed out at the broker: the order was rejected',
  ENTITY_NOT_FOUND: 'the requested item was not found',
  CANT_ROUTE_REQUEST: 'cTrader lost its connection to the trading server: TradeGuard retries',
  FRAME_TOO_LONG: 'the message was too large for cTrader',
  MARKET_CLOSED: 'the market is closed: the order was not placed',
  CONCURRENT_MODIFICATION: 'the order is being executed and cannot be changed now',
};

/** Every code this file explains: each must be a name of ProtoOAErrorCode or ProtoErrorCode (the wire carries names). */
export const EXPLAINED_CODES: readonly string[] = Object.keys(ADVICE);

/** Codes that mean "the token must be refreshed or granted again". */
export const TOKEN_ERRORS = new Set(['OA_AUTH_TOKEN_EXPIRED', 'CH_ACCESS_TOKEN_INVALID', 'ACCOUNT_NOT_AUTHORIZED']);
/** Codes after which a read request may be retried once the delay has passed. */
export const RATE_LIMIT_ERRORS = new Set(['REQUEST_FREQUENCY_EXCEEDED', 'BLOCKED_PAYLOAD_TYPE']);

/** What an error code means for the user, e.g. 'NOT_ENOUGH_MONEY: not enough free margin ...'. */
export function explainError(code: string, description?: string): string {
  const advice = ownEntry(ADVICE, code) ?? 'cTrader reported an error';
  return `${code}: ${advice}${description ? ` (cTrader: ${description})` : ''}`;
}

/** An error response from cTrader (ProtoOAErrorRes, ProtoErrorRes or ProtoOAOrderErrorEvent). */
export class CTraderError extends Error {
  override readonly name = 'CTraderError';
  constructor(
    readonly code: string,
    readonly description: string | undefined,
    /** Seconds until a rate limit lifts (ProtoOAErrorRes.retryAfter). */
    readonly retryAfterSec?: number,
    /** When maintenance ends, ms UTC (maintenanceEndTimestamp is in seconds on the wire). */
    readonly maintenanceEndMs?: number,
  ) {
    super(explainError(code, description));
  }
}

/** Replaces secrets in text that may reach a log. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join(`[redacted ${s.length} chars]`);
  return out;
}
