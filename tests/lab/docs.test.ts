import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CELLS, FUNCTIONS, compile } from '../../workers/lab/index.ts';
import { REFERENCE_BEGIN, REFERENCE_END, functionReference } from '../../workers/lab/reference.ts';

const DOC = new URL('../../docs/LANGUAGE.md', import.meta.url);
const STATEMENT = /^(long|short|exit|stop|target|trail|let)\b/;

describe('docs/LANGUAGE.md', () => {
  it('documents every function as the function table stands (TG_WRITE_DOCS=1 rewrites it)', () => {
    let doc = readFileSync(DOC, 'utf8');
    const from = doc.indexOf(REFERENCE_BEGIN) + REFERENCE_BEGIN.length;
    const to = doc.indexOf(REFERENCE_END);
    expect(from).toBeGreaterThan(REFERENCE_BEGIN.length - 1);
    expect(to).toBeGreaterThan(from);
    if (process.env.TG_WRITE_DOCS === '1') {
      doc = `${doc.slice(0, from)}\n${functionReference()}\n${doc.slice(to)}`;
      writeFileSync(DOC, doc);
    }
    expect(doc.slice(from, to).trim()).toBe(functionReference());
    for (const f of FUNCTIONS) expect(doc).toContain(`\`${f.name}`);
  });

  it('every program in it compiles, and it shows each built-in cell as it is', () => {
    const doc = readFileSync(DOC, 'utf8');
    const blocks = [...doc.matchAll(/```lab\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const b of blocks) expect(compile(b).errors, b).toEqual([]);
    for (const cell of BUILTIN_CELLS) {
      const body = cell.source.split('\n').filter((l) => !l.startsWith('#')).join('\n');
      expect(blocks.some((b) => b.trim() === body.trim()), cell.name).toBe(true);
    }
  });

  it("every function's example compiles", () => {
    for (const f of FUNCTIONS) {
      const program = /^(long|short) when/.test(f.example) ? f.example : STATEMENT.test(f.example) ? `${f.example}\nlong when close > open` : `let example = ${f.example}\nlong when close > open`;
      expect(compile(program).errors, f.example).toEqual([]);
    }
  });

  it('the README teaches the language with programs that compile and the same generated table of every function (TG_WRITE_DOCS=1 rewrites it)', () => {
    const readmeUrl = new URL('../../README.md', import.meta.url);
    let readme = readFileSync(readmeUrl, 'utf8');
    const from = readme.indexOf(REFERENCE_BEGIN) + REFERENCE_BEGIN.length;
    const to = readme.indexOf(REFERENCE_END);
    expect(from).toBeGreaterThan(REFERENCE_BEGIN.length - 1);
    expect(to).toBeGreaterThan(from);
    if (process.env.TG_WRITE_DOCS === '1') {
      readme = `${readme.slice(0, from)}\n${functionReference()}\n${readme.slice(to)}`;
      writeFileSync(readmeUrl, readme);
    }
    expect(readme.slice(from, to).trim()).toBe(functionReference());
    const blocks = [...readme.matchAll(/```lab\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const b of blocks) expect(compile(b).errors, b).toEqual([]);
    const wrong = compile('long when close > 1\nshort when emaa(close, 9) > 1').errors[0];
    expect(readme).toContain(`line ${wrong.line}, column ${wrong.column}: ${wrong.message}`);
  });
});

