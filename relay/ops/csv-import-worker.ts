import { parentPort } from 'node:worker_threads';
import { importBarsCsv } from '../../workers/market/csv.ts';
import type { CsvImportReply, CsvImportRequest } from './csv-import-pool.ts';

/**
 * Runs in a worker thread: decodes the uploaded bytes and parses them with the
 * engine's own CSV import, so the relay's event loop (the engine, the stream,
 * /health) keeps turning while a 50 MB file is read. The bars go back as
 * transferred buffers, not copies.
 */
const port = parentPort;
if (!port) throw new Error('csv-import-worker.ts runs as a worker thread (see csv-import-pool.ts)');
const decoder = new TextDecoder('utf-8');

port.on('message', (m: CsvImportRequest) => {
  let reply: CsvImportReply;
  const transfer = new Set<ArrayBuffer>();
  try {
    const text = decoder.decode(m.bytes);
    if (text.trim() === '') reply = { id: m.id, blank: true };
    else {
      const result = importBarsCsv(text, m.options);
      const s = result.series;
      if (s) for (const col of [s.time, s.open, s.high, s.low, s.close, s.volume]) transfer.add(col.buffer as ArrayBuffer);
      reply = { id: m.id, result };
    }
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply, [...transfer]);
});
