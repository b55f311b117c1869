import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAlertsService, type AlertsService } from '../../relay/notify/alerts-service.ts';
import type { AlertChannel } from '../../relay/notify/channel.ts';
import { createMemoryLog } from '../../relay/ops/log.ts';
import { migrate } from '../../relay/store/sqlite-schema.ts';
import { agentHealthFromStore } from '../../workers/model-health/from-store.ts';
import type { Alert } from '../../workers/notify/alert.ts';
import { DEFAULT_NOTIFY_SETTINGS } from '../../workers/notify/settings.ts';
import { openHeldHost, type HeldHost } from '../commands/held-host.ts';

/**
 * Model health reaches the trader's phone: the relay's alerts service, beside
 * the real demo host replaying the held-out EURUSD hours, judges each agent
 * with models once a simulated day from the store's record and sends one
 * 'model.health' alert per crossing, naming the model and the features.
 */
describe("model health alerts from the relay's alerts service", () => {
  let held: HeldHost;
  let service: AlertsService;
  const sent: Alert[] = [];
  let db: Database.Database;

  beforeAll(async () => {
    held = await openHeldHost();
    const file = join(mkdtempSync(join(tmpdir(), 'tg-health-alerts-')), 'alerts.sqlite');
    db = new Database(file);
    migrate(db, file);
    const channel: AlertChannel = { name: 'rec', send: async (a) => void sent.push(a) };
    service = startAlertsService({ host: held.host, db, channels: [channel], store: held.store, healthStore: held.store, settings: DEFAULT_NOTIFY_SETTINGS, clock: { now: Date.now }, log: createMemoryLog() });
  }, 120_000);
  afterAll(async () => {
    await service?.stop(100);
    db?.close();
    await held?.stop();
  });

  it('alerts once per crossing, naming the model and the drifted features the record shows', async () => {
    const s0 = await held.host.status();
    // Thirty simulated days: a check a day, and enough bars for the drift window.
    await held.runUntil((s) => s.clockTime >= s0.clockTime + 30 * 86_400_000, 120_000);
    await new Promise((r) => setTimeout(r, 50));
    await service.outbox.settled();
    const health = sent.filter((a) => a.type === 'model.health');
    expect(health.length).toBeGreaterThan(0);
    // Each alert names a model of the chain agent, and no figure alerts twice while it stays across.
    expect(new Set(health.map((a) => a.id)).size).toBe(health.length);
    for (const a of health) expect(a.title).toMatch(/^Model (alpha|risk|guard):demo-/);
    // A drift alert names features of the model's spec, each with its PSI past the drifted level.
    for (const a of health.filter((x) => / drifted$/.test(x.title))) {
      const h = (await agentHealthFromStore(held.store, a.agentId!))!;
      const model = /^Model (\S+):/.exec(a.title)![1];
      const features = h.models.find((m) => m.model === model)!.drift.map((f) => f.feature);
      expect(a.lines.at(-1)).toMatch(/^Against the bundle.s training distribution/);
      for (const line of a.lines.slice(0, -1)) {
        const m = /^(\S+): PSI ([\d.]+) over \d+ feature vectors \(drifted above 0\.25\)$/.exec(line);
        expect(m, line).not.toBeNull();
        expect(features).toContain(m![1]);
        expect(Number(m![2])).toBeGreaterThan(0.25);
      }
    }
    const figures = health.map((a) => a.id.split(':').slice(0, -1).join(':'));
    expect(new Set(figures).size).toBe(figures.length);
  }, 180_000);
});
