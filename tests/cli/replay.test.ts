import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../relay/cli/main.ts';
import { DEMO_HELD_OUT_FROM, demoReplayBars } from '../../workers/engine/demo.ts';
import { bundled } from '../helpers/bundled.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function run(...argv: string[]) {
  const out: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => out.push(s));
  return { code, lines: out };
}

/** The first minute stamped on an event or account line ('2017-11-13 05:00  FILL ...'). */
const firstStamp = (lines: string[]) => Date.parse(`${lines.find((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d {2}/.test(l))!.slice(0, 16).replace(' ', 'T')}Z`);

describe('tradeguard replay', () => {
  it('plays what the demo plays when no --data is given: the bundled bars the demo models were not trained on', async () => {
    const r = await run('replay', '--speed', '1e12', '--max-wait-ms', '0');
    expect(r.code).toBe(0);
    const heldOut = demoReplayBars(bundled('EURUSD')).time.length;
    expect(r.lines.join('\n')).toContain(`Replaying ${heldOut} EURUSD H1 bars`);
    expect(r.lines.join('\n')).toMatch(/The bundled bars from 2017-11-13 00:00 on: the part the demo models were not trained on/);
    expect(firstStamp(r.lines)).toBeGreaterThanOrEqual(DEMO_HELD_OUT_FROM);
  });

  it('with --from/--to on the bundled file plays that period, and does not call it out-of-sample', async () => {
    const r = await run('replay', '--speed', '1e12', '--max-wait-ms', '0', '--from', '2017-06-01', '--to', '2017-06-09');
    expect(r.code).toBe(0);
    expect(r.lines.join('\n')).not.toMatch(/not trained on/);
    expect(firstStamp(r.lines)).toBeLessThan(DEMO_HELD_OUT_FROM);
  });

  it('plays the whole file when it is named with --data', async () => {
    const r = await run('replay', '--speed', '1e12', '--max-wait-ms', '0', '--data', join(root, 'public/data/EURUSD.csv'));
    expect(r.code).toBe(0);
    expect(r.lines.join('\n')).toContain('Replaying 5000 EURUSD H1 bars');
    expect(firstStamp(r.lines)).toBeLessThan(DEMO_HELD_OUT_FROM);
  });

  it('takes the chain thresholds from the bundles as backtest does, so the demo chain trades; a typed option wins', async () => {
    const chain = ['--alpha', join(root, 'public/models/demo/alpha'), '--risk-model', join(root, 'public/models/demo/risk'), '--guard', join(root, 'public/models/demo/guard')];
    const r = await run('replay', '--speed', '1e12', '--max-wait-ms', '0', ...chain);
    expect(r.code).toBe(0);
    const text = r.lines.join('\n');
    expect(text).toMatch(/minimum confidence 0\.4 from alpha:[^ ]+'s manifest; guard threshold 0\.41 from guard:[^ ]+'s manifest/);
    expect(text).toMatch(/ FILL /);
    const typed = await run('replay', '--speed', '1e12', '--max-wait-ms', '0', ...chain, '--guard-threshold', '0.5');
    expect(typed.lines.join('\n')).not.toMatch(/guard threshold 0\.41/);
  }, 60_000);
});
