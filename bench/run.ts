/**
 * `npm run bench`: runs every bench/*.bench.ts, each in its own Node process
 * (one file's heap and JIT state must not skew the next one's latencies),
 * prints the table and writes BENCHMARKS.md with the machine it ran on.
 * `npm run bench -- indicators` runs only the files whose name contains "indicators".
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { cpus, loadavg, totalmem, platform, release } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { advantage, type BenchRow } from './lib.ts';

const here = dirname(fileURLToPath(import.meta.url));

// Child mode: run one file, leave its rows (and its analysis) as JSON for the parent.
// A bench file may export `analysis`: where the time goes and why a target is missed, from its profiles. It is
// printed under the rows and kept in BENCHMARKS.md with them, so a rewrite of the table never drops it.
if (process.argv[2] === '--one') {
  const mod = (await import(pathToFileURL(join(here, process.argv[3])).href)) as { default: () => Promise<BenchRow[]> | BenchRow[]; analysis?: string };
  writeFileSync(process.argv[4], JSON.stringify({ rows: await mod.default(), analysis: mod.analysis ?? null }));
  process.exit(0);
}

// `npm run bench -- ibkr --update`: run the matching files only and replace their sections of BENCHMARKS.md (the others stay as measured before).
const update = process.argv.includes('--update');
const filter = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '';
const benches = readdirSync(here).filter((f) => f.endsWith('.bench.ts'));
// A whole file name runs that file alone ('backtest.bench.ts' without e2e-backtest.bench.ts); else every name containing it.
const files = (benches.includes(filter) ? [filter] : benches.filter((f) => f.includes(filter))).sort();

// A measurement that could not be taken arrives as null (NaN through JSON): shown as n/a, never a crash of the table.
const ratio = (r: BenchRow) => {
  if (r.value === null || r.peerValue === null) return 'n/a';
  const a = advantage(r);
  if (!Number.isFinite(a)) return 'n/a';
  return a >= 0.1 ? a.toFixed(2) : a.toPrecision(2);
};
const fmt = (v: number | null) => (v === null || !Number.isFinite(v) ? 'n/a' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 1 ? v.toFixed(2) : v.toPrecision(3));
const sections: { file: string; rows: BenchRow[]; analysis: string | null }[] = [];
for (const f of files) {
  process.stdout.write(`\n## ${f}\n`);
  const out = join(mkdtempSync(join(tmpdir(), 'tradeguard-bench-')), 'rows.json');
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--one', f, out], { stdio: 'inherit' });
  if (child.status !== 0) throw new Error(`bench ${f} failed (exit ${child.status})`);
  const { rows, analysis } = JSON.parse(readFileSync(out, 'utf8')) as { rows: BenchRow[]; analysis: string | null };
  for (const r of rows) {
    const met = r.target ? (r.targetMet ? '  target met' : '  TARGET MISSED') : '';
    process.stdout.write(
      `${r.name}: ${fmt(r.value)} ${r.unit}  vs ${r.peer}: ${fmt(r.peerValue)} ${r.unit}  -> ${ratio(r)}x${r.target ? `  (target ${r.target})` : ''}${met}\n`,
    );
  }
  if (analysis) process.stdout.write(`\n${analysis}\n`);
  sections.push({ file: f, rows, analysis });
}

if (!filter) {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`. Each row measures TradeGuard and a named peer doing the same work in the same run;',
    '"x" is how many times better TradeGuard is (faster, or smaller for latencies).',
    '',
    `Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.version}. Run: ${new Date().toISOString()}.`,
    '',
  ];
  for (const s of sections) lines.push(...sectionLines(s));
  writeFileSync(join(here, '..', 'BENCHMARKS.md'), lines.join('\n'));
  process.stdout.write('\nBENCHMARKS.md written.\n');
} else if (update) {
  const path = join(here, '..', 'BENCHMARKS.md');
  const doc = readFileSync(path, 'utf8');
  const head = doc.slice(0, doc.indexOf('\n## ') + 1);
  const kept = new Map(doc.slice(head.length).split(/\n(?=## )/).map((b) => [b.slice(3, b.indexOf('\n')).trim(), b.trimEnd()]));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  for (const s of sections) kept.set(s.file, sectionLines(s, `Measured alone (\`npm run bench -- ${filter} --update\`), ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, on ${cpu}, ${cpus().length} cores, Node ${process.version}; the machine's load average then: ${loadavg()[0].toFixed(1)}.`).join('\n').trimEnd());
  writeFileSync(path, `${head}${[...kept.keys()].sort().map((k) => kept.get(k)).join('\n\n')}\n`);
  process.stdout.write(`\nBENCHMARKS.md: ${sections.map((s) => s.file).join(', ')} replaced.\n`);
}

function sectionLines(s: { file: string; rows: BenchRow[]; analysis: string | null }, note?: string): string[] {
  const lines = [`## ${s.file}`, '', '| case | TradeGuard | peer | peer value | x | target |', '|---|---:|---|---:|---:|---|'];
  for (const r of s.rows) {
    const target = r.target ? `${r.target} ${r.targetMet ? '(met)' : '(**missed**)'}` : '';
    lines.push(`| ${r.name} | ${fmt(r.value)} ${r.unit} | ${r.peer} | ${fmt(r.peerValue)} ${r.unit} | ${ratio(r)} | ${target} |`);
  }
  if (s.analysis) lines.push('', s.analysis);
  if (note) lines.push('', note);
  lines.push('');
  return lines;
}
