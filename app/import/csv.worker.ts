/**
 * Bar CSV checking off the UI thread: a million-row file takes a second or two
 * to read and check, and the page must keep painting its progress meanwhile.
 * The file comes in as a Blob (no copy); the bar columns go back transferred.
 */
import { expose, transfer } from 'comlink';
import { importBarsCsv } from '../../workers/market/csv.ts';
import { readText, type CsvParseApi } from './csv.ts';

const api: CsvParseApi = {
  async parse(file, opts, onProgress) {
    const text = await readText(file, (loaded, total) => void onProgress(loaded, total));
    const r = importBarsCsv(text, opts);
    if (!r.series) return r;
    const s = r.series;
    const buffers = [...new Set([s.time, s.open, s.high, s.low, s.close, s.volume].map((a) => a.buffer as ArrayBuffer))];
    return transfer(r, buffers);
  },
};

expose(api);
