import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { EvolutionWorkerPool, type EvolutionReply, type EvolutionRequest, type SpawnWorker } from '../../workers/cells/evolution-pool.ts';

const ENTRY = new URL('./evolution.worker.mjs', import.meta.url);

/** The pool's workers as worker threads: the Node side of workers/cells/evolution-pool.ts. */
const spawnThread: SpawnWorker = (events) => {
  // No inherited --import/--loader: the entry registers its own TypeScript loader.
  const worker = new Worker(ENTRY, { execArgv: [] });
  worker.on('message', (m: EvolutionReply) => events.reply(m));
  worker.on('error', (e) => events.lost(e.message));
  worker.on('exit', (code) => events.lost(`exit code ${code}`));
  return {
    post: (m: EvolutionRequest) => worker.postMessage(m),
    // Idle workers do not keep the process alive; a worker with jobs does.
    busy: (busy) => void (busy ? worker.ref() : worker.unref()),
    terminate: () => worker.terminate(),
  };
};

/**
 * Evolution backtests on worker threads, one per core (os.availableParallelism()):
 * a run keeps every core busy while the relay's event loop (the engine, the
 * stream, /health) still turns. The batching is workers/cells/evolution-pool.ts's.
 */
export class EvolutionPool extends EvolutionWorkerPool {
  constructor(size = Math.max(1, availableParallelism())) {
    super(spawnThread, size, 'the relay is shutting down');
  }
}

let shared: EvolutionPool | null = null;

/** The process's pool (created on first use; idle, it holds no event loop open). */
export function sharedEvolutionPool(): EvolutionPool {
  shared ??= new EvolutionPool();
  return shared;
}
