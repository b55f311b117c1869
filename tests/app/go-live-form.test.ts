/**
 * Settings > Going live as data: the readiness gates and the ramp plan
 * round-trip through the form, the defaults are the plan's, text that is no
 * number never becomes a value, every rule the host applies when it reads the
 * keys (readinessGatesProblems, rampPlanProblems) lands at the field it names,
 * a stored value the host ignores is shown ignored at its field, Save's
 * command is what the host stores and reads back as typed, and the host's
 * refusal lands at the fields it names.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { DEFAULT_READINESS_GATES, readinessGates, type ReadinessGates } from '../../workers/readiness/gates.ts';
import { DEFAULT_RAMP_PLAN, rampPlan, type RampPlan } from '../../workers/ramp/plan.ts';
import { DEFAULT_GO_LIVE_FORM, defaultText, GATE_NUMBERS, GATE_SWITCHES, goLiveFormFromStored, goLiveFormOf, goLiveValuesOf, GO_LIVE_DEFAULTS_COMMAND, goLiveCommandOf, goLiveRefusalByField, RAMP_NUMBERS } from '../../app/views/settings/go-live-form.ts';
import { applyGoLiveConfig } from '../../workers/host/golive-config.ts';

/** Every field key the panel shows (its data-field names). */
const FIELDS = new Set<string>([...GATE_NUMBERS.map((f) => `gates.${f.key}`), ...GATE_SWITCHES.map((f) => `gates.${f.key}`), 'ramp.stagesPct', ...RAMP_NUMBERS.map((f) => `ramp.${f.key}`), 'ramp.onBreach']);

