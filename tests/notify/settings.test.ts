import { describe, expect, it } from 'vitest';
import { ALERT_TYPES, DEFAULT_DELIVERY } from '../../workers/notify/alert.ts';
import { DEFAULT_NOTIFY_SETTINGS, deliveryOf, deliveryTable, notifySettingsProblems, withNotifyDefaults } from '../../workers/notify/settings.ts';

describe('notify settings', () => {
  it('each type has its default delivery until the trader sets it', () => {
    const s = withNotifyDefaults({ delivery: { 'trade.opened': 'off', pulse: 'on' } });
    expect(deliveryOf(s, 'trade.opened')).toBe('off');
    expect(deliveryOf(s, 'pulse')).toBe('on');
    expect(deliveryOf(s, 'trade.refused')).toBe('silent');
    expect(deliveryOf(DEFAULT_NOTIFY_SETTINGS, 'emergency.stop')).toBe('on');
    expect(deliveryTable(s)).toEqual({ ...DEFAULT_DELIVERY, 'trade.opened': 'off', pulse: 'on' });
    expect(Object.keys(deliveryTable(DEFAULT_NOTIFY_SETTINGS))).toEqual([...ALERT_TYPES]);
  });

  it('missing fields take their defaults; the defaults have no problems', () => {
    expect(withNotifyDefaults({ milestones: { tradeR: 2 } as never, pulseHours: 6 })).toEqual({ ...DEFAULT_NOTIFY_SETTINGS, milestones: { tradeR: 2, dayPct: 1 }, pulseHours: 6 });
    expect(notifySettingsProblems(DEFAULT_NOTIFY_SETTINGS)).toEqual([]);
    expect(notifySettingsProblems({})).toEqual([]);
    expect(notifySettingsProblems({ summaryTimeZone: 'America/New_York', summaryTime: '23:59', pulseHours: 0, milestones: { tradeR: 0.5, dayPct: 0 }, downAfterMinutes: 1440 })).toEqual([]);
  });

  it('bad input: each problem names its field and what it accepts', () => {
    expect(
      notifySettingsProblems({
        delivery: { 'trade.opened': 'loud', 'trade.exploded': 'on' },
        milestones: { tradeR: -1, dayPct: 'one' },
        summaryTimeZone: 'Mars/Olympus',
        summaryTime: '24:00',
        pulseHours: 5,
        downAfterMinutes: 0,
        flapMinutes: 2.5,
        colour: 'red',
      }),
    ).toEqual([
      'colour: not a notify setting (known: delivery, milestones, summaryTimeZone, summaryTime, pulseHours, downAfterMinutes, flapMinutes)',
      'delivery.trade.opened: "loud" is not on, silent or off',
      'delivery.trade.exploded: not an alert type',
      'milestones.tradeR: -1 is not a step in R multiples (0 or more; 0 = off)',
      'milestones.dayPct: "one" is not a step in % of equity (0 or more; 0 = off)',
      'summaryTimeZone: time zone "Mars/Olympus" is not a known IANA zone (for example UTC, Europe/London, America/New_York)',
      'summaryTime: "24:00" is not a time of day as HH:MM (00:00 to 23:59)',
      'pulseHours: 5 is not one of 0, 1, 2, 3, 4, 6, 8, 12, 24 (hours dividing the day; 0 = no pulse)',
      'downAfterMinutes: 0 is not a whole number of minutes from 1 to 1440',
      'flapMinutes: 2.5 is not a whole number of minutes from 1 to 1440',
    ]);
    expect(notifySettingsProblems(null)).toEqual(['notify settings: expected an object']);
    expect(notifySettingsProblems({ delivery: ['on'] })).toEqual(['delivery: expected an object of alert type to on, silent or off']);
    expect(notifySettingsProblems({ summaryTimeZone: 3 })).toEqual(['summaryTimeZone: expected a time zone name']);
  });
});
