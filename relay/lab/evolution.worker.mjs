// The evolution worker thread's entry. A worker starts without the parent's
// loaders, so tsx compiles the TypeScript it imports here, as bin/tradeguard.mjs
// does for the command line (in the build, this name is the bundled worker).
import { register } from 'tsx/esm/api';

register();
await import('./evolution-worker.ts');
