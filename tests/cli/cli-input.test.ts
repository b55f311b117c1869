import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.ts';
import { printable } from '../../relay/cli/format.ts';

const dir = mkdtempSync(join(tmpdir(), 'tradeguard-cli-input-'));
const root = fileURLToPath(new URL('../../', import.meta.url));

const run = runCli;

// Any C0 control but newline and tab, DEL, C1 (0x9b is a one-byte CSI on some terminals), bidi overrides.
const ACTIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('the command line echoes user data without terminal control characters', () => {
  it('import: escape sequences in a file name and in a CSV cell are printed as escapes, not sent to the terminal', async () => {
    const file = join(dir, 'EVIL\x1b[31mUSD.csv');
    writeFileSync(file, ',Open,High,Low,Close,Volume\n2024-01-01 00:00:00,1,2,0.5,1.5,10\n2024-01-01 01:00:00,1\x1b[2J\x1b]0;owned\x07\r,2,0.5,1.5,10\n2024-01-01 02:00:00,1,2,0.5,1.5,10\n');
    const r = await run('import', '--data', file);
    expect(r.code).toBe(2);
    expect(r.err).not.toMatch(ACTIVE);
    expect(r.err).toContain('EVIL\\x1b[31mUSD.csv');
    expect(r.err).toContain('line 3');
    expect(r.err).toContain('\\x1b[2J\\x1b]0;owned\\x07\\x0d');

    // The symbol guessed from the file name reaches the success message too.
    const ok = await run('import', '--data', file, '--timeframe', 'H1', '--skip-bad-rows');
    expect(ok.code).toBe(0);
    expect(ok.out).not.toMatch(ACTIVE);
    expect(ok.out).toContain('EVIL\\x1b[31MUSD');
  });

  it('an unknown command name is echoed escaped, and "__proto__" is just unknown (exit 2)', async () => {
    const r = await run('\x1b]8;;http://x\x07boom');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^unknown command "\\x1b\]8;;http:\/\/x\\x07boom"/);
    for (const name of ['__proto__', 'constructor', 'toString']) expect((await run(name)).code).toBe(2);
  });

  it('printable keeps newlines, tabs and ordinary Unicode; escapes the rest', () => {
    expect(printable('a\tb\nc — é 1.18470')).toBe('a\tb\nc — é 1.18470');
    expect(printable('\x1b[0m\r\x00\x7f\x9b\u202eabc')).toBe('\\x1b[0m\\x0d\\x00\\x7f\\x9b\\u202eabc');
  });

  it('--timeframe H9 is a usage error (exit 2) like every other bad option, naming the accepted ones', async () => {
    const r = await run('import', '--data', join(root, 'public/data/EURUSD.csv'), '--timeframe', 'H9');
    expect(r.code).toBe(2);
    expect(r.err).toBe('tradeguard import: --timeframe: unknown timeframe "H9" (expected one of M1 M5 M15 M30 H1 H4 D1 W1 MN1)');
    expect((await run('import', '--data', join(root, 'public/data/EURUSD.csv'), '--frobnicate')).code).toBe(2);
  });

  it('import takes the symbol the file name shows, as the PWA does: BAD_EURUSD_H1.csv is EURUSD', async () => {
    const file = join(dir, 'BAD_EURUSD_H1.csv');
    writeFileSync(file, readFileSync(join(root, 'public/data/EURUSD.csv'), 'utf8').split('\n').slice(0, 50).join('\n'));
    const r = await run('import', '--data', file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Imported 49 EURUSD H1 bars/);
  });

  it('an indicator set or feature spec the engine refuses is a usage error too, named by its flag', async () => {
    const ind = await run('indicators', '--set', 'ema:0', '--out', join(dir, 'never.csv'));
    expect(ind).toMatchObject({ code: 2, err: 'tradeguard indicators: --set: indicator set: "ema:0": period must be a positive integer, got "0"' });
    const feat = await run('features', '--spec', 'nope', '--out', join(dir, 'never.csv'));
    expect(feat).toMatchObject({ code: 2, err: 'tradeguard features: --spec: unknown feature spec "nope" (known: risk-obs-v1)' });
  });
});
