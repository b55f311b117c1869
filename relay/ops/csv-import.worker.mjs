// The CSV import worker thread's entry. A worker starts without the parent's
// loaders, so tsx compiles the TypeScript it imports here, as bin/tradeguard.mjs
// does for the command line.
import { register } from 'tsx/esm/api';

register();
await import('./csv-import-worker.ts');
