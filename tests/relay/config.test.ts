import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TUNNEL_ALLOW, ENV_VARS, loadConfig } from '../../relay/config/config.ts';
import { mergeEnv, readEnvFile } from '../../relay/config/env-file.ts';
import { REDACTED, configSecrets, createRedactor, describeConfig } from '../../relay/config/redact.ts';
import { createRotatingLog } from '../../relay/ops/log.ts';
import { startAccountPoll, type IntervalTimers } from '../../relay/ops/account-poll.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { fakeStatus } from './helpers.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'tg-cfg-'));
const CTRADER_ID = '12345_AbCdEfGhIjKlMnOpQrStUvWxYz0123';
const CTRADER_SECRET = 'SeCrEtAbCdEfGhIjKlMnOpQrSt0123456789';
const BOT = '123456789:AAF-abcdefghijklmnopqrstuvwxyz012345';

describe('relay configuration', () => {
  it('runs on defaults: loopback 8787, ./data, no secrets, the cTrader endpoints on the tunnel allow-list', () => {
    const r = loadConfig({}, { cwd: tmp() });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({ host: '127.0.0.1', port: 8787, relayToken: null, ctrader: null, telegram: null, pollIntervalMs: 60_000, tunnelAllow: DEFAULT_TUNNEL_ALLOW });
    expect(r.config.dataDir.endsWith('/data')).toBe(true);
  });

  it('lists every problem at once, each naming its variable', () => {
    const file = join(tmp(), 'a-file');
    writeFileSync(file, '');
    const r = loadConfig(
      {
        TG_HOST: 'example.com',
        TG_PORT: '70000',
        TG_DATA_DIR: file,
        TG_RELAY_TOKEN: 'too-short',
        TG_PUBLIC_ORIGIN: 'https://x.example/path',
        TG_TRUST_PROXY: 'maybe',
        TG_REPLAY_SPEED: '-1',
        TG_TUNNEL_ALLOW: 'demo.ctraderapi.com',
        TG_CTRADER_CLIENT_ID: CTRADER_ID,
        TG_TELEGRAM_BOT_TOKEN: 'nonsense',
        TG_TELEGRAM_CHAT_ID: 'chat',
      },
      { cwd: tmp() },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const vars = r.problems.map((p) => p.split(':')[0]);
    expect(vars.sort()).toEqual(['TG_CTRADER_CLIENT_SECRET', 'TG_DATA_DIR', 'TG_HOST', 'TG_PORT', 'TG_PUBLIC_ORIGIN', 'TG_RELAY_TOKEN', 'TG_REPLAY_SPEED', 'TG_TELEGRAM_BOT_TOKEN', 'TG_TELEGRAM_CHAT_ID', 'TG_TRUST_PROXY', 'TG_TUNNEL_ALLOW'].sort());
    expect(r.problems.join('\n')).not.toContain('too-short');
    expect(r.problems.join('\n')).not.toContain('nonsense');
  });

  it('refuses a data dir it cannot write', () => {
    if (process.getuid?.() === 0) return; // root writes anywhere
    const d = tmp();
    chmodSync(d, 0o500);
    const r = loadConfig({ TG_DATA_DIR: d });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatch(/TG_DATA_DIR: .* is not writable/);
    chmodSync(d, 0o700);
  });

  it('accepts well-formed pairs and prints them without their secrets', () => {
    const token = 'x'.repeat(40);
    const r = loadConfig({ TG_RELAY_TOKEN: token, TG_CTRADER_CLIENT_ID: CTRADER_ID, TG_CTRADER_CLIENT_SECRET: CTRADER_SECRET, TG_TELEGRAM_BOT_TOKEN: BOT, TG_TELEGRAM_CHAT_ID: '-1001234567890', TG_HOST: '0.0.0.0' }, { cwd: tmp() });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.notes.join()).toContain('TG_HOST=0.0.0.0');
    const printed = describeConfig(r.config).join('\n');
    for (const s of [token, CTRADER_SECRET, BOT]) expect(printed).not.toContain(s);
    expect(configSecrets(r.config).sort()).toEqual([token, CTRADER_SECRET, BOT].sort());
  });

  it('points the relay at another cTrader server (sandbox, proxy, test) and checks each setting with a clear message', () => {
    const d = tmp();
    const ca = join(d, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const ok = loadConfig({ TG_CTRADER_DEMO_HOST: 'sandbox.example:5999', TG_CTRADER_LIVE_HOST: '[::1]:6000', TG_CTRADER_CA_FILE: 'ca.pem', TG_CTRADER_AUTH_URL: 'https://sandbox.example/apps/auth', TG_CTRADER_TOKEN_URL: 'http://127.0.0.1:9000/apps/token' }, { cwd: d });
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(ok.config.ctraderEndpoints).toMatchObject({ demo: { host: 'sandbox.example', port: 5999 }, live: { host: '::1', port: 6000 }, caFile: ca, authUrl: 'https://sandbox.example/apps/auth', tokenUrl: 'http://127.0.0.1:9000/apps/token' });
    expect(ok.config.ctraderEndpoints.ca).toContain('BEGIN CERTIFICATE');
    // The tunnel reaches the servers the relay uses, unless TG_TUNNEL_ALLOW says otherwise.
    expect(ok.config.tunnelAllow).toEqual(['sandbox.example:5999', '[::1]:6000', '127.0.0.1:7497']);
    expect(describeConfig(ok.config).join('\n')).toContain('cTrader at    demo sandbox.example:5999, live [::1]:6000');
    const plain = loadConfig({}, { cwd: d });
    expect(plain.ok && plain.config.ctraderEndpoints).toMatchObject({ demo: { host: 'demo.ctraderapi.com', port: 5035 }, live: { host: 'live.ctraderapi.com', port: 5035 }, ca: null, tokenUrl: 'https://openapi.ctrader.com/apps/token' });
    expect(plain.ok && describeConfig(plain.config).join('\n')).not.toContain('cTrader at');

    writeFileSync(join(d, 'not-pem.txt'), 'hello');
    const bad = loadConfig({ TG_CTRADER_DEMO_HOST: 'demo.example', TG_CTRADER_LIVE_HOST: 'live.example:70000', TG_CTRADER_CA_FILE: 'not-pem.txt', TG_CTRADER_AUTH_URL: 'not a url', TG_CTRADER_TOKEN_URL: 'http://tokens.example/apps/token' }, { cwd: d });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.map((p) => p.split(':')[0]).sort()).toEqual(['TG_CTRADER_AUTH_URL', 'TG_CTRADER_CA_FILE', 'TG_CTRADER_DEMO_HOST', 'TG_CTRADER_LIVE_HOST', 'TG_CTRADER_TOKEN_URL']);
    expect(bad.problems.join('\n')).toContain('TG_CTRADER_DEMO_HOST: "demo.example" is not host:port');
    expect(bad.problems.join('\n')).toContain('holds no PEM certificate');
    expect(bad.problems.join('\n')).toContain('TG_CTRADER_TOKEN_URL: "http://tokens.example/apps/token" must be https://');
    const missing = loadConfig({ TG_CTRADER_CA_FILE: 'nowhere.pem' }, { cwd: d });
    expect(!missing.ok && missing.problems[0]).toMatch(/^TG_CTRADER_CA_FILE: .*nowhere\.pem cannot be read \(ENOENT\)/);
  });

  it('reads a .env file; the environment wins over it', () => {
    const f = join(tmp(), '.env');
    writeFileSync(f, '# comment\nTG_PORT=9000\nTG_HOST="127.0.0.2"\nTG_REPLAY_SPEED=100\n');
    const { vars, found } = readEnvFile(f);
    expect(found).toBe(true);
    const env = mergeEnv(vars, { TG_REPLAY_SPEED: '200' });
    const r = loadConfig(env, { cwd: tmp() });
    expect(r.ok && [r.config.port, r.config.host, r.config.replaySpeed]).toEqual([9000, '127.0.0.2', 200]);
    expect(readEnvFile(join(tmp(), 'missing')).found).toBe(false);
  });

  it('documents every variable in .env.example', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const v of Object.keys(ENV_VARS)) expect(example, v).toMatch(new RegExp(`^#? ?${v}=`, 'm'));
  });
});

