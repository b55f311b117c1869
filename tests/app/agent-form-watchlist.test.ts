import { describe, expect, it } from 'vitest';
import { checkForm, emptyForm, refusalField, type AgentForm, type FormContext } from '../../app/views/agents/agent-form.ts';
import { changeByHand, EMPTY_WATCHLIST, WATCHLIST_KEY } from '../../workers/cells/watchlist.ts';
import { DEMO_AGENT } from '../../workers/engine/demo.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { openDemoHost } from '../host/helpers.ts';

const ctx: FormContext = { series: [{ symbol: 'EURUSD', timeframe: 'H1' }, { symbol: 'GOOG', timeframe: 'D1' }], models: [], agentIds: [], brokerConnected: false };
const form = (over: Partial<AgentForm>): AgentForm => ({ ...emptyForm(ctx), name: 'On the watchlist', id: 'watcher', symbols: ['@watchlist'], timeframe: 'H1', ...over });

// The create-agent form's "Watchlist (@watchlist)" choice: the host puts the screener's watchlist in its place
// when it creates the agent, and refuses an empty one; the form shows that refusal at the symbols.
describe('create-agent form: the watchlist as symbols', () => {
  it('passes @watchlist to the host as a symbol, without asking for its stored bars (the host knows its symbols)', () => {
    const r = checkForm(form({}), ctx);
    expect(r.problems).toEqual({});
    expect(r.config?.symbols).toEqual(['@watchlist']);
    // A stored symbol beside it is still checked for bars on the timeframe.
    const both = checkForm(form({ symbols: ['@watchlist', 'GOOG'] }), ctx);
    expect(both.config).toBeNull();
    expect(both.problems.timeframe).toEqual(['GOOG has no H1 bars stored (stored: D1)']);
  });

  it("shows the host's refusal of an empty watchlist at the symbols, and other refusals under the button", async () => {
    const store = createMemoryStore();
    const host = await openDemoHost(store);
    await host.start();
    try {
      const f = form({});
      const refused = await host.command({ kind: 'agent.create', config: checkForm(f, ctx).config! });
      if (refused.ok) throw new Error('the host created an agent on an empty watchlist');
      expect(refused.reason).toMatch(/^@watchlist stands for the screener's watchlist, which is empty/);
      expect(refusalField(refused.reason, f)).toBe('symbols');

      // The watchlist filled: an agent id already taken is refused for the form as a whole.
      const w = changeByHand(EMPTY_WATCHLIST, { add: 'EURUSD' }, 'Ann', 1);
      if (!w.ok) throw new Error(w.message);
      await store.settings.put(WATCHLIST_KEY, w.watchlist);
      const taken = form({ id: DEMO_AGENT.id });
      const again = await host.command({ kind: 'agent.create', config: checkForm(taken, ctx).config! });
      if (again.ok) throw new Error(`the host created a second agent ${DEMO_AGENT.id}`);
      expect(refusalField(again.reason, taken)).toBe('form');
      // The same words without @watchlist among the symbols are not about it.
      expect(refusalField(refused.reason, form({ symbols: ['EURUSD'] }))).toBe('form');

      const created = await host.command({ kind: 'agent.create', config: checkForm(form({}), ctx).config! });
      expect(created).toMatchObject({ ok: true });
      expect((await store.agents.get('watcher'))!.config.symbols).toEqual(['EURUSD']);
    } finally {
      await host.stop();
    }
  }, 60_000);
});
