import type { CloseReason, OrderIntent, Position, Side } from '../../trading/orders.ts';
import type { IbOrder } from './order-requests.ts';

/**
 * What the IBKR broker keeps about orders and positions (ibkr-broker.ts and
 * reconcile.ts share it). Engine positions are keyed by the entry's client
 * order id, which travels to IB as the orderRef: the parent carries it, the
 * children `<coid>:tp` and `<coid>:sl`, a close its own client order id.
 */
export type RecState = 'sent' | 'accepted' | 'unknown' | 'done';

export interface Fill {
  shares: number;
  price: number;
  time: number;
}

/** Executions of one order, by execId (a repeated one counts once), with their commissions in cents. */
export interface Fills {
  byExec: Map<string, Fill>;
  commissionCents: Map<string, number>;
}

export const noFills = (): Fills => ({ byExec: new Map(), commissionCents: new Map() });

/** A take-profit or stop-loss child as sent (`sent`: the price last asked) and as TWS last described it (`confirmed`). */
export interface Child {
  orderId: number;
  order: IbOrder;
  sent: number;
  confirmed: number | null;
}

export interface Children {
  tp?: Child;
  sl?: Child;
}

export interface OrderRec {
  coid: string;
  kind: 'open' | 'close';
  agentId: string;
  symbol: string;
  /** The side this order trades. */
  side: Side;
  state: RecState;
  /** Quantity in IB units (contracts, shares). */
  quantity: number;
  intent?: OrderIntent;
  positionId?: string;
  reason?: CloseReason;
  orderId?: number;
  acceptedSent: boolean;
  children: Children;
  fills: Fills;
  /** Why the engine cancelled it, for the order.cancelled IB's status confirms. */
  cancelReason?: string;
  /** A close waits for these children to be cancelled before its market order goes. */
  awaitingCancel?: Set<number>;
  /** Completion waits for commissions; this stops the wait's timer. */
  stopWait?: () => void;
}

export interface Held extends Position {
  conId: number;
  quantity: number;
  children: Children;
  /** The stop and target the engine asked for, until TWS confirms them (position.amended then). */
  amend?: { stopLoss: number | null; takeProfit: number | null; why: string };
  /** The close under way (its client order id). */
  closing?: string;
  /** A child's fills, when a stop or target executes. */
  exit?: { kind: 'tp' | 'sl'; fills: Fills };
}

export const totalShares = (f: Fills) => [...f.byExec.values()].reduce((s, x) => s + x.shares, 0);
export const averagePrice = (f: Fills) => {
  const xs = [...f.byExec.values()];
  // One price (one execution, or several at it) is IB's price exactly: 20000 x 1.1006 / 20000 is 1.1005999999999998.
  if (xs.length && xs.every((x) => x.price === xs[0].price)) return xs[0].price;
  const n = xs.reduce((s, x) => s + x.shares, 0);
  return n > 0 ? xs.reduce((s, x) => s + x.shares * x.price, 0) / n : 0;
};
export const lastTime = (f: Fills, fallback: number) => {
  const ts = [...f.byExec.values()].map((x) => x.time);
  return ts.length ? Math.max(...ts) : fallback;
};
export const commissionCents = (f: Fills) => [...f.commissionCents.values()].reduce((s, c) => s + c, 0);
export const commissionsKnown = (f: Fills) => [...f.byExec.keys()].every((id) => f.commissionCents.has(id));

/** `<coid>:tp` / `<coid>:sl` -> the entry's coid and the child's kind. */
export function childOf(orderRef: string): { coid: string; kind: 'tp' | 'sl' } | null {
  const m = /^(.*):(tp|sl)$/.exec(orderRef);
  return m ? { coid: m[1], kind: m[2] as 'tp' | 'sl' } : null;
}

/** The agent of an engine client order id (`agent:symbol:barTime:leg`, workers/trading/events.ts clientOrderId). */
export function agentOfCoid(coid: string): string | null {
  const parts = coid.split(':');
  return parts.length >= 4 && /^\d+$/.test(parts[parts.length - 2]) ? parts.slice(0, -3).join(':') : null;
}

/** '2 min 10 s', '45 s', '1 h 05 min': how long the connection was down. */
export function outageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
