import type { HostStatus } from '../../workers/host/api.ts';
import { agentHealthFromStore } from '../../workers/model-health/from-store.ts';
import { ModelHealthAlerts } from '../../workers/notify/model-health-alerts.ts';
import type { Alert } from '../../workers/notify/alert.ts';
import type { EngineStore } from '../../workers/store/store.ts';
import type { Logger } from '../ops/log.ts';

/** Live: an hour of engine time between checks; a replay runs hours a second, so a day. */
const EVERY_MS = { live: 3_600_000, replay: 86_400_000 } as const;

/**
 * 'model.health' alerts on the relay: every hour of engine time (a day in a
 * replay) each agent with models is judged from the store's record (bars,
 * decisions, the bundles' training distributions) and ModelHealthAlerts says
 * what crossed a threshold since the last check. One check at a time; a check
 * that fails is logged and the next one tries again. Runs beside the host's
 * update callback, never inside the engine's step.
 */
export class ModelHealthWatch {
  private readonly alerts = new ModelHealthAlerts();
  private nextAt: number | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: Pick<EngineStore, 'agents' | 'models' | 'bars' | 'decisions'>,
    private readonly push: (alerts: readonly Alert[]) => void,
    private readonly log: Logger,
  ) {}

  /** Called with each host status; starts a check when its engine time has come. */
  onStatus(s: HostStatus): void {
    const every = EVERY_MS[s.mode === 'live' ? 'live' : 'replay'];
    if (!(s.clockTime > 0)) return;
    // The first status only sets the time of the first check: a model needs bars before it can be judged.
    if (this.nextAt === null) this.nextAt = s.clockTime + every;
    if (s.clockTime < this.nextAt || this.running) return;
    this.nextAt = s.clockTime + every;
    const agents = s.agents.map((a) => a.id);
    this.running = this.check(agents).finally(() => (this.running = null));
  }

  /** Resolves when no check is running (tests, and the service's stop). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async check(agents: string[]): Promise<void> {
    for (const id of agents) {
      try {
        const h = await agentHealthFromStore(this.store, id);
        if (h) this.push(this.alerts.check(h));
      } catch (e) {
        this.log.error('model health not checked', { agentId: id, error: e });
      }
    }
  }
}
