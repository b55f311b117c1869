import { FUNCTIONS, MAX_PERIOD, SERIES, SERIES_DOCS, type FunctionCategory, type FunctionSpec } from './functions.ts';

/** Markers around the generated part of docs/LANGUAGE.md (tests/lab/docs.test.ts keeps it equal to the table). */
export const REFERENCE_BEGIN = '<!-- functions: generated from workers/lab/functions.ts, do not edit by hand -->';
export const REFERENCE_END = '<!-- end of functions -->';

const SECTIONS: { category: FunctionCategory; title: string }[] = [
  { category: 'indicator', title: 'Indicators' },
  { category: 'signal', title: 'Crosses' },
  { category: 'window', title: 'Windows' },
  { category: 'math', title: 'Arithmetic' },
  { category: 'trade', title: 'The trade' },
  { category: 'time', title: 'Session time' },
];

const KIND_WORDS = { series: 'series', period: `bars, 1-${MAX_PERIOD}`, factor: 'constant > 0' } as const;

function signature(f: FunctionSpec): string {
  if (f.args.length === 0) return `\`${f.name}\``;
  const names = f.args.map((a) => a.name);
  const head = f.defaultSeries ? `[${names[0]},] ` : '';
  return `\`${f.name}(${head}${(f.defaultSeries ? names.slice(1) : names).join(', ')})\``;
}

function args(f: FunctionSpec): string {
  if (f.args.length === 0) return 'none (written with or without `()`)';
  return f.args.map((a, i) => `${a.name}: ${KIND_WORDS[a.kind]}${i === 0 && f.defaultSeries ? `, may be left out (${f.defaultSeries})` : ''}`).join('; ');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The function reference as Markdown tables, one per category, from the function table itself. */
export function functionReference(): string {
  const out: string[] = [];
  out.push('### Series', '', '| name | what |', '|---|---|');
  for (const s of SERIES) out.push(`| \`${s}\` | ${SERIES_DOCS[s]} |`);
  for (const { category, title } of SECTIONS) {
    out.push('', `### ${title}`, '', '| function | arguments | gives | what | example |', '|---|---|---|---|---|');
    for (const f of FUNCTIONS.filter((x) => x.category === category)) {
      out.push(`| ${signature(f)} | ${cell(args(f))} | ${f.returns === 'bool' ? 'condition' : 'number'} | ${cell(f.doc)} | \`${cell(f.example)}\` |`);
    }
  }
  return out.join('\n');
}
