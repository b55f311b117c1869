import type { ArithOp, CompareOp, LogicOp } from './ast.ts';

/**
 * The checked program as a graph of per-bar values: every node is computed
 * once per bar from nodes before it (children always have smaller ids), and
 * identical sub-expressions are one node (`ema(close, 9)` in two rules is one
 * indicator). The batch and the streaming evaluators both run this graph.
 */
export type NodeOp =
  | { op: 'const'; value: number }
  | { op: 'field'; field: 'open' | 'high' | 'low' | 'close' | 'volume' | 'time' }
  | { op: 'clock'; unit: 'hour' | 'minute' | 'day_of_week'; a: number }
  | { op: 'neg' | 'not' | 'abs'; a: number }
  | { op: 'arith'; fn: ArithOp; a: number; b: number }
  | { op: 'cmp'; fn: CompareOp; a: number; b: number }
  | { op: 'logic'; fn: LogicOp; a: number; b: number }
  | { op: 'min' | 'max'; a: number; b: number }
  /** One indicator instance; its outputs are 'output' nodes. input: the series fed to it, or -1 for the bar itself. */
  | { op: 'indicator'; key: string; params: readonly number[]; input: number }
  | { op: 'output'; a: number; k: number }
  | { op: 'lag'; a: number; k: number }
  | { op: 'cross'; dir: 1 | -1; a: number; b: number }
  | { op: 'rank'; a: number; n: number }
  /** What the trade is doing: known only while running, one bar at a time. */
  | { op: 'state'; which: 'position' | 'bars_in_trade' };

export type NodeType = 'number' | 'bool' | 'instance';

export type IrNode = NodeOp & {
  id: number;
  type: NodeType;
  /** Index of the first bar on which this node can be finite on clean data. */
  warmup: number;
  /** Depends on the trade (position, bars in trade): evaluated bar by bar, never as a column. */
  stateful: boolean;
  /** For indicator outputs: the name it is recorded under in a decision's inputs, e.g. "ema(close, 9)". */
  label?: string;
};

/** Children of a node, in order. */
export function childrenOf(n: NodeOp): number[] {
  switch (n.op) {
    case 'const':
    case 'field':
    case 'state':
      return [];
    case 'indicator':
      return n.input >= 0 ? [n.input] : [];
    case 'clock':
    case 'neg':
    case 'not':
    case 'abs':
    case 'output':
    case 'lag':
    case 'rank':
      return [n.a];
    default:
      return [n.a, n.b];
  }
}

/** Builds the node list, one node per distinct computation. */
export class Graph {
  readonly nodes: IrNode[] = [];
  private readonly byKey = new Map<string, number>();

  add(op: NodeOp, type: NodeType, warmup: number, label?: string): number {
    const key = JSON.stringify(op);
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const stateful = op.op === 'state' || childrenOf(op).some((c) => this.nodes[c].stateful);
    const id = this.nodes.length;
    this.nodes.push({ ...op, id, type, warmup, stateful, label } as IrNode);
    this.byKey.set(key, id);
    return id;
  }

  constant(id: number): number | null {
    const n = this.nodes[id];
    return n.op === 'const' ? n.value : null;
  }
}

/** The expression a node computes, as a program would write it (for labels and messages). */
export function render(nodes: readonly IrNode[], id: number): string {
  const n = nodes[id];
  const r = (c: number) => render(nodes, c);
  switch (n.op) {
    case 'const':
      return String(n.value);
    case 'field':
      return n.field;
    case 'clock':
      return n.unit;
    case 'state':
      return n.which;
    case 'neg':
      return `-${r(n.a)}`;
    case 'not':
      return `not ${r(n.a)}`;
    case 'abs':
      return `abs(${r(n.a)})`;
    case 'min':
    case 'max':
      return `${n.op}(${r(n.a)}, ${r(n.b)})`;
    case 'arith':
    case 'cmp':
    case 'logic':
      return `(${r(n.a)} ${n.fn} ${r(n.b)})`;
    case 'indicator':
      return `${n.key}(${[...(n.input >= 0 ? [r(n.input)] : []), ...n.params].join(', ')})`;
    case 'output':
      return n.label ?? `${r(n.a)}#${n.k}`;
    case 'lag':
      return `${r(n.a)}[${n.k}]`;
    case 'cross':
      return `crosses_${n.dir > 0 ? 'above' : 'below'}(${r(n.a)}, ${r(n.b)})`;
    case 'rank':
      return `percentile_rank(${r(n.a)}, ${n.n})`;
  }
}