describe('logs', () => {
  it('writes JSON lines, rotates by size keeping N files, and redacts secrets by key and by value', () => {
    const dir = tmp();
    const secret = 'super-secret-token-value-1234567890';
    const log = createRotatingLog({ dir, maxBytes: 2000, files: 3, redact: createRedactor(() => [secret]) });
    for (let i = 0; i < 200; i++) log.info('request', { i, authorization: `Bearer ${secret}`, note: `the token was ${secret}`, nested: { token: 'abc' } });
    log.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['tradeguard.log', 'tradeguard.log.1', 'tradeguard.log.2', 'tradeguard.log.3']);
    let lines = 0;
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text.length).toBeLessThanOrEqual(2000);
      expect(text).not.toContain(secret);
      for (const l of text.trim().split('\n')) {
        const o = JSON.parse(l);
        expect(o.authorization).toBe(REDACTED);
        expect(o.nested.token).toBe(REDACTED);
        expect(o.note).toBe(`the token was ${REDACTED}`);
        lines++;
      }
    }
    expect(lines).toBeGreaterThan(10);
    // The newest lines are in the live file, the oldest kept ones in .3.
    const idx = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8').trim().split('\n')[0]).i;
    expect(idx('tradeguard.log')).toBeGreaterThan(idx('tradeguard.log.1'));
    expect(idx('tradeguard.log.2')).toBeGreaterThan(idx('tradeguard.log.3'));
  });
});

describe('the account poll', () => {
  it('appends a snapshot each interval while the account time moves, none while it stands still, and reports failures', async () => {
    const store = createMemoryStore();
    let fire: (() => void) | null = null;
    const timers: IntervalTimers = { setInterval: (fn, ms) => ((fire = fn), expect(ms).toBe(60_000)), clearInterval: () => (fire = null) };
    let seq = 1;
    let fail = false;
    const ops = { lastPoll: null as null | { time: number; ok: boolean; error?: string }, startedAt: 0, database: () => ({ ok: true, detail: '' }) };
    const poll = startAccountPoll({
      status: async () => {
        if (fail) throw new Error('host gone');
        return fakeStatus(seq);
      },
      snapshots: store.snapshots,
      intervalMs: 60_000,
      ops,
      log: createMemoryLog(),
      timers,
      now: () => 42,
    });
    const tick = async () => {
      fire!();
      await new Promise((r) => setTimeout(r, 5));
    };
    await tick();
    seq = 2;
    await tick();
    await tick(); // the account did not move: nothing added
    seq = 5;
    await tick();
    expect((await store.snapshots.list()).map((s) => [s.time, s.equity])).toEqual([
      [1000, 10_001],
      [2000, 10_002],
      [5000, 10_005],
    ]);
    expect(ops.lastPoll).toEqual({ time: 42, ok: true });
    fail = true;
    await tick();
    expect(ops.lastPoll).toMatchObject({ ok: false, error: 'host gone' });
    await poll.stop();
    expect(fire).toBe(null);
  });
});
