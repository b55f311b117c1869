import type { AgentConfig } from '../engine/agent-config.ts';
import type { BarSeries } from '../market/bar.ts';
import { declaredThresholds } from '../models/bundle/manifest.ts';
import { DEFAULT_CHAIN } from '../models/chain/chain-policy.ts';
import type { WorkspaceCommand } from './api.ts';
import type { CommandDeps } from './apply-command.ts';
import { CommandRefused } from './command-refused.ts';
import { warm, type ShadowRole } from './shadows.ts';
import type { Position } from '../trading/orders.ts';

export type ShadowCommand = Extract<WorkspaceCommand, { kind: 'agent.shadow' | 'agent.shadow-stop' | 'agent.promote-shadow' | 'agent.rollback' }>;

const ROLES: readonly ShadowRole[] = ['alpha', 'risk', 'guard'];

/** The model an agent trades in a role, or null. */
export function modelInRole(c: AgentConfig, role: ShadowRole): string | null {
  if (role === 'alpha') return c.alpha.kind === 'model' ? c.alpha.modelId : null;
  return (role === 'risk' ? c.riskModel : c.guardModel) ?? null;
}

/**
 * The agent's config with `modelId` in `role`. A version that declares its own
 * threshold (the alpha's minConfidence, the guard's guardThreshold) brings it:
 * its builder calibrated it for that version. Every other setting stays.
 */
export function withModel(c: AgentConfig, role: ShadowRole, modelId: string, thresholds: { minConfidence?: number; guardThreshold?: number }): AgentConfig {
  const swapped: AgentConfig = role === 'alpha' ? { ...c, alpha: { kind: 'model', modelId } } : role === 'risk' ? { ...c, riskModel: modelId } : { ...c, guardModel: modelId };
  const own = role === 'alpha' ? { minConfidence: thresholds.minConfidence } : role === 'guard' ? { guardThreshold: thresholds.guardThreshold } : {};
  const declared = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined));
  return Object.keys(declared).length ? { ...swapped, chain: { ...(c.chain ?? DEFAULT_CHAIN), ...declared } } : swapped;
}

/** A shadow rebuilt after a restart (shadow-restore.ts) goes on under its first session, with its paper book as it was. */
export interface ShadowResume {
  session: number;
  initialCash: number;
  positions: readonly Position[];
}

/**
 * agent.shadow, agent.shadow-stop, agent.promote-shadow, agent.rollback.
 * Everything is checked before anything changes; each refusal says why.
 */
