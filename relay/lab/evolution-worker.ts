import { parentPort } from 'node:worker_threads';
import { evolutionWorker, type EvolutionRequest } from '../../workers/cells/evolution-pool.ts';

/** Runs in a worker thread: the worker's side of workers/cells/evolution-pool.ts over a MessagePort. */
const port = parentPort;
if (!port) throw new Error('evolution-worker.ts runs as a worker thread (see evolution-pool.ts)');
const answer = evolutionWorker();
port.on('message', async (m: EvolutionRequest) => port.postMessage(await answer(m)));
