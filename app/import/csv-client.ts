import { proxy, releaseProxy, wrap } from 'comlink';
import type { CsvParseApi } from './csv.ts';

/** Parses in a fresh csv.worker.ts, ended when the parse ends. */
export const parseInWorker: CsvParseApi['parse'] = async (file, opts, onProgress) => {
  const worker = new Worker(new URL('./csv.worker.ts', import.meta.url), { type: 'module', name: 'csv-import' });
  const api = wrap<CsvParseApi>(worker);
  const failed = new Promise<never>((_, reject) => worker.addEventListener('error', (e) => reject(new Error(`the CSV worker failed to start: ${e.message || 'module failed to load'}`))));
  try {
    return await Promise.race([api.parse(file, opts, proxy(onProgress)), failed]);
  } finally {
    api[releaseProxy]();
    worker.terminate();
  }
};