describe('the going-live form', () => {
  it('has a field for every gate and every ramp value', () => {
    expect([...FIELDS].filter((k) => k.startsWith('gates.')).map((k) => k.slice(6)).sort()).toEqual(Object.keys(DEFAULT_READINESS_GATES).sort());
    expect([...FIELDS].filter((k) => k.startsWith('ramp.')).map((k) => k.slice(5)).sort()).toEqual(Object.keys(DEFAULT_RAMP_PLAN).sort());
  });

  it('shows the defaults of the written go-live plan, each with its default named', () => {
    const f = DEFAULT_GO_LIVE_FORM();
    expect(f.gates).toEqual({ minTrades: '300', minTradesDaily: '30', minWinRatePct: '60', minProfitFactor: '1.5', maxDrawdownPct: '15', minSharpe: '1', errorFreeDays: '7' });
    expect(f.rehearse).toEqual({ requireEmergencyStop: true, requireBreakerTrip: true });
    expect(f.stagesPct).toBe('1, 5, 10, 25, 50, 100');
    expect(f.ramp).toEqual({ minDays: '7', minTrades: '20', maxDrawdownPct: '10', winRateTolerancePts: '15', expectancyToleranceR: '0.5', severeDrawdownPct: '20' });
    expect(f.onBreach).toBe('step-down');
    expect(defaultText('gates', 'minTrades')).toBe('default 300');
    expect(defaultText('gates', 'requireBreakerTrip')).toBe('default required');
    expect(defaultText('ramp', 'stagesPct')).toBe('default 1, 5, 10, 25, 50, 100');
    expect(defaultText('ramp', 'onBreach')).toBe('default step-down');
    // Nothing stored: the form is the defaults, with no problem.
    expect(goLiveFormFromStored(undefined, undefined)).toEqual({ form: f, problems: {} });
    expect(goLiveValuesOf(f)).toEqual({ gates: DEFAULT_READINESS_GATES, plan: DEFAULT_RAMP_PLAN, problems: {} });
  });

  it('gives back the values it was given, and reads what a trader types', () => {
    const gates: ReadinessGates = { minTrades: 120, minTradesDaily: 12, minWinRatePct: 55.5, minProfitFactor: 1.2, maxDrawdownPct: 20, minSharpe: -0.5, errorFreeDays: 0, requireEmergencyStop: false, requireBreakerTrip: true };
    const plan: RampPlan = { stagesPct: [3, 10, 100], minDays: 0, minTrades: 40, maxDrawdownPct: 8, severeDrawdownPct: 25, winRateTolerancePts: 10, expectancyToleranceR: 0, onBreach: 'halt' };
    expect(goLiveValuesOf(goLiveFormOf(gates, plan))).toEqual({ gates, plan, problems: {} });
    const f = DEFAULT_GO_LIVE_FORM();
    f.gates.minTrades = ' 1,000 ';
    f.stagesPct = '2%, 20 %,100';
    const v = goLiveValuesOf(f);
    expect(v.gates?.minTrades).toBe(1000);
    expect(v.plan?.stagesPct).toEqual([2, 20, 100]);
  });

  it('names each bad field at its own field, in the host’s words, and gives no values', () => {
    const f = DEFAULT_GO_LIVE_FORM();
    f.gates.minTrades = '2.5';
    f.gates.minTradesDaily = '-1';
    f.gates.minWinRatePct = '101';
    f.gates.minProfitFactor = 'lots';
    f.gates.maxDrawdownPct = '';
    f.gates.minSharpe = '200';
    f.gates.errorFreeDays = '0.5';
    f.stagesPct = '5, 1, 100';
    f.ramp.minDays = '1.5';
    f.ramp.minTrades = '-2';
    f.ramp.maxDrawdownPct = '0';
    f.ramp.winRateTolerancePts = '150';
    f.ramp.expectancyToleranceR = '-0.1';
    f.ramp.severeDrawdownPct = 'x';
    f.onBreach = 'pause' as RampPlan['onBreach'];
    const v = goLiveValuesOf(f);
    expect(v.gates).toBeNull();
    expect(v.plan).toBeNull();
    expect(Object.keys(v.problems).sort()).toEqual([...FIELDS].filter((k) => !k.includes('require')).sort());
    for (const k of Object.keys(v.problems)) expect(v.problems[k], k).toHaveLength(1);
    expect(v.problems).toMatchObject({
      'gates.minTrades': ['minTrades must be a whole number, 0 or more (got 2.5)'],
      'gates.minWinRatePct': ['minWinRatePct must be a number from 0 to 100 (got 101)'],
      'gates.minProfitFactor': ['minProfitFactor must be a number (got "lots")'],
      'gates.maxDrawdownPct': ['maxDrawdownPct must be a number (got "")'],
      'ramp.stagesPct': ['stagesPct must be rising percentages above 0 ending at 100 (got [5,1,100])'],
      'ramp.maxDrawdownPct': ['maxDrawdownPct must be a number above 0, at most 100 (got 0)'],
      'ramp.onBreach': ['onBreach must be step-down or halt (got "pause")'],
    });
    // A list that is not numbers, and one that does not end at 100.
    const g = DEFAULT_GO_LIVE_FORM();
    g.stagesPct = '1, five, 100';
    expect(goLiveValuesOf(g).problems).toEqual({ 'ramp.stagesPct': ['stagesPct must be percentages separated by commas, e.g. 1, 5, 10, 25, 50, 100 (got "1, five, 100")'] });
    g.stagesPct = '1, 5, 50';
    expect(Object.keys(goLiveValuesOf(g).problems)).toEqual(['ramp.stagesPct']);
  });

  it('sends only what differs from the defaults, which the host reads back as typed, and Reset sends both back to the defaults', async () => {
    const f = DEFAULT_GO_LIVE_FORM();
    f.gates.minTrades = '100';
    f.rehearse.requireBreakerTrip = false;
    f.stagesPct = '25, 50, 100';
    f.onBreach = 'halt';
    const v = goLiveValuesOf(f);
    const cmd = goLiveCommandOf({ gates: v.gates!, plan: v.plan! });
    expect(cmd).toEqual({ kind: 'golive.configure', gates: { minTrades: 100, requireBreakerTrip: false }, ramp: { stagesPct: [25, 50, 100], onBreach: 'halt' } });
    // Applied by the host's own code on a store: what it then reads from the keys is what was typed.
    const store = createMemoryStore();
    await applyGoLiveConfig({ store }, cmd);
    expect(readinessGates(await store.settings.get('readiness.gates'))).toEqual({ ...DEFAULT_READINESS_GATES, minTrades: 100, requireBreakerTrip: false });
    expect(rampPlan(await store.settings.get('ramp.plan'))).toEqual({ ...DEFAULT_RAMP_PLAN, stagesPct: [25, 50, 100], onBreach: 'halt' });
    // And the form opens on it again.
    expect(goLiveFormFromStored(await store.settings.get('readiness.gates'), await store.settings.get('ramp.plan'))).toEqual({ form: f, problems: {} });
    // All defaults typed: null for each key, so the keys go rather than a copy of today's defaults.
    expect(goLiveCommandOf({ gates: DEFAULT_READINESS_GATES, plan: DEFAULT_RAMP_PLAN })).toEqual(GO_LIVE_DEFAULTS_COMMAND);
    expect(GO_LIVE_DEFAULTS_COMMAND).toEqual({ kind: 'golive.configure', gates: null, ramp: null });
    await applyGoLiveConfig({ store }, GO_LIVE_DEFAULTS_COMMAND);
    expect(await store.settings.list()).toEqual([]);
  });

  it("puts the host's refusal, and the relay's 400, at the fields they name", async () => {
    const store = createMemoryStore();
    const bad = { kind: 'golive.configure', gates: { minTrades: 2.5, minWinRatePct: 101 }, ramp: { stagesPct: [5, 1, 100], onBreach: 'pause' } } as never;
    const reason = await applyGoLiveConfig({ store }, bad).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(reason.startsWith('going-live settings not changed: ')).toBe(true);
    const expected = {
      'gates.minTrades': ['minTrades must be a whole number, 0 or more (got 2.5)'],
      'gates.minWinRatePct': ['minWinRatePct must be a number from 0 to 100 (got 101)'],
      'ramp.stagesPct': ['stagesPct must be rising percentages above 0 ending at 100 (got [5,1,100])'],
      'ramp.onBreach': ['onBreach must be step-down or halt (got "pause")'],
    };
    expect(goLiveRefusalByField(reason)).toEqual(expected);
    // The relay's client puts the 400's field first: the same fields.
    expect(goLiveRefusalByField(`gates.minTrades: ${reason}`)).toEqual(expected);
    // What names no field of the form stays whole, for the form's line.
    expect(goLiveRefusalByField('going-live settings not changed: gates.minTrade is not a readiness gate (they are minTrades, ...)')).toEqual({ form: ['gates.minTrade is not a readiness gate (they are minTrades, ...)'] });
    expect(goLiveRefusalByField('the workspace is stopped: no bars')).toEqual({ form: ['the workspace is stopped: no bars'] });
    expect(await store.settings.list()).toEqual([]);
  });

  it('shows a stored value the host ignores at its field, with the default the host uses in its place', () => {
    const r = goLiveFormFromStored({ minTrades: -3, minSharpe: 0.5, requireEmergencyStop: 'yes' }, { stagesPct: [1, 5], minDays: 3 });
    expect(r.form.gates.minTrades).toBe('300');
    expect(r.form.gates.minSharpe).toBe('0.5');
    expect(r.form.rehearse.requireEmergencyStop).toBe(true);
    expect(r.form.stagesPct).toBe('1, 5, 10, 25, 50, 100');
    expect(r.form.ramp.minDays).toBe('3');
    expect(r.problems).toEqual({
      'gates.minTrades': ['stored minTrades must be a whole number, 0 or more (got -3): the host uses the default until this is saved'],
      'gates.requireEmergencyStop': ['stored requireEmergencyStop must be true or false (got yes): the host uses the default until this is saved'],
      'ramp.stagesPct': ['stored stagesPct must be rising percentages above 0 ending at 100 (got [1,5]): the host uses the default until this is saved'],
    });
    expect(goLiveFormFromStored('300', [1]).problems).toEqual({ form: ['the stored readiness.gates is "300", not a set of values: the host uses the defaults', 'the stored ramp.plan is [1], not a set of values: the host uses the defaults'] });
  });
});
