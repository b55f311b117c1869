/**
 * The command usage table in Settings: the palette's counts, kept in this
 * browser's settings store as the registry reports each use, beside the
 * relay's (Telegram's), most used first.
 */
import { describe, expect, it } from 'vitest';
import { createCommandRegistry } from '../../workers/commands/index.ts';
import { COMMAND_USAGE_KEY } from '../../workers/commands/usage.ts';
import { createMemoryStore } from '../../workers/store/memory-store.ts';
import { paletteUsage, recordUse, usageRows } from '../../app/state/command-usage.ts';

describe('the palette counts its commands', () => {
  it('uses typed at once are all counted (written one after another, never read twice before a write)', async () => {
    const { settings } = createMemoryStore();
    await Promise.all(Array.from({ length: 25 }, (_, i) => recordUse(settings, i % 5 === 0 ? '/status' : '/positions')));
    expect(await paletteUsage(settings)).toEqual({ '/status': 5, '/positions': 20 });
  });

  it("the registry's countUse reaches the store: a command typed well enough to parse counts once, a bad one does not", async () => {
    const store = createMemoryStore();
    const registry = createCommandRegistry();
    const writes: Promise<void>[] = [];
    const ctx = { host: { status: async () => { throw new Error('no host in this test'); } }, store, surface: 'pwa', countUse: (name: string) => void writes.push(recordUse(store.settings, name)) } as never;
    await registry.execute(ctx, '/help');
    await registry.execute(ctx, '/help');
    await registry.execute(ctx, '/no-such-command');
    await Promise.all(writes);
    expect(await paletteUsage(store.settings)).toEqual({ '/help': 2 });
  });

  it('a stored value that is not a count map reads as empty and is replaced on the next use', async () => {
    const { settings } = createMemoryStore();
    await settings.put(COMMAND_USAGE_KEY, ['garbage']);
    expect(await paletteUsage(settings)).toEqual({});
    await recordUse(settings, '/pnl');
    expect(await settings.get(COMMAND_USAGE_KEY)).toEqual({ '/pnl': 1 });
  });
});

describe('the usage table', () => {
  it('every command used on either surface, most used in total first, ties by name', () => {
    expect(usageRows({ status: 3, pnl: 1, why: 2 }, { status: 1, positions: 4, why: 1 })).toEqual([
      { command: 'positions', palette: 0, telegram: 4, total: 4 },
      { command: 'status', palette: 3, telegram: 1, total: 4 },
      { command: 'why', palette: 2, telegram: 1, total: 3 },
      { command: 'pnl', palette: 1, telegram: 0, total: 1 },
    ]);
  });

  it('no relay: the Telegram column is unknown, not zero', () => {
    expect(usageRows({ status: 2 }, null)).toEqual([{ command: 'status', palette: 2, telegram: null, total: 2 }]);
    expect(usageRows({}, null)).toEqual([]);
  });
});
