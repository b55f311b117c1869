import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { createCommandRegistry, type CommandContext } from '../../workers/commands/index.ts';

const ctx = { host: { status: async () => { throw new Error('not needed'); } }, store: createMemoryStore(), surface: 'pwa' } as unknown as CommandContext;
const answer = async (input: string) => {
  const o = await createCommandRegistry().execute(ctx, input);
  return o.kind === 'done' ? { ok: o.ok, lines: o.lines } : null;
};

describe('/compare arguments', () => {
  it('refuses what it cannot read, in words, before replaying anything', async () => {
    expect(await answer('/compare')).toEqual({ ok: false, lines: ['/compare needs an agent id and at most two dates, e.g. /compare demo-sma 2017-11-13 2017-12-31 (usage: /compare <agent> [from] [to])'] });
    expect(await answer('/compare demo-sma 2018-02-30')).toEqual({ ok: false, lines: ['from "2018-02-30": 2018-02-30 is not a date in the calendar'] });
    expect(await answer('/compare demo-sma 2018-03-01 2018-02-01')).toEqual({ ok: false, lines: ['from 2018-03-01 is after to 2018-02-01'] });
    expect(await answer('/compare demo-sma 1 2 3')).toMatchObject({ ok: false });
    expect(await answer('/compare nobody')).toEqual({ ok: false, lines: ["no agent nobody in this workspace's record"] });
  });
});
