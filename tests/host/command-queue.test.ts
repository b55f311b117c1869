import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';

/**
 * Commands land between bars: a replay waiting for its next bar wakes for one.
 * A command sent the moment the previous one answered must not wait for the
 * whole pause (on a held replay: forever).
 */
let held: HeldHost;
beforeAll(async () => {
  held = await openHeldHost();
  await held.runUntil((s) => s.feed.state === 'running' && s.agents.length === 2);
});
afterAll(async () => {
  await held?.stop();
});

const within = <T>(p: Promise<T>, ms: number, what: string) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms))]);

describe('the workspace host between two bars', () => {
  it('applies commands sent back to back, each as soon as the one before answered', async () => {
    for (let k = 0; k < 5; k++) {
      const halt = await within(held.host.command({ kind: 'trading.state', state: 'halted' }), 5_000, `halt ${k}`);
      expect(halt).toMatchObject({ ok: true });
      const resume = await within(held.host.command({ kind: 'trading.state', state: 'active' }), 5_000, `resume ${k}`);
      expect(resume).toMatchObject({ ok: true });
    }
    expect((await held.host.status()).risk?.account.state).toBe('active');
  });
});
