import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRegistry, type CommandContext, type CommandOutcome } from '../../workers/commands/index.ts';
import { ALERT_TYPES } from '../../workers/notify/alert.ts';
import { deliveryTable, type NotifySettings } from '../../workers/notify/settings.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { NOTIFY_MUTED_KEY, NOTIFY_SETTINGS_KEY, openNotifySettings } from '../../relay/notify/notify-settings.ts';
import { openSqliteStore } from '../../relay/store/sqlite-store.ts';
import { FakeBotApi, privateChat } from '../telegram/fake-bot-api.ts';
import { OWNER, TOKEN, openBotHarness, unhtml, type BotHarness } from '../telegram/harness.ts';
import { api, FakeHost, login, startFakeRelay, until } from '../relay/helpers.ts';

/**
 * /alerts, #mute and #unmute (/mute, /unmute in the chat) over the relay's
 * real settings store: through the registry as the palette and the bot call
 * it, through the bot on the fake Bot API, and wired in the relay where a
 * mute is what the next alert obeys.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const registry = createCommandRegistry();

async function rig(store: EngineStore = createMemoryStore()) {
  const applied: NotifySettings[] = [];
  const settings = await openNotifySettings({ settings: store.settings, log: createMemoryLog(), apply: (s) => applied.push(s) });
  const used: string[] = [];
  const ctx: CommandContext = {
    host: new FakeHost(store),
    store,
    surface: 'relay',
    alerts: settings.control(() => ['Telegram: connected as @bot, chat(s) 1']),
    countUse: (n) => used.push(n),
  };
  const run = async (input: string) => lines(await registry.execute(ctx, input));
  return { store, settings, applied, used, ctx, run };
}

function lines(o: CommandOutcome): string[] {
  if (o.kind !== 'done') throw new Error(`expected an answer, got a confirmation: ${o.question}`);
  return o.lines;
}

describe('alert commands through the registry', () => {
  it('/alerts lists every type with its delivery and the channels', async () => {
    const r = await rig();
    const out = await r.run('/alerts');
    for (const t of ALERT_TYPES) expect(out.some((l) => l.startsWith(`  ${t}: `))).toBe(true);
    expect(out).toContain('  trade.opened: on — Trade opened');
    expect(out).toContain('  pulse: silent — Pulse (all is well, or what is not)');
    expect(out.slice(-2)).toEqual(['  Telegram: connected as @bot, chat(s) 1', 'Change: #mute <type|all> [silent], #unmute <type|all>']);
    expect(r.used).toEqual(['/alerts']);
  });

  it('#mute turns a type off and #unmute gives back what it had; saved, applied, and remembered across a restart', async () => {
    const r = await rig();
    expect(await r.run('#mute trade.refused')).toEqual(['trade.refused muted: not sent until #unmute trade.refused', 'trade.refused: silent -> off']);
    expect(r.settings.current().delivery).toEqual({ 'trade.refused': 'off' });
    expect(r.applied.at(-1)?.delivery).toEqual({ 'trade.refused': 'off' });
    expect(await r.store.settings.get(NOTIFY_SETTINGS_KEY)).toMatchObject({ delivery: { 'trade.refused': 'off' } });
    expect(await r.store.settings.get(NOTIFY_MUTED_KEY)).toEqual({ 'trade.refused': 'silent' });
    expect(await r.run('#mute trade.refused')).toEqual(['trade.refused: already off, nothing changed']);
    expect((await r.run('/alerts')).find((l) => l.includes('trade.refused:'))).toBe('  trade.refused: off, muted (was silent) — Trade refused by a risk rule or the guard');

    // A restart reads the settings and what was muted from the store.
    const again = await rig(r.store);
    expect(await again.run('#unmute trade.refused')).toEqual(['trade.refused unmuted:', 'trade.refused: off -> silent']);
    // Back at its default: no entry, so a later default reaches it.
    expect(again.settings.current().delivery).toEqual({});
    // Named again while silent: it gets its sound; once on, there is nothing left to unmute.
    expect(await again.run('#unmute trade.refused')).toEqual(['trade.refused unmuted:', 'trade.refused: silent -> on']);
    expect(await again.run('#unmute trade.refused')).toEqual(['trade.refused: not muted, nothing changed']);
  });

  it('silent mutes the sound only; the first delivery muted from is the one given back', async () => {
    const r = await rig();
    expect(await r.run('#mute trade.opened silent')).toEqual(['trade.opened silent: sent without a sound until #unmute trade.opened', 'trade.opened: on -> silent']);
    expect(await r.run('#mute trade.opened')).toEqual(['trade.opened muted: not sent until #unmute trade.opened', 'trade.opened: silent -> off']);
    expect(await r.run('#unmute trade.opened')).toEqual(['trade.opened unmuted:', 'trade.opened: off -> on']);
    // Silent by default, named alone: unmuting gives it its sound.
    expect(await r.run('#unmute pulse')).toEqual(['pulse unmuted:', 'pulse: silent -> on']);
    // Off is quieter than silent: muting it to silent changes nothing.
    await r.run('#mute data.gap');
    expect(await r.run('#mute data.gap silent')).toEqual(['data.gap: already silent or off, nothing changed']);
  });

  it('all: every type muted at once, and each given back what it had', async () => {
    const r = await rig();
    await r.run('#unmute pulse');
    const before = deliveryTable(r.settings.current());
    const muted = await r.run('#mute all');
    expect(muted[0]).toBe('every type muted: not sent until #unmute all');
    expect(muted).toHaveLength(1 + ALERT_TYPES.length);
    expect(Object.values(deliveryTable(r.settings.current())).every((d) => d === 'off')).toBe(true);
    const back = await r.run('#unmute all');
    expect(back[0]).toBe(`${ALERT_TYPES.length} types unmuted:`);
    expect(deliveryTable(r.settings.current())).toEqual(before);
    expect(await r.run('#unmute all')).toEqual(['no type was muted, nothing changed']);
  });

  it('a delivery set in Settings is the trader\'s choice: #unmute no longer undoes it', async () => {
    const r = await rig();
    await r.run('#mute trade.closed');
    expect((await r.settings.save({ delivery: { 'trade.closed': 'silent' } })).ok).toBe(true);
    expect(await r.store.settings.get(NOTIFY_MUTED_KEY)).toEqual({});
    expect(await r.run('#unmute trade.closed')).toEqual(['trade.closed unmuted:', 'trade.closed: silent -> on']);
  });

  it('refuses an unknown type with one line listing the types, and a bad second word with the usage; neither counts as a use', async () => {
    const r = await rig();
    const bad = await r.run('#mute trades');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toBe(`#mute: "trades" is not an alert type (usage: #mute <type|all> [silent]); types: ${ALERT_TYPES.join(', ')}`);
    expect(await r.run('#mute trade.opened loud')).toEqual(['#mute: the second word can only be silent, got "loud" (usage: #mute <type|all> [silent])']);
    expect(await r.run('#unmute')).toEqual(['#unmute takes one alert type or all (usage: #unmute <type|all>)']);
    expect(await r.run('/alerts now')).toEqual(['/alerts takes no arguments (got "now")']);
    expect(r.used).toEqual([]);
    expect(r.settings.current().delivery).toEqual({});
  });

  it('where no relay sends alerts (the PWA alone) the commands say where deliveries are set', async () => {
    const store = createMemoryStore();
    const ctx: CommandContext = { host: new FakeHost(store), store, surface: 'pwa' };
    for (const input of ['/alerts', '#mute pulse', '#unmute all']) {
      const out = lines(await registry.execute(ctx, input));
      expect(out).toEqual([expect.stringMatching(/^alerts are sent by the relay: start it \(npm start\)/)]);
    }
  });
});

describe('alert commands in the Telegram chat', () => {
  it('/mute, /alerts and /unmute answer under their chat names; an unknown type gets one line with the types', async () => {
    const r = await rig();
    const h: BotHarness = await openBotHarness({ context: () => ({ host: r.ctx.host, store: r.store, alerts: r.ctx.alerts }) });
    cleanups.push(() => h.close());
    const chat = privateChat(OWNER);
    expect((await h.ask(chat, '/mute trade.refused')).map(unhtml)).toEqual(['trade.refused muted: not sent until /unmute trade.refused\ntrade.refused: silent -> off']);
    const overview = unhtml((await h.ask(chat, '/alerts'))[0]).split('\n');
    expect(overview).toContain('  trade.refused: off, muted (was silent) — Trade refused by a risk rule or the guard');
    expect(overview.at(-1)).toBe('Change: /mute <type|all> [silent], /unmute <type|all>');
    expect(unhtml((await h.ask(chat, '/unmute trade.refused'))[0])).toBe('trade.refused unmuted:\ntrade.refused: off -> silent');
    const bad = unhtml((await h.ask(chat, '/mute everything'))[0]);
    expect(bad.split('\n')).toHaveLength(1);
    expect(bad).toBe(`/mute: "everything" is not an alert type (usage: /mute <type|all> [silent]); types: ${ALERT_TYPES.join(', ')}`);
    expect(r.settings.current().delivery).toEqual({});
  });

  it('in the relay, a type muted from the chat is what the next alert obeys, and Settings shows it', async () => {
    const fake = await FakeBotApi.start(TOKEN);
    cleanups.push(() => fake.close());
    const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'tg-mute-')), 'tradeguard.sqlite'));
    cleanups.push(() => store.close());
    const relay = await startFakeRelay({ store, host: new FakeHost(store), env: { TG_TELEGRAM_BOT_TOKEN: TOKEN, TG_TELEGRAM_CHAT_ID: String(OWNER), TG_TELEGRAM_API_ROOT: fake.apiRoot } });
    cleanups.push(() => relay.close());
    const http = api(relay, await login(relay));
    await until(() => relay.notify.telegram()?.connected === true, 10_000, 'the bot connected');
    const said = (s: string) => fake.callsOf('sendMessage').some((c) => c.status === 200 && unhtml(String(c.params.text)).startsWith(s));

    fake.command(privateChat(OWNER), '/mute test');
    await fake.waitFor(() => said('test muted'), 'the answer to /mute test');
    expect((await http.get('/api/notify')).json.delivery.test).toBe('off');
    expect((await http.post('/api/notify/test')).status).toBe(409);

    fake.command(privateChat(OWNER), '/unmute test');
    await fake.waitFor(() => said('test unmuted'), 'the answer to /unmute test');
    expect((await http.get('/api/notify')).json.settings.delivery).toEqual({});
    expect((await http.post('/api/notify/test')).json).toEqual({ ok: true, sent: ['telegram'] });
    expect((await http.get('/api/commands/usage')).json.usage).toEqual({ '#mute': 1, '#unmute': 1 });
  }, 30_000);
});
