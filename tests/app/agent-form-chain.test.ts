import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkForm, emptyForm, type AgentForm, type FormContext } from '../../app/views/agents/agent-form.ts';
import { DEFAULT_CHAIN } from '../../workers/models/chain/chain-policy.ts';

/** The demo bundles' own manifests, as the Models store holds them. */
const manifest = (role: string) => JSON.parse(readFileSync(new URL(`../../public/models/demo/${role}/manifest.json`, import.meta.url), 'utf8'));
const models = (['alpha', 'risk', 'guard'] as const).map((role) => {
  const m = manifest(role);
  return { id: `${role}:${m.name}@${m.version}`, role, ...(m.thresholds ? { thresholds: m.thresholds } : {}) };
});
const ctx: FormContext = { series: [{ symbol: 'EURUSD', timeframe: 'H1' }], models, agentIds: [], brokerConnected: false };
const form = (over: Partial<AgentForm>): AgentForm => ({ ...emptyForm(ctx), name: 'Chain', id: 'chain', symbols: ['EURUSD'], timeframe: 'H1', ...over });

describe('create-agent form: the model chain', () => {
  it("takes the thresholds the alpha's and the guard's manifests declare, as a backtest of them does", () => {
    const [alpha, risk, guard] = models;
    expect(alpha.thresholds?.minConfidence).toBeTypeOf('number');
    expect(guard.thresholds?.guardThreshold).toBeTypeOf('number');
    const r = checkForm(form({ alphaKind: 'model', alphaModel: alpha.id, riskModel: risk.id, guardModel: guard.id }), ctx);
    expect(r.problems).toEqual({});
    expect(r.config?.chain).toEqual({ ...DEFAULT_CHAIN, minConfidence: alpha.thresholds!.minConfidence, guardThreshold: guard.thresholds!.guardThreshold });
    // A rule strategy with only a risk model: no declared threshold applies, the chain's defaults stay.
    const ruled = checkForm(form({ riskModel: risk.id }), ctx);
    expect(ruled.config?.chain).toEqual(DEFAULT_CHAIN);
  });
});
