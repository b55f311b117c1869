#!/usr/bin/env node
// The `tradeguard` command. The engine is TypeScript; tsx compiles it on load
// (esbuild, no type-check), so the same sources run here, in the relay and in the browser.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../relay/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
