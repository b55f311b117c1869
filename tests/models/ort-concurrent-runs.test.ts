import { afterAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { InferenceSession, OutputTensor } from '../../workers/models/inference/session.ts';

/**
 * Runs of several sessions in flight together (concurrent backtests, a bundle validated while
 * another runs) give each what the run gives alone. onnxruntime-web's run keeps pointer arrays
 * on the one wasm stack across awaits; started a few microtasks apart, unqueued runs failed
 * ("Cannot read properties of null (reading '3')", "output name cannot be empty").
 */

const sessions: InferenceSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

async function demo(role: 'alpha' | 'risk' | 'guard') {
  const dir = fileURLToPath(new URL(`../../public/models/demo/${role}/`, import.meta.url));
  const manifest = JSON.parse(readFileSync(dir + 'manifest.json', 'utf8')) as { input: { name: string; shape: number[] } };
  const session = await createOrtSession(new Uint8Array(readFileSync(dir + 'model.onnx')), { label: role });
  sessions.push(session);
  return { session, name: manifest.input.name, width: manifest.input.shape[1] };
}

const text = (o: Record<string, OutputTensor>) => JSON.stringify(Object.entries(o).map(([k, t]) => [k, t.dims, Array.from(t.data as Float32Array, Number)]));

it('sessions of three models (one model twice), runs started together and a few microtasks apart: each output is the lone run output', async () => {
  const models = [await demo('alpha'), await demo('risk'), await demo('guard'), await demo('alpha')];
  // Different batch sizes and values per session: a run reading another's arrays cannot give the same answer.
  const feed = (k: number) => {
    const { name, width } = models[k];
    const n = 1 + 3 * k;
    return { [name]: { data: Float32Array.from({ length: n * width }, (_, i) => 0.1 * k - 0.2 + 0.01 * i), dims: [n, width] } };
  };
  const alone: string[] = [];
  for (let k = 0; k < models.length; k++) alone.push(text(await models[k].session.run(feed(k))));
  const delay = async (ticks: number) => {
    for (let i = 0; i < ticks; i++) await null;
  };
  for (let trial = 0; trial < 100; trial++) {
    const got = await Promise.allSettled(
      models.map(async (m, k) => {
        await delay((trial * (k + 1)) % 7);
        return text(await m.session.run(feed(k)));
      }),
    );
    expect(got).toEqual(alone.map((value) => ({ status: 'fulfilled', value })));
  }
});

it('a run that waits for another reads its input as it was at the call, though the caller reuses the buffer at once', async () => {
  const [a, b] = [await demo('alpha'), await demo('alpha')];
  const input = (v: number) => ({ [a.name]: { data: new Float32Array(a.width).fill(v), dims: [1, a.width] } });
  const want = text(await b.session.run(input(0.3)));
  const buffer = input(0.3);
  const first = a.session.run(input(-0.5));
  const waiting = b.session.run(buffer);
  buffer[a.name].data.fill(9);
  await first;
  expect(text(await waiting)).toBe(want);
  expect(want).not.toBe(text(await b.session.run(buffer)));
});
