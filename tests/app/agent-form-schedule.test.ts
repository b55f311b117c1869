import { describe, expect, it } from 'vitest';
import { checkForm, emptyForm, type AgentForm, type FormContext } from '../../app/views/agents/agent-form.ts';

const ctx: FormContext = { series: [{ symbol: 'GOOG', timeframe: 'D1' }, { symbol: 'EURUSD', timeframe: 'H1' }], models: [], agentIds: [], brokerConnected: false };
const form = (over: Partial<AgentForm>): AgentForm => ({ ...emptyForm(ctx), name: 'GOOG daily', id: 'goog-daily', symbols: ['GOOG'], timeframe: 'D1', schedule: 'daily', ...over });

describe('create-agent form: the daily schedule', () => {
  it('carries the time and the exchange zone into the agent', () => {
    const r = checkForm(form({ dailyAt: '16:10', dailyZone: 'America/New_York' }), ctx);
    expect(r.problems).toEqual({});
    expect(r.config?.schedule).toEqual({ kind: 'daily', at: '16:10', timeZone: 'America/New_York' });
    // UTC, the default, is left out: the record reads as daily@HH:MM.
    expect(checkForm(form({ dailyAt: '22:05', dailyZone: 'UTC' }), ctx).config?.schedule).toEqual({ kind: 'daily', at: '22:05' });
    expect(checkForm(form({ schedule: 'every-bar', dailyZone: 'nonsense' }), ctx).config?.schedule).toEqual({ kind: 'every-bar' });
  });

  it("puts the engine's own words next to the time, the zone and the schedule", () => {
    const time = checkForm(form({ dailyAt: '7pm' }), ctx);
    expect(time.config).toBeNull();
    expect(time.problems.dailyAt).toEqual(['the daily time must be HH:MM, 00:00 to 23:59 (got "7pm")']);
    const zone = checkForm(form({ dailyAt: '16:10', dailyZone: 'New York' }), ctx);
    expect(zone.problems.dailyZone?.[0]).toMatch(/^the daily time zone "New York" is not a known IANA zone/);
    expect(zone.problems.dailyAt).toBeUndefined();
    const hourly = checkForm(form({ symbols: ['EURUSD'], timeframe: 'H1' }), ctx);
    expect(hourly.problems.schedule).toEqual(['a once-a-day schedule is for daily-bar agents (this one trades H1 bars)']);
  });
});
