/** An evolution Web Worker: the worker's side of workers/cells/evolution-pool.ts over postMessage. */
import { evolutionWorker, type EvolutionRequest } from '../../workers/cells/evolution-pool.ts';

const answer = evolutionWorker();
self.onmessage = async (e: MessageEvent<EvolutionRequest>) => self.postMessage(await answer(e.data));
