import { describe, expect, it } from 'vitest';
import { ModelRegistry, createMemoryModelStorage, modelId } from '../../workers/models/bundle/registry.ts';
import { bytesOf, manifests, mlp, treeRegressor, WIDTH } from './fixtures.ts';

const json = (m: unknown) => JSON.stringify(m);

function setup() {
  let t = 1_700_000_000_000;
  const storage = createMemoryModelStorage();
  const registry = new ModelRegistry(storage, { now: () => (t += 1000) });
  return { storage, registry };
}

describe('model registry', () => {
  it('imports a valid bundle under role:name@version and lists it without the bytes', async () => {
    const { registry } = setup();
    const bytes = bytesOf(mlp(3, 'softmax'));
    const r = await registry.importBundle(bytes, json(manifests.alphaClasses()));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.id).toBe('alpha:demo-mlp@1.0.0');
    expect(r.outcome).toBe('added');
    await registry.importBundle(bytesOf(treeRegressor()), json(manifests.guardSingle()));
    const list = await registry.list();
    expect(list.map((m) => m.id)).toEqual(['alpha:demo-mlp@1.0.0', 'guard:demo-guard@1.0.0']);
    expect(list[0]).toMatchObject({ role: 'alpha', name: 'demo-mlp', version: '1.0.0', featureSpec: 'risk-obs-v1', timeframe: 'H1', symbols: ['EURUSD'], sizeBytes: bytes.length, importedAt: 1_700_000_001_000 });
    expect(list[0]).not.toHaveProperty('bytes');
    const stored = await registry.get('alpha:demo-mlp@1.0.0');
    expect(stored?.bytes).toEqual(bytes);
    expect(modelId(manifests.riskHeads())).toBe('risk:demo-risk-heads@1.0.0');
  });

  it('refuses an invalid bundle with every problem and stores nothing', async () => {
    const { registry } = setup();
    const r = await registry.importBundle(bytesOf(mlp(3, 'softmax', { inSize: 59 })), json({ ...manifests.alphaClasses(), timeframe: 'H2' }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.id).toBe('alpha:demo-mlp@1.0.0');
    expect(r.problems).toHaveLength(2);
    expect(r.problems.join('\n')).toMatch(/timeframe must be one of/);
    expect(r.problems.join('\n')).toMatch(/takes 59 features .* risk-obs-v1 has 60/);
    expect(await registry.list()).toEqual([]);
  });

  it('re-import: same bytes and manifest change nothing; a new manifest or new bytes need a new version or replace', async () => {
    const { registry } = setup();
    const bytes = bytesOf(mlp(3, 'softmax'));
    const first = await registry.importBundle(bytes, json(manifests.alphaClasses()));
    const again = await registry.importBundle(bytes, json(manifests.alphaClasses()));
    expect(again).toMatchObject({ ok: true, outcome: 'unchanged' });

    const correction = json({ ...manifests.alphaClasses(), metrics: { accuracy: 0.43 }, description: 'corrected' });
    const unasked = await registry.importBundle(bytes, correction);
    expect(unasked).toMatchObject({ ok: false, id: 'alpha:demo-mlp@1.0.0', problems: [expect.stringMatching(/already imported with a different manifest\.json; give the edited bundle a new version .* or replace it on purpose/)] });
    expect((await registry.get('alpha:demo-mlp@1.0.0'))?.manifest.description).not.toBe('corrected');
    const edited = await registry.importBundle(bytes, correction, { replace: true });
    expect(edited).toMatchObject({ ok: true, outcome: 'manifest-updated' });
    const [m] = await registry.list();
    expect(m.description).toBe('corrected');
    expect(m.importedAt).toBe(first.ok ? first.model.importedAt : -1);
    expect((await registry.get(m.id))?.manifest.metrics).toEqual({ accuracy: 0.43 });

    const retrained = mlp(3, 'softmax');
    retrained.graph.initializers[0].values[0] += 0.5;
    const refused = await registry.importBundle(bytesOf(retrained), json(manifests.alphaClasses()));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.problems).toEqual(['model alpha:demo-mlp@1.0.0 is already imported with different ONNX weights; give the new model a new version in manifest.json (decisions record the model id), or replace it on purpose (--replace).']);

    const bumped = await registry.importBundle(bytesOf(retrained), json({ ...manifests.alphaClasses(), version: '1.1.0' }));
    expect(bumped).toMatchObject({ ok: true, id: 'alpha:demo-mlp@1.1.0', outcome: 'added' });
    const replaced = await registry.importBundle(bytesOf(retrained), json(manifests.alphaClasses()), { replace: true });
    expect(replaced).toMatchObject({ ok: true, outcome: 'replaced' });
    expect((await registry.get('alpha:demo-mlp@1.0.0'))?.bytes).toEqual(bytesOf(retrained));
  });

  it('validate(id) re-checks a stored bundle; an unknown id names the ones there', async () => {
    const { registry } = setup();
    await registry.importBundle(bytesOf(mlp(3, 'softmax')), json(manifests.alphaClasses()));
    expect(await registry.validate('alpha:demo-mlp@1.0.0')).toMatchObject({ ok: true, problems: [] });
    expect(await registry.validate('alpha:nope@1')).toEqual({ ok: false, problems: ['no model alpha:nope@1 in the registry (models: alpha:demo-mlp@1.0.0); ids are role:name@version.'], warnings: [] });
  });

  it('delete is refused while an agent uses the model, naming the agents', async () => {
    const { registry } = setup();
    await registry.importBundle(bytesOf(mlp(3, 'softmax')), json({ ...manifests.alphaClasses(), name: 'x', version: '1' }));
    const id = 'alpha:x@1';
    expect(await registry.delete(id, () => ['demo-sma'])).toEqual({ ok: false, id, problems: ['model alpha:x@1 is used by agent demo-sma; detach it first.'] });
    expect(await registry.delete(id, async () => ['demo-sma', 'eurusd-live'])).toEqual({ ok: false, id, problems: ['model alpha:x@1 is used by agents demo-sma, eurusd-live; detach it first.'] });
    expect((await registry.list()).map((m) => m.id)).toEqual([id]);
    const asked: string[] = [];
    expect(await registry.delete(id, (m) => (asked.push(m), []))).toEqual({ ok: true, id });
    expect(asked).toEqual([id]);
    expect(await registry.list()).toEqual([]);
    expect(await registry.delete(id, () => [])).toMatchObject({ ok: false, problems: [expect.stringMatching(/^no model alpha:x@1 in the registry \(it is empty\)/)] });
  });

  it('the memory storage hands out copies', async () => {
    const storage = createMemoryModelStorage();
    const bytes = new Uint8Array([1, 2, 3]);
    await storage.put({ id: 'a:b@1', manifest: manifests.alphaClasses(), bytes, importedAt: 1 });
    bytes[0] = 9;
    const got = await storage.get('a:b@1');
    expect(got?.bytes).toEqual(new Uint8Array([1, 2, 3]));
    got!.manifest.input.shape[1] = 1;
    expect((await storage.get('a:b@1'))?.manifest.input.shape[1]).toBe(WIDTH);
  });
});