export async function applyShadowCommand(d: CommandDeps, c: ShadowCommand, resume?: ShadowResume): Promise<string> {
  const runner = d.engine.agent(c.agentId);
  if (!runner) throw new CommandRefused(`there is no agent ${c.agentId} (agents: ${d.engine.listAgents().map((x) => x.config.id).join(', ') || 'none'})`);
  const config = runner.config;
  switch (c.kind) {
    case 'agent.shadow': {
      if (!ROLES.includes(c.role)) throw new CommandRefused(`role must be alpha, risk or guard (got ${JSON.stringify(c.role)})`);
      const running = d.shadows.of(c.agentId);
      if (running) throw new CommandRefused(`agent ${c.agentId} already has ${running.modelId} in shadow: stop it first (#shadow-stop ${c.agentId}) or promote it`);
      const current = modelInRole(config, c.role);
      if (!current) throw new CommandRefused(`agent ${c.agentId} runs no ${c.role} model: a shadow replaces one of its models (${rolesText(config)})`);
      if (current === c.modelId) throw new CommandRefused(`agent ${c.agentId} already trades ${c.modelId}: a shadow is another version`);
      const stored = await d.store.models.get(c.modelId);
      if (!stored) {
        const same = (await d.store.models.list()).filter((m) => m.manifest.role === c.role).map((m) => m.id);
        throw new CommandRefused(`model ${c.modelId} is not in this workspace's registry (${c.role} models: ${same.join(', ') || 'none'}): import it on the Models page first`);
      }
      const m = stored.manifest;
      if (m.role !== c.role) throw new CommandRefused(`model ${c.modelId} is a ${m.role} model: it cannot shadow ${c.agentId}'s ${c.role} model ${current}`);
      const problems: string[] = [];
      const missing = config.symbols.filter((s) => !m.symbols.includes(s));
      if (missing.length) problems.push(`it was built for ${m.symbols.join(', ')}, not ${missing.join(', ')}`);
      if (m.timeframe !== config.timeframe) problems.push(`it was built for ${m.timeframe} bars, the agent trades ${config.timeframe}`);
      if (problems.length) throw new CommandRefused(`model ${c.modelId} cannot shadow agent ${c.agentId}: ${problems.join('; ')}`);
      if (!d.models.has(c.modelId)) {
        try {
          d.models.set(c.modelId, await d.loadModel(stored));
        } catch (err) {
          throw new CommandRefused(`model ${c.modelId} could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      const shadowConfig = withModel(config, c.role, c.modelId, declaredThresholds({ [c.role]: m }));
      const now = d.now();
      const terms = d.paperTerms();
      try {
        d.shadows.start(
          {
            agentId: c.agentId,
            role: c.role,
            modelId: c.modelId,
            currentModelId: current,
            config: { ...shadowConfig, mode: 'paper' },
            session: resume?.session ?? now,
            clock: { now: d.now },
            initialCash: resume?.initialCash ?? d.broker.account().equity,
            adopt: resume?.positions,
            leverage: terms.leverage,
            costs: terms.costs,
            risk: d.engine.risk.settings,
            instrument: d.engine.deps.instrument,
            models: (id) => {
              const lm = d.models.get(id);
              if (!lm) throw new Error(`model ${id} is not loaded`);
              return lm;
            },
          },
          await history(d, config),
        );
      } catch (err) {
        throw new CommandRefused(`model ${c.modelId} cannot shadow agent ${c.agentId}: ${err instanceof Error ? err.message : String(err)}`);
      }
      const t = shadowConfig.chain && shadowConfig.chain !== config.chain ? ` with its declared thresholds (minimum confidence ${shadowConfig.chain.minConfidence}, guard threshold ${shadowConfig.chain.guardThreshold})` : '';
      return `${c.modelId} now runs in shadow beside agent ${c.agentId}'s ${c.role} model ${current}${t}: same bars, its decisions recorded, no orders. Compare with /shadow ${c.agentId}`;
    }
    case 'agent.shadow-stop': {
      const s = d.shadows.stop(c.agentId);
      if (!s) throw new CommandRefused(`agent ${c.agentId} has no model in shadow`);
      return `shadow ${s.modelId} of agent ${c.agentId} stopped; its record stays for /shadow ${c.agentId}`;
    }
    case 'agent.promote-shadow': {
      const s = d.shadows.of(c.agentId);
      if (!s) throw new CommandRefused(`agent ${c.agentId} has no model in shadow to promote: start one with #shadow ${c.agentId} <model id>`);
      if (runner.hasModelWork) throw new CommandRefused(`agent ${c.agentId} is deciding this bar: try again after it`);
      const next = keepingSymbols({ ...s.config, mode: config.mode }, config);
      if (config.mode === undefined) delete next.mode;
      await swapAgent(d, next);
      d.shadows.stop(c.agentId);
      d.shadows.pushPrevious(c.agentId, config);
      return `agent ${c.agentId} now trades ${s.modelId} as its ${s.role} model in place of ${s.currentModelId}, from the next bar; its positions stay as they are. #rollback ${c.agentId} goes back`;
    }
    case 'agent.rollback': {
      const prev = d.shadows.lastPrevious(c.agentId);
      if (!prev) throw new CommandRefused(`agent ${c.agentId} has nothing to roll back to: no promotion of a shadow since it was created (or each was rolled back)`);
      if (runner.hasModelWork) throw new CommandRefused(`agent ${c.agentId} is deciding this bar: try again after it`);
      for (const id of [modelInRole(prev, 'alpha'), modelInRole(prev, 'risk'), modelInRole(prev, 'guard')]) {
        if (!id || d.models.has(id)) continue;
        const stored = await d.store.models.get(id);
        if (!stored) throw new CommandRefused(`agent ${c.agentId} cannot roll back: model ${id} is no longer stored`);
        d.models.set(id, await d.loadModel(stored));
      }
      const next = keepingSymbols({ ...prev, mode: config.mode }, config);
      if (config.mode === undefined) delete next.mode;
      await swapAgent(d, next);
      d.shadows.popPrevious(c.agentId);
      return `agent ${c.agentId} rolled back to ${changedModels(config, prev)}, from the next bar; its positions stay as they are`;
    }
  }
}

/** A version change swaps models, never what the agent trades: the symbols a watchlist sync gave it since stay. */
function keepingSymbols(next: AgentConfig, now: AgentConfig): AgentConfig {
  const out: AgentConfig = { ...next, symbols: [...now.symbols] };
  if (now.exitOnly) out.exitOnly = [...now.exitOnly];
  else delete out.exitOnly;
  return out;
}

const rolesText = (c: AgentConfig) =>
  ROLES.flatMap((r) => {
    const id = modelInRole(c, r);
    return id ? [`${r} ${id}`] : [];
  }).join(', ') || 'a rule alpha and no model';

/** 'alpha:demo-alpha@1.1.0 (from alpha:demo-alpha@1.2.0)'. */
function changedModels(from: AgentConfig, to: AgentConfig): string {
  const changed = ROLES.filter((r) => modelInRole(from, r) !== modelInRole(to, r)).map((r) => `${r} ${modelInRole(to, r)} (from ${modelInRole(from, r)})`);
  return changed.join(', ') || 'its previous settings';
}

/** The agent's stored bars: what a new runner warms up on. */
async function history(d: CommandDeps, c: AgentConfig): Promise<BarSeries[]> {
  const out: BarSeries[] = [];
  for (const s of c.symbols) {
    const series = await d.store.bars.get(s, c.timeframe);
    if (series) out.push(series);
  }
  return out;
}

/** The agent runs `next` from the next bar, warmed on the bars closed so far; the stored agent follows. */
export async function swapAgent(d: CommandDeps, next: AgentConfig): Promise<void> {
  let runner;
  try {
    runner = d.engine.replaceAgent(next);
  } catch (err) {
    throw new CommandRefused(err instanceof Error ? err.message : String(err));
  }
  warm(runner, await history(d, next), d.now(), next.timeframe);
  const rec = await d.store.agents.get(next.id);
  if (rec) await d.store.agents.put({ ...rec, config: next, updatedAt: d.now() });
}
