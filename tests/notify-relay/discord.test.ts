import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../workers/notify/alert.ts';
import { ChannelError } from '../../relay/notify/channel.ts';
import { createDiscordChannel, describeDiscordWebhook, discordWebhookProblem, DISCORD_CONTENT_MAX, SUPPRESS_NOTIFICATIONS } from '../../relay/notify/discord.ts';
import { startFakeDiscord, type FakeDiscord } from './fake-discord.ts';

const T0 = Date.UTC(2025, 2, 4, 10, 0);
const alert = (over: Partial<Alert> = {}): Alert => ({ id: 'a1', type: 'trade.opened', priority: 'normal', time: T0, title: 'EURUSD long 10,000 opened at 1.18470', lines: ['stop 1.18200', 'target 1.19000'], ...over });

let fake: FakeDiscord;
afterEach(async () => fake?.close());

async function failure(p: Promise<void>): Promise<ChannelError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ChannelError);
  return e as ChannelError;
}

describe('Discord webhook channel', () => {
  it('posts the alert as content with wait=true, pings nobody, and sets SUPPRESS_NOTIFICATIONS only when silent', async () => {
    fake = await startFakeDiscord({ now: () => T0 });
    const ch = createDiscordChannel({ url: fake.url, username: 'TradeGuard' });
    await ch.send(alert(), { silent: false });
    await ch.send(alert({ id: 'a2', type: 'trade.refused', title: 'refused by @everyone <@123> *max exposure*', lines: ['# heading', '- list', '1. first', 'a_b ~c~ `d` |e| > f [g](h) \\'] }), { silent: true });
    const [loud, quiet] = fake.delivered();
    expect(loud.query.get('wait')).toBe('true');
    expect(loud.contentType).toMatch(/^application\/json/);
    expect(loud.payload).toEqual({ content: '**EURUSD long 10,000 opened at 1.18470**\nstop 1.18200\ntarget 1.19000', username: 'TradeGuard', allowed_mentions: { parse: [] } });
    expect(quiet.payload.flags).toBe(SUPPRESS_NOTIFICATIONS);
    expect(SUPPRESS_NOTIFICATIONS).toBe(4096);
    expect(quiet.payload.content).toBe(
      ['**refused by @everyone \\<@123\\> \\*max exposure\\***', '\\# heading', '\\- list', '1\\. first', 'a\\_b \\~c\\~ \\`d\\` \\|e\\| \\> f \\[g\\](h) \\\\'].join('\n'),
    );
  });

  it('cuts content to 2000 characters with an ellipsis, never leaving a dangling escape', async () => {
    fake = await startFakeDiscord({ now: () => T0 });
    const ch = createDiscordChannel({ url: fake.url });
    await ch.send(alert({ lines: Array.from({ length: 200 }, (_, i) => `line ${i} ${'*'.repeat(20)}`) }), { silent: false });
    const content = fake.delivered()[0].payload.content ?? '';
    expect(content.length).toBeLessThanOrEqual(DISCORD_CONTENT_MAX);
    expect(content.length).toBeGreaterThan(DISCORD_CONTENT_MAX - 3);
    expect(content.endsWith('…')).toBe(true);
    expect(/(^|[^\\])(\\\\)*\\…$/.test(content)).toBe(false);
  });

  it('sends a PNG as multipart: payload_json with the attachment and files[0]', async () => {
    fake = await startFakeDiscord({ now: () => T0 });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await createDiscordChannel({ url: fake.url }).send(alert({ type: 'summary.daily', title: 'Day', imagePngBase64: png.toString('base64') }), { silent: true });
    const c = fake.delivered()[0];
    expect(c.contentType).toMatch(/^multipart\/form-data/);
    expect(c.payload).toMatchObject({ content: '**Day**\nstop 1.18200\ntarget 1.19000', flags: 4096, attachments: [{ id: 0, filename: 'chart.png' }] });
    expect(c.files).toHaveLength(1);
    expect(c.files[0]).toMatchObject({ field: 'files[0]', name: 'chart.png', type: 'image/png' });
    expect(Buffer.compare(c.files[0].bytes, png)).toBe(0);
  });

  it('says retry (with the wait) for 429, 5xx and an unreachable server; give-up for other 4xx', async () => {
    fake = await startFakeDiscord({ now: () => T0 });
    const ch = createDiscordChannel({ url: fake.url, now: () => T0 });
    fake.script(
      { status: 429, body: { message: 'You are being rate limited.', retry_after: 1.5, global: false }, headers: { 'retry-after': '2' } },
      { status: 429, body: 'slow down', headers: { 'retry-after': '3' } },
      { status: 503, body: '<html>bad gateway</html>' },
      { status: 400, body: { message: 'Invalid Form Body', code: 50035 } },
      { status: 401, body: { message: '401: Unauthorized', code: 0 } },
    );
    const send = () => ch.send(alert(), { silent: false });
    expect(await failure(send())).toMatchObject({ action: 'retry', retryAfterMs: 1500, message: 'Discord answered 429: You are being rate limited.' });
    expect(await failure(send())).toMatchObject({ action: 'retry', retryAfterMs: 3000, message: 'Discord answered 429' });
    expect(await failure(send())).toMatchObject({ action: 'retry', retryAfterMs: undefined, message: 'Discord answered 503' });
    expect(await failure(send())).toMatchObject({ action: 'give-up', message: 'Discord answered 400: Invalid Form Body (code 50035)' });
    expect(await failure(send())).toMatchObject({ action: 'give-up', message: 'Discord answered 401: 401: Unauthorized (code 0)' });
    await fake.down();
    // The first send may meet the pooled connection the server just closed; the next finds nobody listening.
    expect(await failure(send())).toMatchObject({ action: 'retry', message: expect.stringMatching(/^Discord webhook unreachable: \S/) });
    expect(await failure(send())).toMatchObject({ action: 'retry', message: expect.stringMatching(/^Discord webhook unreachable: connect ECONNREFUSED 127\.0\.0\.1:\d+$/) });
  });

  it('keeps the webhook URL and its token out of every error, even when the answer quotes them', async () => {
    fake = await startFakeDiscord({ now: () => T0 });
    const ch = createDiscordChannel({ url: fake.url });
    fake.script({ status: 400, body: { message: `bad request to ${fake.url} with token ${fake.token}`, code: 50035 } });
    const e = await failure(ch.send(alert(), { silent: false }));
    expect(e.message).toContain('[redacted]');
    expect(e.message).not.toContain(fake.token);
    expect(`${e.stack}`).not.toContain(fake.token);
    expect(JSON.stringify(ch)).not.toContain(fake.token);
    expect(describeDiscordWebhook(fake.url)).toBe(`127.0.0.1:${new URL(fake.url).port} webhook ${fake.id} (token [redacted])`);
  });

  it('accepts only webhook URLs: https, or http on loopback', () => {
    const token = 'x'.repeat(68);
    expect(discordWebhookProblem(`https://discord.com/api/webhooks/123456789012345678/${token}`)).toBeNull();
    expect(discordWebhookProblem(`https://discord.com/api/v10/webhooks/123456789012345678/${token}`)).toBeNull();
    expect(discordWebhookProblem(`http://discord.com/api/webhooks/123456789012345678/${token}`)).toBe('not https');
    expect(discordWebhookProblem('https://discord.com/channels/1/2')).toMatch(/^not a webhook URL/);
    expect(discordWebhookProblem('discord')).toBe('not a URL');
    expect(() => createDiscordChannel({ url: `https://example.com/hook?t=${token}` })).toThrow(/^TG_DISCORD_WEBHOOK_URL: not a webhook URL/);
  });
});
