/**
 * Settings > Risk limits as data: the account's RiskConfig round-trips through
 * the form, text that is no number never becomes a config, and every refusal
 * the engine can give (riskConfigProblems, as the host words it) lands at a
 * field of the form rather than in a general message.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_CONFIG, NO_LIMITS, RULE_DEFAULTS, type RiskConfig } from '../../workers/risk/limits.ts';
import { riskConfigProblems } from '../../workers/risk/limits-check.ts';
import { configOf, OPTIONAL_RULES, refusalByField, riskFormOf, SCALAR_LIMITS } from '../../app/views/settings/risk-form.ts';

/** What the host answers to a refused `risk.configure` (workers/host/apply-command.ts). */
const refusal = (c: RiskConfig) => `risk limits not changed: ${riskConfigProblems(c, ['EURUSD']).join('; ')}`;

/** Every field key the form shows. */
const FIELDS = new Set<string>([...SCALAR_LIMITS, 'timeZone', 'groups', 'dailyLossAction', 'drawdownAction', 'lossesAction', 'resume', ...Object.entries(OPTIONAL_RULES).flatMap(([r, fs]) => fs.map((f) => `${r}.${f}`))]);

describe('the risk limits form', () => {
  it('shows the config it was given and gives it back unchanged', () => {
    const all: RiskConfig = { limits: { ...DEFAULT_RISK_CONFIG.limits, ...RULE_DEFAULTS, maxOpenPerAgent: 2, resume: 'manual' }, timeZone: 'Europe/London', groups: { EURUSD: 'fx-majors' } };
    for (const c of [DEFAULT_RISK_CONFIG, all, { ...DEFAULT_RISK_CONFIG, limits: NO_LIMITS }]) {
      const back = configOf(riskFormOf(c), c);
      expect(back.problems).toEqual({});
      expect(back.config).toEqual(c);
    }
  });

  it('blank turns a limit off; a switched-off rule is null; text that is no number is refused at its field and nothing is sent', () => {
    const f = riskFormOf(DEFAULT_RISK_CONFIG);
    f.scalars.maxDrawdownPct = '  ';
    f.on.cooldown = false;
    expect(configOf(f, DEFAULT_RISK_CONFIG).config?.limits).toMatchObject({ maxDrawdownPct: null, cooldown: null });
    f.scalars.maxDailyLossPct = 'three';
    f.on.cooldown = true;
    f.numbers['cooldown.bars'] = '';
    const r = configOf(f, DEFAULT_RISK_CONFIG);
    expect(r.config).toBeNull();
    expect(Object.keys(r.problems).sort()).toEqual(['cooldown.bars', 'maxDailyLossPct']);
  });

  it('puts each of the engine\'s refusals at the field it names', () => {
    const bad = (patch: Partial<RiskConfig['limits']>, more: Partial<RiskConfig> = {}): RiskConfig => ({ ...DEFAULT_RISK_CONFIG, ...more, limits: { ...DEFAULT_RISK_CONFIG.limits, ...patch } });
    const cases: [RiskConfig, string[]][] = [
      [bad({ maxDailyLossPct: 150, maxOpenPositions: 0.5 }), ['maxDailyLossPct', 'maxOpenPositions']],
      [bad({ maxConsecutiveLosses: -1, maxOpenPerAgent: 0, maxOpenRiskPct: 0, maxCurrencyExposurePct: -5, maxGroupPct: 101, maxDrawdownPct: NaN }), ['maxConsecutiveLosses', 'maxOpenPerAgent', 'maxOpenRiskPct', 'maxCurrencyExposurePct', 'maxGroupPct', 'maxDrawdownPct']],
      [bad({ correlation: { max: 1.5, lookbackBars: 2 } }), ['correlation.max', 'correlation.lookbackBars']],
      [bad({ stopLossGuard: { stops: 0, lookbackBars: 0.5, lockBars: -1, scope: 'symbol' } }), ['stopLossGuard.stops', 'stopLossGuard.lookbackBars', 'stopLossGuard.lockBars']],
      [bad({ lowProfit: { trades: 0, lookbackBars: 10, minProfitPct: 200, lockBars: 5 }, drawdownLock: { trades: 1, lookbackBars: 10, maxDrawdownPct: 0, lockBars: 0 }, cooldown: { bars: 0 } }), ['lowProfit.trades', 'lowProfit.minProfitPct', 'drawdownLock.maxDrawdownPct', 'drawdownLock.lockBars', 'cooldown.bars']],
      [bad({}, { timeZone: 'Mars/Olympus', groups: { XAUUSD: 'metals', EURUSD: ' ' } }), ['timeZone', 'groups']],
    ];
    for (const [config, fields] of cases) {
      const by = refusalByField(refusal(config));
      expect(Object.keys(by).sort(), refusal(config)).toEqual([...fields].sort());
      for (const k of Object.keys(by)) expect(FIELDS.has(k), k).toBe(true);
    }
    expect(refusalByField(refusal(bad({ maxDailyLossPct: 150 })))).toEqual({ maxDailyLossPct: ['maxDailyLossPct must be a number above 0 and at most 100 (got 150)'] });
  });
});
