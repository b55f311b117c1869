/**
 * How an engine order is recognised at cTrader. ProtoOANewOrderReq.clientOrderId
 * holds at most 50 characters, so a longer engine id travels as a stable hash;
 * the full id rides in `comment` (512), which the position opened by the order
 * keeps (tradeData.comment), and `label` (100) names the agent. Reconcile finds
 * an order's position by them after a restart or a lost connection.
 */
export const LABEL_PREFIX = 'tg:';

export function wireClientOrderId(engineId: string): string {
  if (engineId.length <= 50) return engineId;
  // FNV-1a 64-bit: deterministic, so a restart computes the same wire id.
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < engineId.length; i++) {
    h ^= BigInt(engineId.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `tg#${h.toString(36)}`;
}

export const labelOf = (agentId: string) => `${LABEL_PREFIX}${agentId}`.slice(0, 100);

/** The agent of a position opened by TradeGuard, or null for one opened elsewhere (cTrader app, another tool). */
export function agentOfLabel(label: string | undefined): string | null {
  return label && label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length) : null;
}
