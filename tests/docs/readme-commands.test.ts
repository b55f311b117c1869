import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, commandsTable, END } from '../../scripts/commands-table.ts';

describe("the README's command table", () => {
  it('is the registry as it stands (npm run docs:commands rewrites it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = readme.slice(readme.indexOf(BEGIN) + BEGIN.length, readme.indexOf(END)).trim();
    expect(block).toBe(commandsTable());
  });
});
