import type { Bar } from '../market/bar.ts';
import type { AccountState, CloseReason, OrderIntent, Position } from '../trading/orders.ts';
import type { BarDrivenBroker, Broker, PendingOrderView } from './broker.ts';
import type { PaperBroker } from './paper/paper-broker.ts';

/**
 * A live account with a paper book beside it, as one broker to the engine:
 * each agent's orders go to the book of its mode (AgentConfig.mode), so a
 * paper agent decides on the same live bars as the live agents and fills in
 * the paper book, and nothing of it ever reaches the live broker.
 *
 * What each view sees:
 * - orders, closes, amendments and cancels go to the book that holds them
 *   (a new entry: the agent's mode; the rest: the book holding the position or order);
 * - positionOf and hasPendingOrder answer from the agent's own book;
 * - positions() and pendingOrders() list both books (the engine's stops, an
 *   emergency stop, the agent cards), while `accountBook` is the live broker
 *   alone: the risk layer judges only it, so paper positions and entries never
 *   count against the account's exposure, open risk or position count;
 * - account() is the live account: sizing, breakers and the account view.
 *
 * The paper book is made at the first paper order or restored position (its
 * cash then is the live balance), so an account without paper agents runs
 * exactly as before.
 */
export class PaperBesideLive implements BarDrivenBroker {
  readonly name: string;
  readonly accountBook: Pick<Broker, 'positions' | 'pendingOrders'>;
  private book: PaperBroker | null = null;
  private readonly liveBars: BarDrivenBroker | null;

  constructor(
    private readonly live: Broker,
    private readonly makePaper: () => PaperBroker,
    private readonly isPaper: (agentId: string) => boolean,
  ) {
    this.name = live.name;
    this.accountBook = live;
    this.liveBars = 'onBar' in live ? (live as BarDrivenBroker) : null;
  }

  /** The paper book, made on first use. */
  get paper(): PaperBroker {
    return (this.book ??= this.makePaper());
  }

  /** Whether the paper book holds this position (a paper agent's). */
  holdsPaper(positionId: string): boolean {
    return this.book?.positions().some((p) => p.id === positionId) ?? false;
  }

  private of(agentId: string): Broker {
    return this.isPaper(agentId) ? this.paper : this.live;
  }

  private holding(positionId: string): Broker {
    return this.holdsPaper(positionId) ? this.paper : this.live;
  }

  submit(order: OrderIntent): void {
    this.of(order.agentId).submit(order);
  }

  closePosition(positionId: string, reason: CloseReason, clientOrderId: string): void {
    this.holding(positionId).closePosition(positionId, reason, clientOrderId);
  }

  amendPosition(positionId: string, stopLoss: number | null, takeProfit: number | null, why: string): void {
    this.holding(positionId).amendPosition(positionId, stopLoss, takeProfit, why);
  }

  positions(): readonly Position[] {
    return this.book ? [...this.live.positions(), ...this.book.positions()] : this.live.positions();
  }

  positionOf(agentId: string, symbol: string): Position | undefined {
    return this.isPaper(agentId) ? this.book?.positionOf(agentId, symbol) : this.live.positionOf(agentId, symbol);
  }

  hasPendingOrder(agentId: string, symbol: string): boolean {
    return this.isPaper(agentId) ? (this.book?.hasPendingOrder(agentId, symbol) ?? false) : this.live.hasPendingOrder(agentId, symbol);
  }

  pendingOrders(): readonly PendingOrderView[] {
    return this.book ? [...this.live.pendingOrders(), ...this.book.pendingOrders()] : this.live.pendingOrders();
  }

  cancelOrder(clientOrderId: string, reason: string): void {
    const paper = this.book?.pendingOrders().some((o) => o.clientOrderId === clientOrderId);
    (paper ? this.paper : this.live).cancelOrder(clientOrderId, reason);
  }

  account(): AccountState {
    return this.live.account();
  }

  /** A live bar: the paper book fills from it (and a live broker that fills from bars too, a test's paper account). */
  onBar(symbol: string, bar: Bar): void {
    this.liveBars?.onBar(symbol, bar);
    this.book?.onBar(symbol, bar);
  }

  get equityAtLastBar(): number {
    return this.liveBars ? this.liveBars.equityAtLastBar : this.live.account().equity;
  }
}
