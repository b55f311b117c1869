import type { Expr, ProgramAst, Stmt } from '../ast.ts';
import { printExpr } from './print.ts';

/**
 * Crossover of two programs: the long rule(s) of `a`, and the short rules,
 * exits and levels (stop, target, trail) of `b`. The `let` definitions each
 * side uses come along; a name both define differently keeps b's meaning and
 * a's is renamed (name_a) where a's statements use it. b's lets come first,
 * since a's may read one both define alike. The child may still
 * not compile (a long rule reading a name that b dropped, no rule at all):
 * the caller compiles it and discards it if so.
 */
export function crossover(a: ProgramAst, b: ProgramAst): ProgramAst {
  const aLets = a.statements.filter((s): s is Extract<Stmt, { kind: 'let' }> => s.kind === 'let');
  const bLets = b.statements.filter((s): s is Extract<Stmt, { kind: 'let' }> => s.kind === 'let');
  const bByName = new Map(bLets.map((s) => [s.name, printExpr(s.expr)]));
  const taken = new Set([...aLets, ...bLets].map((s) => s.name));
  const renames = new Map<string, string>();
  const keptA: Extract<Stmt, { kind: 'let' }>[] = [];
  for (const s of aLets) {
    const theirs = bByName.get(s.name);
    if (theirs === printExpr(s.expr)) continue; // the same definition: b's copy serves both
    if (theirs !== undefined) {
      let name = `${s.name}_a`;
      for (let k = 2; taken.has(name); k++) name = `${s.name}_a${k}`;
      taken.add(name);
      renames.set(s.name, name);
    }
    keptA.push(s);
  }
  const copy = <T extends Stmt>(s: T): T => {
    const c = structuredClone(s);
    c.expr = rename(c.expr, renames);
    if (c.kind === 'let' && renames.has(c.name)) c.name = renames.get(c.name)!;
    return c;
  };
  const longs = a.statements.filter((s) => s.kind === 'rule' && s.rule === 'long');
  const rest = b.statements.filter((s) => s.kind !== 'let' && !(s.kind === 'rule' && s.rule === 'long'));
  return { statements: [...bLets.map((s) => structuredClone(s)), ...keptA.map(copy), ...longs.map(copy), ...rest.map((s) => structuredClone(s))] };
}

/** `e` with each name in `renames` replaced (a bare name is a `let` name or a series; only lets are renamed). */
function rename(e: Expr, renames: ReadonlyMap<string, string>): Expr {
  if (renames.size === 0) return e;
  switch (e.kind) {
    case 'name':
      return renames.has(e.name) ? { ...e, name: renames.get(e.name)! } : e;
    case 'num':
      return e;
    case 'unary':
      return { ...e, arg: rename(e.arg, renames) };
    case 'binary':
      return { ...e, left: rename(e.left, renames), right: rename(e.right, renames) };
    case 'lag':
      return { ...e, target: rename(e.target, renames), bars: rename(e.bars, renames) };
    case 'call':
      return { ...e, args: e.args.map((x) => rename(x, renames)) };
  }
}
