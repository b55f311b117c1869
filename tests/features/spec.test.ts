import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeSpec, getFeatureSpec, listFeatureSpecs, RISK_OBS_V1 } from '../../workers/features/spec/index.ts';
import { INDICATORS } from '../../workers/features/indicators/index.ts';

const spec = RISK_OBS_V1;
const docs = readFileSync(fileURLToPath(new URL('../../docs/FEATURES.md', import.meta.url)), 'utf8');

describe('risk-obs-v1 spec', () => {
  it('has 60 uniquely named features, each with formula, scale and the slots it reads', () => {
    expect(spec.id).toBe('risk-obs-v1');
    expect(spec.version).toBe(1);
    expect(spec.features).toHaveLength(60);
    expect(new Set(spec.features.map((f) => f.name)).size).toBe(60);
    for (const f of spec.features) {
      expect(f.name).toMatch(/^[a-z0-9_]+$/);
      expect(f.formula.length).toBeGreaterThan(0);
      expect(f.scale.length).toBeGreaterThan(0);
      expect(f.uses.length).toBeGreaterThan(0);
    }
  });

  it('covers every group the risk model needs', () => {
    const groups = new Set(spec.features.map((f) => f.group));
    for (const g of ['returns', 'volatility', 'momentum', 'trend', 'bollinger', 'candle', 'volume', 'time', 'context']) {
      expect(groups.has(g as never), g).toBe(true);
    }
  });

  it('derives warm-ups from the slots each formula reads', () => {
    const byName = Object.fromEntries(spec.features.map((f) => [f.name, f]));
    const atr14 = INDICATORS.atr.warmup([14]);
    expect(byName.body_range.warmup).toBe(0);
    expect(byName.hour_sin.warmup).toBe(0);
    expect(byName.logret_1.warmup).toBe(Math.max(1, atr14));
    expect(byName.logret_20.warmup).toBe(Math.max(20, atr14));
    // A lag of an indicator adds the lag to the indicator's own warm-up.
    expect(byName.slope_sma_200_atr.warmup).toBe(INDICATORS.sma.warmup([200]) + 20);
    // A series-fed indicator starts where its series becomes finite (1-bar returns: bar 1).
    expect(byName.rvol_ratio_10_50.warmup).toBe(1 + INDICATORS.stddev.warmup([50]));
    expect(spec.warmup).toBe(Math.max(...spec.features.map((f) => f.warmup)));
    // Context is the caller's: no warm-up, except P&L in ATR units, which needs the ATR.
    for (const f of spec.features.filter((f) => f.group === 'context' && f.name !== 'ctx_upnl_atr')) expect(f.warmup, f.name).toBe(0);
    expect(byName.ctx_upnl_atr.warmup).toBe(atr14);
  });

  it('is documented: docs/FEATURES.md lists every feature and embeds the generated table', () => {
    for (const f of spec.features) expect(docs, f.name).toContain(`\`${f.name}\``);
    expect(docs).toContain(describeSpec(spec));
  });

  it('is found by id, and an unknown id names itself and the known specs', () => {
    expect(getFeatureSpec('risk-obs-v1')).toBe(spec);
    expect(listFeatureSpecs()).toContain('risk-obs-v1');
    expect(() => getFeatureSpec('risk-obs-v9')).toThrow(/unknown feature spec "risk-obs-v9".*known: .*risk-obs-v1/);
  });
});
