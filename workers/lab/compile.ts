import { parse } from './parser.ts';
import { check, type CheckedProgram } from './check.ts';
import type { Diagnostics } from './errors.ts';

/** A lab program's source compiled: the program when it has no error, and every error and warning with line and column. */
export interface CompileResult extends Diagnostics {
  program: CheckedProgram | null;
}

/** Most a program may hold: a cell is a few lines; this keeps a pasted file from stalling the editor. */
export const MAX_SOURCE_CHARS = 20_000;

/**
 * Parses and checks a program. Never throws on bad input: every problem is a
 * diagnostic (line, column, message, hint). When the syntax is broken, type
 * errors are not reported yet (they would mostly echo the syntax error).
 */
export function compile(source: string): CompileResult {
  if (typeof source !== 'string') {
    return { program: null, errors: [{ line: 1, column: 1, length: 1, message: 'the program is not text', hint: 'give the source as a string' }], warnings: [] };
  }
  if (source.length > MAX_SOURCE_CHARS) {
    return { program: null, errors: [{ line: 1, column: 1, length: 1, message: `the program is ${source.length} characters long, more than ${MAX_SOURCE_CHARS}`, hint: 'a strategy is a few lines; split ideas into several cells' }], warnings: [] };
  }
  const parsed = parse(source);
  if (parsed.errors.length > 0) return { program: null, errors: parsed.errors, warnings: [] };
  return check(parsed.ast);
}

/** Only the problems (what the editor and `tradeguard cells check` show). */
export function checkSource(source: string): Diagnostics {
  const { errors, warnings } = compile(source);
  return { errors, warnings };
}
