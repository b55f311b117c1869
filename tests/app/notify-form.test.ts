/**
 * Settings > Notifications as data: the relay's NotifySettings round-trip
 * through the form, text that is no number never becomes a setting, every
 * problem the relay's own check finds (notifySettingsProblems) lands at the
 * field it names, and so does a 400 from PUT /api/notify/settings.
 */
import { describe, expect, it } from 'vitest';
import { ALERT_TYPES, DEFAULT_DELIVERY } from '../../workers/notify/alert.ts';
import { DEFAULT_NOTIFY_SETTINGS, notifySettingsProblems, withNotifyDefaults, type NotifySettings } from '../../workers/notify/settings.ts';
import { fieldOfKey, notifyFormOf, problemsByField, relayRefusalAt, settingsOfForm } from '../../app/views/settings/notify-form.ts';
import { testOutcomeText } from '../../app/views/settings/notify-api.ts';

describe('the notifications form', () => {
  it('shows the settings it was given and gives them back unchanged', () => {
    const custom: NotifySettings = withNotifyDefaults({
      delivery: { pulse: 'off', 'trade.refused': 'on', 'trade.opened': 'silent' },
      milestones: { tradeR: 0.5, dayPct: 0 },
      summaryTimeZone: 'Europe/London',
      summaryTime: '21:30',
      pulseHours: 6,
      downAfterMinutes: 3,
      flapMinutes: 30,
    });
    for (const s of [DEFAULT_NOTIFY_SETTINGS, custom]) expect(settingsOfForm(notifyFormOf(s))).toEqual({ settings: s, problems: {} });
  });

  it('the table shows every type with its delivery, defaults where the settings say nothing', () => {
    const f = notifyFormOf(withNotifyDefaults({ delivery: { pulse: 'off' } }));
    expect(Object.keys(f.delivery)).toEqual([...ALERT_TYPES]);
    expect(f.delivery.pulse).toBe('off');
    expect(f.delivery['trade.opened']).toBe(DEFAULT_DELIVERY['trade.opened']);
  });

  it('keeps only the deliveries that differ from the default: a type set back to its default follows the default again', () => {
    const f = notifyFormOf(withNotifyDefaults({ delivery: { pulse: 'off', 'trade.closed': 'silent' } }));
    f.delivery.pulse = DEFAULT_DELIVERY.pulse;
    f.delivery['model.fault'] = 'silent';
    expect(settingsOfForm(f).settings!.delivery).toEqual({ 'trade.closed': 'silent', 'model.fault': 'silent' });
  });

  it('text that is no number is refused at its field and nothing is sent', () => {
    const f = notifyFormOf(DEFAULT_NOTIFY_SETTINGS);
    f.tradeR = 'two';
    f.flapMinutes = '  ';
    const r = settingsOfForm(f);
    expect(r.settings).toBeNull();
    expect(r.problems).toEqual({ tradeR: ['Trade milestone step must be a number (got "two")'], flapMinutes: ['Flap interval is required'] });
  });

  it("the relay's own rules: each problem at its field, in the relay's words", () => {
    const f = notifyFormOf(DEFAULT_NOTIFY_SETTINGS);
    Object.assign(f, { dayPct: '-1', summaryTime: '24:00', summaryTimeZone: 'Mars/Olympus', pulseHours: '5', downAfterMinutes: '0.5' });
    const r = settingsOfForm(f);
    expect(r.settings).toBeNull();
    expect(Object.keys(r.problems).sort()).toEqual(['dayPct', 'downAfterMinutes', 'pulseHours', 'summaryTime', 'summaryTimeZone']);
    expect(r.problems.summaryTimeZone).toEqual(['time zone "Mars/Olympus" is not a known IANA zone (for example UTC, Europe/London, America/New_York)']);
    expect(r.problems.dayPct[0]).toContain('-1 is not a step in % of equity');
    // The same words the relay gives, field prefix taken off.
    const bad = { ...DEFAULT_NOTIFY_SETTINGS, milestones: { tradeR: 1, dayPct: -1 }, summaryTime: '24:00', summaryTimeZone: 'Mars/Olympus', pulseHours: 5, downAfterMinutes: 0.5 };
    const relay = notifySettingsProblems(bad);
    expect(relay).toHaveLength(5);
    expect(Object.values(problemsByField(relay)).flat().sort()).toEqual(relay.map((l) => l.slice(l.indexOf(': ') + 2)).sort());
  });

  it('keys the relay names map to the fields showing them; anything else is a problem of the whole form', () => {
    expect(fieldOfKey('milestones.tradeR')).toBe('tradeR');
    expect(fieldOfKey('summaryTimeZone')).toBe('summaryTimeZone');
    expect(fieldOfKey('delivery.trade.opened')).toBe('delivery.trade.opened');
    expect(fieldOfKey('delivery.nonsense')).toBe('form');
    expect(fieldOfKey('mood')).toBe('form');
    expect(problemsByField(['delivery.pulse: "loud" is not on, silent or off', 'mood: not a notify setting (known: delivery)', 'notify settings: expected an object'])).toEqual({
      'delivery.pulse': ['"loud" is not on, silent or off'],
      form: ['mood: not a notify setting (known: delivery)', 'notify settings: expected an object'],
    });
  });

  it("a 400 from the relay lands at its field (RelayError's message is 'field: reason')", () => {
    expect(relayRefusalAt('summaryTimeZone', 'summaryTimeZone: summaryTimeZone: time zone "X" is not a known IANA zone')).toEqual({ summaryTimeZone: ['time zone "X" is not a known IANA zone'] });
    expect(relayRefusalAt('milestones.dayPct', 'milestones.dayPct: -1 is not a step')).toEqual({ dayPct: ['-1 is not a step'] });
    expect(relayRefusalAt(undefined, 'the relay has no alert service')).toEqual({ form: ['the relay has no alert service'] });
    expect(relayRefusalAt('mood', 'mood: not a notify setting')).toEqual({ form: ['mood: not a notify setting'] });
  });
});

describe('the test message, in words', () => {
  it('names the channels that accepted it and each refusal with its reason', () => {
    expect(testOutcomeText({ sent: [], queued: [{ channel: 'telegram', waiting: 12 }] })).toEqual({ ok: true, text: 'Queued for telegram behind earlier alerts (12 waiting there); it goes in its turn.' });
    expect(testOutcomeText({ sent: ['telegram', 'discord'] })).toEqual({ ok: true, text: 'Test message accepted by telegram and discord.' });
    expect(testOutcomeText({ sent: ['telegram'], failed: [{ channel: 'discord', error: 'Discord answered 404: Unknown Webhook' }] })).toEqual({
      ok: false,
      text: 'Test message accepted by telegram.\ndiscord refused it: Discord answered 404: Unknown Webhook',
    });
    expect(testOutcomeText({ sent: [] }).ok).toBe(false);
  });
});
