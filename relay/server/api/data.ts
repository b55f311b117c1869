import type { Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { BadRequest, SYMBOL, queryStr } from '../http/validate.ts';
import { parseTimeframeField } from './agent-body.ts';
import { describeImport } from '../../../workers/market/csv.ts';
import { sharedCsvImportPool } from '../../ops/csv-import-pool.ts';
import { ModelRegistry } from '../../../workers/models/bundle/registry.ts';
import { agentsUsingModel } from '../../../workers/store/store.ts';

/**
 * Writes the user may make besides commands: bars and model bundles. Both are
 * checked in full before anything is stored, and stored all or nothing.
 */
export function dataRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  // POST /api/bars?symbol=EURUSD[&timeframe=H1][&skipBadRows=1], body: the CSV text.
  app.post('/api/bars', async (c) => {
    const symbol = queryStr(c, 'symbol', SYMBOL);
    if (!symbol) throw new BadRequest('symbol', 'is required (query parameter ?symbol=EURUSD)');
    const tf = c.req.query('timeframe');
    const timeframe = tf ? parseTimeframeField(tf.toUpperCase(), 'timeframe') : undefined;
    // Parsed on a worker thread: a big file must not stall the engine, the stream or /health.
    const parsed = await sharedCsvImportPool().run(await c.req.arrayBuffer(), { symbol: symbol.toUpperCase(), timeframe, skipBadRows: c.req.query('skipBadRows') === '1' });
    if (parsed.blank) throw new BadRequest('body', 'is empty; send the CSV file as the request body');
    const r = parsed.result;
    if (!r.ok || !r.series) return c.json({ error: describeImport(r.report), field: 'body', report: r.report }, 400);
    await d.store.bars.put(r.series);
    d.log.info('bars imported', { symbol: r.series.symbol, timeframe: r.series.timeframe, bars: r.series.time.length });
    return c.json({ ok: true, symbol: r.series.symbol, timeframe: r.series.timeframe, bars: r.series.time.length, report: describeImport(r.report) });
  });

  app.delete('/api/bars/:symbol/:timeframe', async (c) => {
    const symbol = c.req.param('symbol');
    if (!SYMBOL.test(symbol)) throw new BadRequest('symbol', 'is not a symbol');
    await d.store.bars.delete(symbol.toUpperCase(), parseTimeframeField(c.req.param('timeframe').toUpperCase(), 'timeframe'));
    return c.json({ ok: true });
  });

  // POST /api/models (multipart): model = the .onnx file, manifest = manifest.json (file or text); ?replace=1.
  app.post('/api/models', async (c) => {
    if (!(c.req.header('content-type') ?? '').includes('multipart/form-data')) throw new BadRequest('body', 'send multipart/form-data with fields "model" (the .onnx file) and "manifest" (manifest.json)');
    const form = await c.req.parseBody();
    const model = form.model;
    if (!(model instanceof File)) throw new BadRequest('model', 'is required: the .onnx file as a file field');
    const m = form.manifest;
    const manifestText = m instanceof File ? await m.text() : m;
    if (typeof manifestText !== 'string' || manifestText.trim() === '') throw new BadRequest('manifest', 'is required: manifest.json as a file or text field');
    let manifest: unknown;
    try {
      manifest = JSON.parse(manifestText);
    } catch {
      throw new BadRequest('manifest', 'is not valid JSON');
    }
    const registry = new ModelRegistry(d.store.models);
    const r = await registry.importBundle(new Uint8Array(await model.arrayBuffer()), manifest, { replace: c.req.query('replace') === '1' });
    if (!r.ok) return c.json({ error: r.problems.join(' '), field: 'model', problems: r.problems, id: r.id }, r.id && r.report?.ok ? 409 : 400);
    d.log.info('model imported', { id: r.id, outcome: r.outcome });
    return c.json({ ok: true, id: r.id, outcome: r.outcome, model: r.model });
  });

  app.delete('/api/models/:id', async (c) => {
    const r = await new ModelRegistry(d.store.models).delete(c.req.param('id'), (id) => agentsUsingModel(d.store, id));
    return r.ok ? c.json(r) : c.json({ error: r.problems.join(' '), field: 'id', problems: r.problems }, 409);
  });
}
