import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelsCommand } from '../../relay/cli/commands-models.ts';
import { UserError } from '../../relay/cli/load-bars.ts';
import { bytesOf, manifests, mlp, treeRegressor } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'tradeguard-models-'));

function bundle(name: string, model: Uint8Array, manifest: unknown): { model: string; manifest: string } {
  const paths = { model: join(dir, `${name}.onnx`), manifest: join(dir, `${name}.json`) };
  writeFileSync(paths.model, model);
  writeFileSync(paths.manifest, typeof manifest === 'string' ? manifest : JSON.stringify(manifest, null, 2));
  return paths;
}

async function run(...argv: string[]) {
  const out: string[] = [];
  const code = await modelsCommand(argv, (s) => out.push(s));
  return { code, out: out.join('\n') };
}

describe('tradeguard models', () => {
  const good = bundle('alpha', bytesOf(mlp(3, 'softmax')), manifests.alphaClasses());
  const narrow = bundle('narrow', bytesOf(mlp(3, 'softmax', { inSize: 59 })), manifests.alphaClasses());
  const guard = bundle('guard', bytesOf(treeRegressor()), manifests.guardSingle());
  const reg = join(dir, 'registry');

  it('validate: OK line for a sound bundle, every problem and exit 1 otherwise', async () => {
    const ok = await run('validate', '--model', good.model, '--manifest', good.manifest);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/OK alpha:demo-mlp@1\.0\.0 reads risk-obs-v1 \(60 features, input 'features'\), outputs classes; opsets ai\.onnx 17/);
    const bad = await run('validate', '--model', narrow.model, '--manifest', narrow.manifest);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/1 problem\n {2}- input 'features' takes 59 features/);
    const j = await run('validate', '--model', narrow.model, '--manifest', narrow.manifest, '--json');
    expect(JSON.parse(j.out)).toMatchObject({ ok: false, problems: [expect.stringMatching(/59 features/)] });
  });

  it('validate: missing options and files are user errors', async () => {
    await expect(run('validate', '--model', good.model)).rejects.toThrow(UserError);
    await expect(run('validate', '--model', join(dir, 'nope.onnx'), '--manifest', good.manifest)).rejects.toThrow(/cannot read .*nope\.onnx: no such file/);
    await expect(run('frobnicate')).rejects.toThrow(/unknown models command "frobnicate"/);
  });

  it('import and list over a registry directory', async () => {
    expect((await run('list', '--dir', reg)).out).toBe(`no models in ${reg}`);
    const a = await run('import', '--model', good.model, '--manifest', good.manifest, '--dir', reg);
    expect(a).toEqual({ code: 0, out: `imported alpha:demo-mlp@1.0.0 in ${reg}` });
    expect((await run('import', '--model', good.model, '--manifest', good.manifest, '--dir', reg)).out).toBe(`already have alpha:demo-mlp@1.0.0 in ${reg}`);
    expect((await run('import', '--model', guard.model, '--manifest', guard.manifest, '--dir', reg)).code).toBe(0);
    const refused = await run('import', '--model', narrow.model, '--manifest', narrow.manifest, '--dir', reg);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/^refused alpha:demo-mlp@1\.0\.0:\n {2}- input 'features' takes 59 features/);

    expect(existsSync(join(reg, 'alpha', 'demo-mlp@1.0.0', 'model.onnx'))).toBe(true);
    expect(JSON.parse(readFileSync(join(reg, 'alpha', 'demo-mlp@1.0.0', 'manifest.json'), 'utf8')).name).toBe('demo-mlp');
    const text = await run('list', '--dir', reg);
    expect(text.out.split('\n')).toHaveLength(2);
    expect(text.out).toMatch(/^alpha:demo-mlp@1\.0\.0 {2}risk-obs-v1 H1 EURUSD {2}[\d.]+ KiB {2}imported \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\nguard:demo-guard@1\.0\.0 /);
    const listed = JSON.parse((await run('list', '--dir', reg, '--json')).out);
    expect(listed.map((m: { id: string }) => m.id)).toEqual(['alpha:demo-mlp@1.0.0', 'guard:demo-guard@1.0.0']);
  });
});
