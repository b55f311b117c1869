import { parentPort } from 'node:worker_threads';
import { importBarsCsvBytes } from '../../workers/market/csv.ts';
import type { CsvImportReply, CsvImportRequest } from './csv-import-pool.ts';

/**
 * Runs in a worker thread: parses the uploaded bytes with the engine's own CSV
 * import (over the bytes, never decoded whole), so the relay's event loop (the engine, the stream,
 * /health) keeps turning while a 50 MB file is read. The bars go back as
 * transferred buffers, not copies.
 */
const port = parentPort;
if (!port) throw new Error('csv-import-worker.ts runs as a worker thread (see csv-import-pool.ts)');
const decoder = new TextDecoder('utf-8');

/**
 * Whether the upload holds nothing but whitespace, as String.prototype.trim sees it:
 * decided on the bytes at the first visible ASCII character (the first byte, for
 * any real file); only text that starts with non-ASCII bytes is decoded to tell.
 */
function isBlank(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c >= 128) return decoder.decode(bytes).trim() === '';
    if (c !== 32 && (c < 9 || c > 13)) return false;
  }
  return true;
}

port.on('message', (m: CsvImportRequest) => {
  let reply: CsvImportReply;
  const transfer = new Set<ArrayBuffer>();
  try {
    const bytes = new Uint8Array(m.bytes);
    if (isBlank(bytes)) reply = { id: m.id, blank: true };
    else {
      const result = importBarsCsvBytes(bytes, m.options);
      const s = result.series;
      if (s) for (const col of [s.time, s.open, s.high, s.low, s.close, s.volume]) transfer.add(col.buffer as ArrayBuffer);
      reply = { id: m.id, result };
    }
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply, [...transfer]);
});
