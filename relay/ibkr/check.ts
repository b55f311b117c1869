import { wallScheduler, type Scheduler } from '../../workers/brokers/ctrader/scheduler.ts';
import { IbkrSession, type Notice } from '../../workers/brokers/ibkr/connection.ts';
import type { ContractDetails, IbContract } from '../../workers/brokers/ibkr/contract.ts';
import { MARKET_DATA_TYPES, type MarketDataType } from '../../workers/brokers/ibkr/requests.ts';
import type { IbkrTransport } from '../../workers/brokers/ibkr/transport.ts';
import type { Clock } from '../../workers/trading/clock.ts';
import { wallClock } from '../../workers/trading/wall-clock.ts';
import { TcpTransport } from './tcp-transport.ts';

/** Where to connect: TWS or IB Gateway and the API client id to connect as. */
export interface IbkrTarget {
  host: string;
  port: number;
  clientId: number;
}

export interface IbkrCheckOptions extends IbkrTarget {
  /** What to ask IB for on this connection (a check proves TWS read it with a current-time round trip). */
  marketDataType?: MarketDataType;
  /** Contracts to look up on the same connection. */
  contracts?: readonly IbContract[];
  /** From opening the socket to each answer; a check never waits longer (10 s). */
  timeoutMs?: number;
  /** Tests: another transport (the browser's tunnel); default TCP to host:port. */
  transport?: IbkrTransport;
  clock?: Clock;
  scheduler?: Scheduler;
}

/** What one connection verified: everything here came from TWS on it. */
export interface IbkrCheckResult extends IbkrTarget {
  serverVersion: number;
  /** TWS's own text, e.g. "20240102 09:30:00 EST". */
  connectionTime: string;
  accounts: string[];
  nextValidId: number;
  marketDataType: { name: MarketDataType; code: number };
  /** TWS's clock, ms UTC: the answer that shows the market data type request was read. */
  twsTime: number;
  /** When the check was ready and when it ended, ms UTC (our clock). */
  checkedAt: number;
  lastMessageAt: number | null;
  /** IB's information and notices on the way (farm connections...), in words. */
  notes: { kind: 'info' | 'notice'; text: string }[];
  /** Per contract asked, every match IB gave (IB's 200 text rejects the check). */
  contracts: ContractDetails[][];
}

export const CHECK_TIMEOUT_MS = 10_000;

/**
 * One connection to TWS: the handshake, the managed accounts, the market data
 * type and the contracts asked, then closed. Shared by `tradeguard ibkr check`
 * and POST /api/ibkr/check, so both say the same about the same failure.
 * Rejects with IB's or our words: nothing listening (with the ports hint), a
 * handshake refused (API disabled, untrusted IP), client id in use (326).
 */
export async function checkIbkr(o: IbkrCheckOptions): Promise<IbkrCheckResult> {
  const clock = o.clock ?? wallClock;
  const timeoutMs = Math.min(o.timeoutMs ?? CHECK_TIMEOUT_MS, CHECK_TIMEOUT_MS);
  const transport = o.transport ?? new TcpTransport({ host: o.host, port: o.port, connectTimeoutMs: timeoutMs });
  const session = new IbkrSession({ transport, clock, scheduler: o.scheduler ?? wallScheduler, clientId: o.clientId, handshakeTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs });
  const notes: IbkrCheckResult['notes'] = [];
  session.onNotice((n: Notice) => notes.push({ kind: n.kind === 'info' ? 'info' : 'notice', text: n.text }));
  const marketData = o.marketDataType ?? 'live';
  try {
    const info = await session.connect();
    session.setMarketDataType(marketData);
    // TWS does not answer the market data type; a current time request behind it shows TWS read it, and its clock.
    const twsTime = (await session.currentTime()) * 1000;
    const contracts: ContractDetails[][] = [];
    for (const c of o.contracts ?? []) contracts.push(await session.contractDetails(c));
    return {
      host: o.host,
      port: o.port,
      clientId: o.clientId,
      serverVersion: info.serverVersion,
      connectionTime: info.connectionTime,
      accounts: info.accounts,
      nextValidId: info.nextValidId,
      marketDataType: { name: marketData, code: MARKET_DATA_TYPES[marketData] },
      twsTime,
      checkedAt: clock.now(),
      lastMessageAt: session.lastMessageAt,
      notes,
      contracts,
    };
  } finally {
    session.close('check done');
  }
}

/** The market data type's name from the number Settings stores (1 live, 3 delayed, 4 delayed-frozen). */
export function marketDataTypeName(code: number): MarketDataType {
  const hit = (Object.entries(MARKET_DATA_TYPES) as [MarketDataType, number][]).find(([, n]) => n === code);
  if (!hit) throw new Error(`market data type ${code} is not one IB knows (1 live, 2 frozen, 3 delayed, 4 delayed-frozen)`);
  return hit[0];
}
