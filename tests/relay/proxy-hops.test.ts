import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../relay/config/config.ts';
import { describeConfig } from '../../relay/config/redact.ts';
import { startFakeRelay, type TestRelay } from './helpers.ts';

async function wrongLogin(relay: TestRelay, xff: string): Promise<number> {
  const r = await fetch(`${relay.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': xff }, body: JSON.stringify({ token: 'not-the-token' }) });
  await r.body?.cancel();
  return r.status;
}

describe('the client address behind proxies (TG_TRUST_PROXY = hops)', () => {
  let relay: TestRelay | null = null;
  afterEach(async () => {
    await relay?.close();
    relay = null;
  });

  it('one proxy: a client that writes a new leftmost X-Forwarded-For each time is still rate limited (the proxy appended its real address)', async () => {
    relay = await startFakeRelay({ env: { TG_TRUST_PROXY: '1' } });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await wrongLogin(relay, `10.9.${i}.${i + 1}, 203.0.113.7`));
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual(Array(7).fill(429));
    expect(relay.log.lines.filter((l) => l.includes('login rate limited')).every((l) => l.includes('"ip":"203.0.113.7"'))).toBe(true);
  });

  it('two proxies: the entry two from the right is the client; a spoofed entry left of it does not change it', async () => {
    relay = await startFakeRelay({ env: { TG_TRUST_PROXY: '2' } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await wrongLogin(relay, `198.51.100.${i}, 203.0.113.9, 10.0.0.2`));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Another client behind the same proxies has its own budget.
    expect(await wrongLogin(relay, '203.0.113.10, 10.0.0.2')).toBe(401);
  });

  it('no proxy (the default): X-Forwarded-For is ignored, the socket address counts', async () => {
    relay = await startFakeRelay();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await wrongLogin(relay, `192.0.2.${i}`));
    expect(statuses.at(-1)).toBe(429);
  });

  it('the setting is checked: 0-10, true/false still mean 1/0, anything else is named with what to write', () => {
    const hops = (v: string) => {
      const r = loadConfig({ TG_TRUST_PROXY: v }, { checkDataDir: false });
      return r.ok ? r.config.trustProxyHops : r.problems.join('\n');
    };
    expect([hops('0'), hops('1'), hops('2'), hops('true'), hops('false')]).toEqual([0, 1, 2, 1, 0]);
    const printed = (v: string) => {
      const r = loadConfig({ TG_TRUST_PROXY: v }, { checkDataDir: false });
      return r.ok ? describeConfig(r.config).filter((l) => l.startsWith('proxies')) : [];
    };
    expect([printed('0'), printed('1'), printed('2')]).toEqual([[], ["proxies       1 in front: the client address is X-Forwarded-For's last entry"], ['proxies       2 in front: the client address is X-Forwarded-For\'s entry 2 from the right']]);
    for (const bad of ['yes', '-1', '1.5', '11']) expect(hops(bad)).toMatch(new RegExp(`^TG_TRUST_PROXY: must be the number of proxies in front of the relay, 0 \\(none, the default\\) to 10; .*got "${bad.replace('.', '\\.')}"`));
  });
});
