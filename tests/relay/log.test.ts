/**
 * The relay log through pino: TG_LOG_LEVEL filters what is written, a bad
 * level is refused in words, the file still rotates by size, and the secrets
 * of the configuration (bot token, Discord webhook URL and its token, cTrader
 * client secret, relay token) never reach the file, by key or inside text.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../relay/config/config.ts';
import { configSecrets, createRedactor, REDACTED } from '../../relay/config/redact.ts';
import { createMemoryLog, createRotatingLog, LOG_LEVELS } from '../../relay/ops/log.ts';

const age = (f: string) => Number(/\.log\.(\d+)$/.exec(f)?.[1] ?? 0);
const tmp = () => mkdtempSync(join(tmpdir(), 'tg-log-'));
const BOT_TOKEN = '123456789:AAH-botTokenFromBotFather_0123456789ab';
const WEBHOOK_TOKEN = 'webhookSecretToken_abcdefghijklmnopqrstuvwxyz0123456789';
const WEBHOOK_URL = `https://discord.com/api/webhooks/112233445566778899/${WEBHOOK_TOKEN}`;
const CLIENT_ID = '12345_abcdefghijklmnopqrstuvwxyz';
const CLIENT_SECRET = 'ClientSecretFromSpotware0123456789';
const RELAY = 'relay-token-that-is-long-enough-0123456789';

const secretsEnv = {
  TG_TELEGRAM_BOT_TOKEN: BOT_TOKEN,
  TG_TELEGRAM_CHAT_ID: '4242',
  TG_DISCORD_WEBHOOK_URL: WEBHOOK_URL,
  TG_CTRADER_CLIENT_ID: CLIENT_ID,
  TG_CTRADER_CLIENT_SECRET: CLIENT_SECRET,
  TG_RELAY_TOKEN: RELAY,
};

function config(env: Record<string, string>) {
  const r = loadConfig(env, { cwd: tmp(), checkDataDir: false });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
}

/** Every record, oldest first: tradeguard.log.N .. .1, then the live file. */
const records = (dir: string) =>
  readdirSync(dir)
    .sort((a, b) => age(b) - age(a))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('TG_LOG_LEVEL', () => {
  it('is info by default, takes each level in any case, and refuses anything else in words', () => {
    expect(config({}).log.level).toBe('info');
    for (const l of LOG_LEVELS) expect(config({ TG_LOG_LEVEL: l.toUpperCase() }).log.level).toBe(l);
    for (const bad of ['verbose', 'trace', '2']) {
      const r = loadConfig({ TG_LOG_LEVEL: bad }, { checkDataDir: false });
      expect(r.ok).toBe(false);
      expect(!r.ok && r.problems).toEqual([`TG_LOG_LEVEL: must be one of debug, info, warn, error (info when unset), got "${bad}"`]);
    }
  });

  it('writes only records at or above the level, each with its time, level and message', () => {
    const written = (level?: string) => {
      const dir = tmp();
      const c = config(level ? { TG_LOG_LEVEL: level } : {});
      const log = createRotatingLog({ dir, maxBytes: c.log.maxBytes, files: c.log.files, level: c.log.level, redact: (v) => v, now: () => Date.UTC(2025, 2, 4, 10, 0) });
      log.debug('d', { n: 1 });
      log.info('i', { n: 2 });
      log.warn('w', { n: 3 });
      log.error('e', { n: 4 });
      log.log('debug', 'd2');
      log.close();
      return records(dir);
    };
    expect(written().map((r) => r.msg)).toEqual(['i', 'w', 'e']);
    expect(written('debug').map((r) => r.msg)).toEqual(['d', 'i', 'w', 'e', 'd2']);
    expect(written('warn').map((r) => r.msg)).toEqual(['w', 'e']);
    const errors = written('error');
    expect(errors).toEqual([{ level: 'error', time: '2025-03-04T10:00:00.000Z', n: 4, msg: 'e' }]);
  });

  it('filters the memory log the same way', () => {
    const log = createMemoryLog((v) => v, 'warn');
    log.info('quiet');
    log.warn('loud', { why: 'x' });
    expect(log.lines.map((l) => JSON.parse(l))).toEqual([{ level: 'warn', why: 'x', msg: 'loud' }]);
  });
});

describe('the log file', () => {
  it('keeps the bot token, the webhook URL and its token, the client secret and the relay token out, in fields, messages and errors, across rotations', () => {
    const c = config(secretsEnv);
    const dir = tmp();
    const echoed: string[] = [];
    const log = createRotatingLog({ dir, maxBytes: 4000, files: 2, level: 'debug', redact: createRedactor(() => configSecrets(c)), echo: (l) => echoed.push(l) });
    for (let i = 0; i < 40; i++) {
      log.debug(`telegram: calling https://api.telegram.org/bot${BOT_TOKEN}/getMe`, { i });
      log.info('discord send', { i, url: WEBHOOK_URL, path: `/api/webhooks/112233445566778899/${WEBHOOK_TOKEN}?wait=true` });
      log.warn('ctrader refused', { i, clientSecret: CLIENT_SECRET, body: `client_secret=${CLIENT_SECRET}&grant_type=refresh_token` });
      log.error('request failed', { i, error: new Error(`401 for bearer ${RELAY}`), headers: { authorization: `Bearer ${RELAY}` } });
    }
    log.close();
    expect(readdirSync(dir).sort()).toEqual(['tradeguard.log', 'tradeguard.log.1', 'tradeguard.log.2']);
    const text = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
    for (const s of [BOT_TOKEN, WEBHOOK_URL, WEBHOOK_TOKEN, CLIENT_SECRET, RELAY]) {
      expect(text).not.toContain(s);
      expect(echoed.join('\n')).not.toContain(s);
    }
    const rs = records(dir);
    const last = (msg: string) => rs.filter((r) => r.msg === msg || String(r.msg).startsWith(msg)).at(-1)!;
    expect(last('telegram: calling').msg).toBe(`telegram: calling https://api.telegram.org/bot${REDACTED}/getMe`);
    expect(last('discord send')).toMatchObject({ url: REDACTED, path: `/api/webhooks/112233445566778899/${REDACTED}?wait=true` });
    expect(last('ctrader refused')).toMatchObject({ clientSecret: REDACTED, body: `client_secret=${REDACTED}&grant_type=refresh_token` });
    expect(last('request failed')).toMatchObject({ error: { name: 'Error', message: `401 for bearer ${REDACTED}` }, headers: { authorization: REDACTED } });
    // The newest records are in the live file: rotation kept the order.
    expect(rs.at(-1)).toMatchObject({ level: 'error', i: 39 });
    // Each file stays under the size limit, and every line is a whole record.
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'utf8').length).toBeLessThanOrEqual(4000);
    expect(echoed.length).toBe(160);
  });

  it('appends to the file a previous run left and writes nothing after close', () => {
    const dir = tmp();
    const first = createRotatingLog({ dir, maxBytes: 1 << 20, files: 2, redact: (v) => v });
    first.info('before the restart');
    first.close();
    const second = createRotatingLog({ dir, maxBytes: 1 << 20, files: 2, redact: (v) => v });
    second.info('after the restart');
    second.close();
    second.error('too late');
    expect(records(dir).map((r) => r.msg)).toEqual(['before the restart', 'after the restart']);
  });
});
