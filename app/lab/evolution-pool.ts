import { EvolutionWorkerPool, type EvolutionReply, type EvolutionRequest, type SpawnWorker } from '../../workers/cells/evolution-pool.ts';

/** The pool's workers as Web Workers: the browser side of workers/cells/evolution-pool.ts. */
const spawnWebWorker: SpawnWorker = (events) => {
  const worker = new Worker(new URL('./evolution.worker.ts', import.meta.url), { type: 'module', name: 'evolution' });
  worker.addEventListener('message', (e: MessageEvent<EvolutionReply>) => events.reply(e.data));
  worker.addEventListener('error', (e) => {
    // A worker that failed to load or crashed: the pool fails its jobs in words and starts another.
    e.preventDefault();
    events.lost(e.message || 'it failed to load');
  });
  return { post: (m: EvolutionRequest) => worker.postMessage(m), terminate: () => worker.terminate() };
};

/**
 * Evolution backtests on Web Workers, one per core (navigator.hardwareConcurrency),
 * so a run in this browser uses every core and the tab stays responsive.
 */
export class BrowserEvolutionPool extends EvolutionWorkerPool {
  constructor(size = Math.max(1, Math.min(16, navigator.hardwareConcurrency || 2))) {
    super(spawnWebWorker, size);
  }
}

let shared: BrowserEvolutionPool | null = null;

/** This tab's pool, made on the first run and kept warm for the next. */
export function sharedBrowserPool(): BrowserEvolutionPool {
  shared ??= new BrowserEvolutionPool();
  return shared;
}
