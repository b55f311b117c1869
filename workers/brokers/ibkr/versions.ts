/**
 * The TWS API server versions this client speaks (docs/IBKR.md, Versions).
 *
 * The client announces exactly one version, 176 (`v176` in the handshake) (MIN_SERVER_VER_BOND_ISSUERID,
 * the highest version of IB's TWS API 10.19 client). TWS and IB Gateway answer
 * min(their newest, the client's newest), so every build since 10.19 answers
 * 176 and the client has ONE field layout per message, each checked against
 * @stoqey/ib at 176 (tests/ibkr/oracle.test.ts). Why not a range:
 * - below 176 the layouts fork (169 and 170 change placeOrder, 175 changes the
 *   unit of historical volume for US stocks from lots to shares), each fork
 *   being code and tests for TWS builds IB itself no longer supports;
 * - above 176 up to 200 the order and contract layouts grow again, and from 201
 *   bodies are protobuf, another protocol altogether;
 * - 176 is inside @stoqey/ib's 100..193, so the oracle covers it.
 * Widening later means adding a version here and the forks it brings, with the oracle at each.
 */
export const CLIENT_MIN_VERSION = 176;
export const CLIENT_MAX_VERSION = 176;

/** Server versions the 176 layouts depend on (names as in IB's EClient). */
export const SERVER_VERSION = {
  /** START_API carries optionalCapabilities. */
  OPTIONAL_CAPABILITIES: 72,
  /** HISTORICAL_DATA loses its version field; REQ_HISTORICAL_DATA gains keepUpToDate. */
  SYNT_REALTIME_BARS: 124,
  /** ERR_MSG text may hold \uXXXX escapes. */
  ENCODE_MSG_ASCII7: 153,
  /** CONTRACT_DATA loses its version field and carries minSize, sizeIncrement, suggestedSizeIncrement. */
  SIZE_RULES: 164,
  /** ERR_MSG carries advancedOrderRejectJson. */
  ADVANCED_ORDER_REJECT: 166,
  /** Historical volume of US stocks in shares, not lots of 100. */
  HMDS_MARKET_DATA_IN_SHARES: 175,
  /** REQ_CONTRACT_DATA carries issuerId. */
  BOND_ISSUERID: 176,
  /** Message bodies become protobuf: a different protocol, never announced. */
  PROTOBUF: 201,
} as const;

/** The handshake's version text as IB's clients build it (EClient.buildVersionString): `v176`, or `vMIN..MAX` for a range. */
export function versionText(min: number, max: number): string {
  return min < max ? `v${min}..${max}` : `v${min}`;
}

export const VERSION_RANGE = versionText(CLIENT_MIN_VERSION, CLIENT_MAX_VERSION);

/** Why a server version the handshake answered cannot be used, or null when it can. */
export function serverVersionProblem(version: number): string | null {
  if (!Number.isInteger(version)) return 'the server did not answer a version number';
  if (version < CLIENT_MIN_VERSION) return `TWS answered server version ${version}, older than ${CLIENT_MIN_VERSION} (TWS or IB Gateway 10.19): update TWS or IB Gateway`;
  if (version > CLIENT_MAX_VERSION) return `TWS answered server version ${version}, outside the range ${VERSION_RANGE} this client announced`;
  return null;
}
