import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCommandRegistry, TelegramCommands } from '../workers/commands/index.ts';

/**
 * The README's table of commands, written from the registry itself (palette
 * usage, Telegram usage, summary; category by category as /help lists them),
 * between the two markers below. `npm run docs:commands` rewrites it; a test
 * fails when the README and the registry disagree.
 */
export const BEGIN = '<!-- commands:begin (npm run docs:commands writes this table from workers/commands) -->';
export const END = '<!-- commands:end -->';

/** A table cell: a pipe inside it would end the cell. */
const cell = (s: string) => s.replace(/\|/g, '\\|');

export function commandsTable(): string {
  const registry = createCommandRegistry();
  const tg = new TelegramCommands(registry);
  const rows = ['| palette | Telegram | what |', '|---|---|---|'];
  for (const g of registry.byCategory()) {
    rows.push(`| **${g.category}** | | |`);
    for (const d of g.defs) {
      const t = tg.list.find((c) => c.def === d);
      rows.push(`| \`${cell(d.usage)}\` | ${t ? `\`${cell(t.usage)}\`` : '—'} | ${cell(tg.text(d.summary))}${d.destructive ? ' (asks first)' : ''} |`);
    }
  }
  return rows.join('\n');
}

/** The README with its table replaced; throws when the markers are missing. */
export function withCommandsTable(readme: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} ... ${END} block`);
  return `${readme.slice(0, a + BEGIN.length)}\n${commandsTable()}\n${readme.slice(b)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = fileURLToPath(new URL('../README.md', import.meta.url));
  writeFileSync(file, withCommandsTable(readFileSync(file, 'utf8')));
  console.log('README.md: commands table written from the registry');
}
