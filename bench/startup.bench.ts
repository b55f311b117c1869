/**
 * How long `tradeguard --help` takes as a new process, from the compiled build
 * (what `npx tradeguard` runs) and through tsx (what it ran before issue 18).
 * Peer: `node -e 0` started the same way in the same run, the floor any Node
 * command pays. Medians of alternating runs, so a busy moment hits all alike.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { BenchRow } from './lib.ts';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const BIN = join(ROOT, 'bin', 'tradeguard.mjs');
const RUNS = 15;
const TARGET_MS = 200;

function ms(args: string[], env: Record<string, string> = {}): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const took = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return took;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export default function (): BenchRow[] {
  ms([BIN, '--help']); // builds when stale: the build is not what is timed
  const built: number[] = [];
  const tsx: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    node.push(ms(['-e', '0']));
    built.push(ms([BIN, '--help']));
    if (i < 5) tsx.push(ms([BIN, '--help'], { TG_TSX: '1' }));
  }
  const b = median(built);
  return [
    {
      name: 'tradeguard --help, a new process (compiled build)',
      value: b,
      unit: 'ms',
      higherIsBetter: false,
      peer: 'node -e 0',
      peerValue: median(node),
      target: `< ${TARGET_MS} ms`,
      targetMet: b < TARGET_MS,
    },
    {
      name: 'tradeguard --help, a new process (sources through tsx, as before)',
      value: median(tsx),
      unit: 'ms',
      higherIsBetter: false,
      peer: 'node -e 0',
      peerValue: median(node),
    },
  ];
}
