import type { ContextField } from '../features/spec/index.ts';

/**
 * Decision input names of the recorded context (recordContext), by context field; the
 * direction is the decision's own. Apart from agent.ts so readers of the record (model
 * health in the PWA's shell) need not load the agent.
 */
export const CONTEXT_INPUTS = {
  openPositions: 'context.openPositions',
  drawdown: 'context.drawdown',
  positionSide: 'context.positionSide',
  entryPrice: 'context.entryPrice',
  barsSinceEntry: 'context.barsSinceEntry',
  leverage: 'context.leverage',
  lossStreak: 'context.lossStreak',
} as const satisfies Partial<Record<ContextField, string>>;
