import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { checkSource, MAX_SOURCE_CHARS } from '../../workers/lab/compile.ts';
import { formatDiagnostic, type Diagnostic } from '../../workers/lab/errors.ts';
import { statusText } from '../../workers/lab/viability.ts';
import { registerCellStrategy } from '../../workers/strategies/index.ts';
import { recordFile } from './commands-dataset.ts';
import { num } from './format.ts';
import { UserError } from './load-bars.ts';

type Log = (s: string) => void;

export const CELLS_HELP = `tradeguard cells check FILE [--json]
tradeguard cells list [--data-dir DIR] [--workspace demo|live] [--json]
tradeguard cells evolve --parent ID|FILE --seed S [--population N] [--generations G] ... (tradeguard cells evolve --help)

check: the program's errors and warnings, each at its line and column with a hint (exit 0 when it has no error, 2 when it has).
list: the cells in the relay's record (--data-dir, default ./data), oldest first, with their lineage, last test and status.
The language: docs/LANGUAGE.md.`;

/** A program file's text; a missing or unreadable file, or one too long to be a program, refused in words. */
export function readProgram(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new UserError(code === 'ENOENT' ? `no file ${file}` : code === 'EISDIR' ? `${file} is a folder, not a program file` : `cannot read ${file}: ${(e as Error).message}`);
  }
  if (text.length > MAX_SOURCE_CHARS) throw new UserError(`${file} is ${text.length} characters long, more than a program may be (${MAX_SOURCE_CHARS}); is it the right file?`);
  return text;
}

/** Each problem as `FILE: line L, column C: severity: message (hint)`, then the line and a caret under it. */
export function diagnosticLines(file: string, source: string, d: Diagnostic, severity: 'error' | 'warning'): string[] {
  const line = source.split(/\r?\n/)[d.line - 1] ?? '';
  return [`${file}: ${formatDiagnostic(d, severity)}`, `    ${line}`, `    ${' '.repeat(Math.max(0, d.column - 1))}${'^'.repeat(Math.max(1, Math.min(d.length, line.length - d.column + 1)))}`];
}

/**
 * `backtest --cell FILE`: the program compiled and registered as the rule
 * strategy the backtest runs (lab:file:<name>); every error printed with its
 * line and column and the command refused (exit 2) when it does not compile.
 */
export function cellStrategyFromFile(file: string, log: Log): string {
  const source = readProgram(file);
  const { errors, warnings } = checkSource(source);
  if (errors.length) {
    const lines = errors.flatMap((d) => diagnosticLines(file, source, d, 'error'));
    throw new UserError(`${file} does not compile (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
  }
  for (const w of warnings) for (const l of diagnosticLines(file, source, w, 'warning')) log(l);
  const name = `lab:file:${basename(file)}`;
  registerCellStrategy(name, `the program in ${file}`, source);
  return name;
}

/** `tradeguard cells check|list ...`; returns the exit code. */
export async function cellsCommand(argv: string[], log: Log): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'evolve') {
    const { evolveCommand, EVOLVE_HELP } = await import('./commands-evolve.ts');
    if (rest.includes('--help') || rest.includes('-h')) {
      log(EVOLVE_HELP);
      return 0;
    }
    return evolveCommand(rest, log);
  }
  const { values: o, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' }, workspace: { type: 'string' } }, strict: true, allowPositionals: true });
  switch (sub) {
    case 'check': {
      if (positionals.length !== 1) throw new UserError(`check takes one program file (got ${positionals.length ? positionals.join(' ') : 'none'})`);
      if (o['data-dir'] !== undefined || o.workspace !== undefined) throw new UserError('check reads a file; --data-dir and --workspace are for list');
      const file = positionals[0];
      const source = readProgram(file);
      const { errors, warnings } = checkSource(source);
      if (o.json) {
        log(JSON.stringify({ file, ok: errors.length === 0, errors, warnings }, null, 2));
        return errors.length ? 2 : 0;
      }
      for (const d of errors) for (const l of diagnosticLines(file, source, d, 'error')) log(l);
      for (const d of warnings) for (const l of diagnosticLines(file, source, d, 'warning')) log(l);
      const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
      log(errors.length ? `${file}: ${count(errors.length, 'error')}, ${count(warnings.length, 'warning')}` : `${file}: ok${warnings.length ? ` (${count(warnings.length, 'warning')})` : ''}`);
      return errors.length ? 2 : 0;
    }
    case 'list': {
      if (positionals.length) throw new UserError(`list takes no argument (got ${positionals.join(' ')})`);
      const file = recordFile(o['data-dir'] ?? './data', o.workspace);
      const { openSqliteStore } = await import('../store/sqlite-store.ts');
      const store = openSqliteStore(file);
      try {
        const cells = await store.cells.list();
        if (o.json) {
          log(JSON.stringify(cells.map((c) => ({ ...c, statusText: statusText(c.status) })), (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
          return 0;
        }
        if (cells.length === 0) {
          log(`no cells in ${file} (the relay seeds the built-in ones on first use of /api/cells; create one with POST /api/cells)`);
          return 0;
        }
        const head = ['id', 'gen', 'parent', 'author', 'category', 'trades', 'Sharpe', 'status'];
        const rows = cells.map((c) => {
          const m = c.results.at(-1)?.metrics;
          return [c.id, String(c.generation), c.parentId ?? '-', `${c.author.kind}: ${c.author.name}`, c.category, m ? String(m.trades) : '-', m ? num(m.sharpe) : '-', statusText(c.status)];
        });
        const all = [head, ...rows];
        const w = head.map((_, k) => Math.max(...all.map((r) => r[k].length)));
        for (const r of all) log(r.map((cell, k) => (k === 1 || k === 5 || k === 6 ? cell.padStart(w[k]) : k === r.length - 1 ? cell : cell.padEnd(w[k]))).join('  '));
        return 0;
      } finally {
        store.close();
      }
    }
    default:
      throw new UserError(`${sub ? `unknown subcommand "${sub}"` : 'give a subcommand'}\n\n${CELLS_HELP}`);
  }
}
