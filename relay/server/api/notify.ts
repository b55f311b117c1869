import type { Hono } from 'hono';
import { ALERT_TYPE_INFO } from '../../../workers/notify/labels.ts';
import { deliveryTable } from '../../../workers/notify/settings.ts';
import { isAlertType, type AlertType } from '../../../workers/notify/alert.ts';
import type { RunningNotify } from '../../ops/start-notify.ts';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { BadRequest, jsonBody } from '../http/validate.ts';

/**
 * Settings > Notifications and the alert log: the trader's notify settings
 * (read and saved, used by the running alerts at once), the channels' state,
 * a test message through the outbox, the alerts as the outbox recorded them,
 * and the chat's command usage. Private like every /api route. No answer
 * carries a secret: the bot's status never holds the token, and Discord is
 * only said to be configured.
 */
export function notifyRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const notify = (): RunningNotify => {
    // Set once startNotify returned, moments after the server began listening.
    if (!d.notify) throw new BadRequest('notify', 'the relay is still starting its notifications; try again in a moment', 409);
    return d.notify;
  };

  app.get('/api/notify', (c) => {
    const n = notify();
    const settings = n.control.settings();
    const counts = n.outbox?.counts() ?? null;
    return c.json({
      settings,
      delivery: deliveryTable(settings),
      types: ALERT_TYPE_INFO,
      telegram: n.telegram(),
      discord: { configured: n.control.discordConfigured, ...(counts?.channels.discord?.lastError ? { reason: counts.channels.discord.lastError } : {}) },
      outbox: counts ? { pending: counts.pending, failed: counts.failed, channels: counts.channels } : null,
    });
  });

  app.put('/api/notify/settings', async (c) => {
    const body = await jsonBody(c);
    const r = await notify().control.saveSettings(body);
    if (!r.ok) return c.json({ error: r.error, field: r.field }, 400);
    return c.json({ settings: r.settings });
  });

  app.post('/api/notify/test', async (c) => {
    const r = await notify().control.sendTest();
    if (!r.ok) return c.json({ error: r.error }, r.status);
    return c.json({ ok: true, sent: r.sent, ...(r.failed.length ? { failed: r.failed } : {}), ...(r.queued.length ? { queued: r.queued } : {}) });
  });

  // GET /api/alerts?limit=50&before=<alert id, or a time in ms>
  app.get('/api/alerts', (c) => {
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new BadRequest('limit', `must be a whole number from 1 to 500 (got ${JSON.stringify(limitText).slice(0, 40)})`);
    const before = c.req.query('before');
    if (before !== undefined && (before === '' || before.length > 300)) throw new BadRequest('before', 'must be an alert id or a time in ms');
    const outbox = notify().outbox;
    // No outbox (no channel set): no alert was ever recorded.
    if (!outbox) return c.json({ alerts: [], more: false });
    return c.json(outbox.log({ limit, ...(before !== undefined ? { before } : {}) }));
  });

  app.get('/api/commands/usage', (c) => c.json({ usage: notify().control.usage() }));

  // The palette's /alerts, #mute and #unmute on a page this relay served: the same AlertControl the chat's commands use.
  app.post('/api/notify/control', async (c) => {
    const body = (await jsonBody(c)) as { op?: unknown; types?: unknown; to?: unknown; named?: unknown };
    const alerts = notify().control.alerts;
    if (body.op === 'overview') return c.json(await alerts.overview());
    if (body.op !== 'mute' && body.op !== 'unmute') throw new BadRequest('op', 'overview, mute or unmute');
    const types = Array.isArray(body.types) ? body.types.filter((t): t is AlertType => typeof t === 'string' && isAlertType(t)) : [];
    if (!Array.isArray(body.types) || types.length !== body.types.length || types.length === 0) throw new BadRequest('types', 'a list of alert types');
    if (body.op === 'mute') {
      if (body.to !== 'off' && body.to !== 'silent') throw new BadRequest('to', 'off or silent');
      return c.json({ changes: await alerts.mute(types, body.to) });
    }
    return c.json({ changes: await alerts.unmute(types, body.named === true) });
  });
}
