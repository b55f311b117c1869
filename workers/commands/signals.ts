import { CommandError, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';
import { price, signedUsd, utc, volume } from './format.ts';
import { entryDecisions } from './performance.ts';
import { sideWord } from '../trading/orders.ts';
import type { DecisionModels, RiskNote } from '../trading/events.ts';
import type { DecisionRecord } from '../store/projections.ts';

/**
 * `/signals` and `/why`: the engine's decisions as recorded, with the numbers
 * the models and the risk rules gave. Nothing is recomputed: a decision says
 * what it said when it was taken.
 */

const dirWord = (d: DecisionRecord['direction']) => (d === null ? 'no opinion' : d === 0 ? 'flat' : sideWord(d));
const n2 = (x: number) => x.toFixed(2);

/** The model chain's numbers, one phrase per model. */
export function modelLines(m: DecisionModels | undefined): string[] {
  if (!m) return [];
  const out: string[] = [];
  if (m.alpha) {
    const p = m.alpha.probabilities;
    const probs = (['short', 'flat', 'long'] as const).filter((k) => p[k] !== undefined).map((k) => `${k} ${n2(p[k]!)}`);
    out.push(`alpha ${m.alpha.model}: ${dirWord(m.alpha.direction)}, confidence ${n2(m.alpha.confidence)}${probs.length ? ` (${probs.join(', ')})` : ''}`);
  }
  if (m.risk) {
    const { used, raw } = m.risk;
    const same = used.slMult === raw.slMult && used.tpMult === raw.tpMult && used.size === raw.size;
    out.push(`risk ${m.risk.model}: stop ${n2(used.slMult)} x ATR, target ${n2(used.tpMult)} x ATR, size ${n2(used.size)}${same ? '' : ` (the model said ${n2(raw.slMult)}, ${n2(raw.tpMult)}, ${n2(raw.size)}${m.risk.clamped.length ? `; ${m.risk.clamped.join('; ')}` : ''})`}`);
  }
  if (m.guard) out.push(`guard ${m.guard.model}: allow ${m.guard.allow.toFixed(3)} against threshold ${m.guard.threshold}: ${m.guard.allow < m.guard.threshold ? 'BLOCKED' : 'passed'}`);
  return out;
}

/** One risk rule's word: 'max-open refuse (max-open-positions): 5 positions are open ...'. */
export function riskNoteText(n: RiskNote): string {
  const size = n.fromUnits !== undefined && n.toUnits !== undefined ? ` [${volume(n.fromUnits)} -> ${volume(n.toUnits)} units]` : '';
  return `${n.rule} ${n.verdict} (${n.code}): ${n.reason}${size}`;
}

/** A decision the trader would call a signal: an order placed, or a side proposed and then refused or blocked. */
export function isSignal(d: DecisionRecord): boolean {
  return d.action === 'enter' || d.action === 'exit' || d.action === 'reverse' || (d.action === 'skip' && (d.direction === 1 || d.direction === -1));
}

/** What came of a decision: its order's fate, or the refusal with the rule. */
async function outcome(ctx: CommandContext, d: DecisionRecord): Promise<string> {
  if (d.action === 'skip') {
    const refusal = d.risk?.find((n) => n.verdict === 'refuse');
    return refusal ? `REFUSED by ${refusal.rule}: ${refusal.reason}` : `not traded: ${d.reason.replace(/^skipped: /, '')}`;
  }
  const o = d.clientOrderId ? await ctx.store.orders.get(d.clientOrderId) : undefined;
  const what = d.action === 'exit' ? d.reason : `traded (${d.reason})`;
  if (!o) return `${what}; no order recorded`;
  if (o.state === 'filled') return `${what}; filled @ ${price(d.symbol, o.fillPrice ?? null)}`;
  if (o.state === 'rejected') return `${what}; order REJECTED: ${o.rejectReason ?? 'no reason given'}`;
  if (o.state === 'cancelled') return `${what}; order cancelled: ${o.cancelReason ?? 'no reason given'}`;
  return `${what}; order sent, not filled yet`;
}

const SIGNALS_USAGE = '/signals [n]';

const signals: CommandDef<number> = {
  name: '/signals',
  category: 'Signals and models',
  summary: 'the latest decisions that traded or were refused (default 5, at most 30), with the models’ numbers',
  usage: SIGNALS_USAGE,
  destructive: false,
  parse(words, head) {
    if (words.length === 0) return 5;
    const n = words.length === 1 && /^\d+$/.test(words[0]) ? Number(words[0]) : NaN;
    if (!(n >= 1 && n <= 30)) throw new CommandError(`${head}: the number of decisions must be 1 to 30 (got "${words.join(' ')}") (usage: ${SIGNALS_USAGE})`);
    return n;
  },
  async run(ctx, n) {
    const all = await ctx.store.decisions.list();
    const picked: DecisionRecord[] = [];
    for (let i = all.length - 1; i >= 0 && picked.length < n; i--) if (isSignal(all[i])) picked.push(all[i]);
    if (picked.length === 0) return [`no signals yet: of ${all.length} decision(s), none placed an order or was refused (holds and skips without a side are left out)`];
    const lines = [`latest ${picked.length} signal(s), newest first:`];
    for (const d of picked) {
      const numbers = [...modelLines(d.models), ...(d.risk ?? []).filter((x) => x.verdict === 'resize').map(riskNoteText)];
      lines.push(`${utc(d.time)} ${d.agentId} ${d.symbol} ${dirWord(d.direction)}: ${await outcome(ctx, d)}${numbers.length ? ` | ${numbers.join(' | ')}` : ''}`);
    }
    return lines;
  },
};

const WHY_USAGE = '/why <SYMBOL|trade id>';

/** The trade or position a word names: an id first, else the latest entry in that symbol. */
async function tradeNamed(ctx: CommandContext, word: string) {
  const open = await ctx.store.positions.open();
  const trades = await ctx.store.trades.list();
  const byId = open.find((p) => p.positionId === word) ?? trades.find((t) => t.id === word);
  if (byId) return byId;
  const symbol = word.toUpperCase();
  const candidates = [...open.filter((p) => p.symbol === symbol), ...trades.filter((t) => t.symbol === symbol)];
  const entered = (x: (typeof candidates)[number]) => ('openedAt' in x ? x.openedAt : x.entryTime);
  return candidates.sort((a, b) => entered(b) - entered(a))[0] ?? null;
}

/** Every recorded number of one decision, one line each. */
function decisionLines(d: DecisionRecord): string[] {
  const lines = [`decision ${utc(d.time)} by ${d.agentId} on ${d.symbol} (bar of ${utc(d.barTime)}): ${d.action}, ${dirWord(d.direction)} — ${d.reason}`];
  const models = modelLines(d.models);
  lines.push(...(models.length ? models : ['models: none recorded (a rule strategy decided, or the agent runs no model)']));
  lines.push(...(d.risk?.length ? d.risk.map((n) => `risk rule ${riskNoteText(n)}`) : ['risk rules: none resized or refused it']));
  if (d.volumeUnits !== undefined) lines.push(`order: ${volume(d.volumeUnits)} units, stop distance ${price(d.symbol, d.stopDistance ?? null)}, target distance ${price(d.symbol, d.targetDistance ?? null)}`);
  const inputs = Object.entries(d.inputs ?? {}).slice(0, 8);
  if (inputs.length) lines.push(`inputs: ${inputs.map(([k, v]) => `${k} ${Number.isFinite(v) ? +v.toPrecision(6) : v}`).join(', ')}`);
  return lines;
}

const why: CommandDef<string> = {
  name: '/why',
  category: 'Signals and models',
  summary: 'the decision behind the latest trade in a symbol (or a trade id): models, risk heads, guard and every risk rule',
  usage: WHY_USAGE,
  destructive: false,
  parse(words, head) {
    if (words.length !== 1) throw new CommandError(`${head} needs one symbol or trade id, e.g. ${head} EURUSD (got ${words.length ? `"${words.join(' ')}"` : 'none'}) (usage: ${WHY_USAGE})`);
    return words[0];
  },
  async run(ctx, word) {
    const t = await tradeNamed(ctx, word);
    if (!t) {
      if (word.includes(':')) return [`no trade or open position has the id "${word}"`];
      const symbol = word.toUpperCase();
      const last = (await ctx.store.decisions.list({ symbol })).filter(isSignal).at(-1);
      if (!last) return [`nothing is recorded for ${symbol}: no trade, no open position and no signal in it`];
      return [`no trade or open position in ${symbol}; the latest signal in it:`, `outcome: ${await outcome(ctx, last)}`, ...decisionLines(last)];
    }
    const isOpen = 'openedAt' in t;
    const id = isOpen ? t.positionId : t.id;
    const head = `${t.symbol} ${sideWord(t.side)} ${volume(t.volumeUnits)} units by ${t.agentId} (trade ${id}): entered ${utc(isOpen ? t.openedAt : t.entryTime)} @ ${price(t.symbol, t.entryPrice)}`;
    const state = isOpen ? `still open, stop ${price(t.symbol, t.stopLoss)}, target ${price(t.symbol, t.takeProfit)}` : `closed ${utc(t.exitTime)} @ ${price(t.symbol, t.exitPrice)} (${t.reason}), ${signedUsd(t.netPnl)}`;
    const d = entryDecisions(await ctx.store.decisions.list({ agentId: t.agentId, symbol: t.symbol })).get(id);
    if (!d) return [`${head}; ${state}`, 'no decision is recorded for it: a manual order, or a position opened before its decision was recorded'];
    return [`${head}; ${state}`, ...decisionLines(d)];
  },
};

export function addSignals(r: CommandRegistry): CommandRegistry {
  return r.add(signals).add(why);
}
