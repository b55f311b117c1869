import { CommandError, expect } from './registry.ts';

/** A command that takes no arguments: registry's `expect.none`, with the usage on the same line (the bot then does not add it again). */
export function noArguments(words: string[], head: string): void {
  try {
    expect.none(words, head);
  } catch (e) {
    if (e instanceof CommandError) throw new CommandError(`${e.message} (usage: ${head})`);
    throw e;
  }
}
