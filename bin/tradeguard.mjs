#!/usr/bin/env node
// The `tradeguard` command. It runs the compiled relay and CLI in build/relay/
// (scripts/build-relay.mjs), rebuilt first when a source under relay/ or
// workers/ is newer: starting from JavaScript takes a tenth of the time tsx
// takes to compile the TypeScript on every start. TG_TSX=1 runs the sources
// through tsx instead (development; the tests do so in-process).
import { pathToFileURL } from 'node:url';
import { buildRelay, relayBuildState } from '../scripts/build-relay.mjs';

async function loadMain() {
  if (process.env.TG_TSX === '1') {
    const { register } = await import('tsx/esm/api');
    register();
    return (await import('../relay/cli/main.ts')).main;
  }
  const state = relayBuildState();
  if (!state.fresh) {
    process.stderr.write(`tradeguard: building the relay (${state.why})...\n`);
    const built = await buildRelay();
    if (!built.ok) {
      process.stderr.write(`tradeguard: the build failed:\n${built.error}\n`);
      process.exit(1);
    }
  }
  // The relay's stack traces point into the TypeScript sources. Not for the
  // other commands: reading the maps costs a sixth of a --help (set
  // NODE_OPTIONS=--enable-source-maps to have them there too).
  if (process.argv[2] === 'serve') process.setSourceMapsEnabled(true);
  return (await import(pathToFileURL(state.entry).href)).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
