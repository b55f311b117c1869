import type { Span } from './ast.ts';

/** One problem in a program, where it is and what to do about it (the editor underlines `length` characters). */
export interface Diagnostic {
  line: number;
  column: number;
  length: number;
  message: string;
  hint: string;
}

/** Everything wrong with a program: errors stop it from running, warnings do not. */
export interface Diagnostics {
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export function diagnostic(at: Span, message: string, hint: string): Diagnostic {
  return { line: at.line, column: at.column, length: Math.max(1, at.length), message, hint };
}

/** `line 3, column 7: message (hint)`: one line, for a terminal or a log. */
export function formatDiagnostic(d: Diagnostic, severity: 'error' | 'warning' = 'error'): string {
  return `line ${d.line}, column ${d.column}: ${severity}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}

/** Edit distance (insert, delete, substitute, swap of neighbours), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known name closest to `name` (a typo, another case, a common alias), or null when none is close. */
export function closestName(name: string, known: readonly string[]): string | null {
  const lower = name.toLowerCase();
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = k === lower ? 0 : distance(lower, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  const allowed = Math.max(1, Math.floor(name.length / 3));
  return best !== null && bestD <= allowed ? best : null;
}
