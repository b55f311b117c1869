/**
 * Compiles Spotware's cTrader Open API .proto files (shipped inside
 * @reiryoku/ctrader-layer, byte-identical to spotware/openapi-proto-messages
 * tag 79) into a protobufjs JSON descriptor the codec loads with
 * protobufjs/light: the browser worker then needs no .proto parser and no fetch.
 *
 * Run by `npm run build:proto` (hooked as pretest / prestart / prebench).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'workers', 'brokers', 'ctrader', 'proto', 'openapi.generated.json');
const require = createRequire(import.meta.url);
const protoDir = join(dirname(require.resolve('@reiryoku/ctrader-layer/package.json')), 'protobuf');
const files = ['OpenApiCommonModelMessages.proto', 'OpenApiCommonMessages.proto', 'OpenApiModelMessages.proto', 'OpenApiMessages.proto'];

for (const f of files) if (!existsSync(join(protoDir, f))) throw new Error(`cTrader proto file missing: ${join(protoDir, f)} (is @reiryoku/ctrader-layer installed? run npm ci)`);

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(protoDir, target.replace(/^.*[\\/]/, ''));
root.loadSync(files.map((f) => join(protoDir, f)), { keepCase: true });

// Fields Spotware added after tag 79 that the client reads (from tag 91 of
// spotware/openapi-proto-messages). Decoding skips unknown fields, so without
// them a rate-limit error's retry delay would be silently lost.
const additions: [string, string, number, string][] = [
  ['ProtoOAErrorRes', 'retryAfter', 6, 'uint32'],
  ['ProtoOAGetTrendbarsRes', 'hasMore', 7, 'bool'],
];
for (const [type, name, id, kind] of additions) {
  const t = root.lookupType(type);
  if (!t.fields[name]) t.add(new protobuf.Field(name, id, kind, 'optional'));
}
root.resolveAll();

const json = JSON.stringify({ source: 'spotware/openapi-proto-messages tag 79 (via @reiryoku/ctrader-layer) + retryAfter, hasMore from tag 91', root: root.toJSON() });
mkdirSync(dirname(out), { recursive: true });
const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
if (previous !== json) writeFileSync(out, json);
process.stdout.write(`cTrader proto descriptor: ${out} (${(json.length / 1024).toFixed(0)} KiB${previous === json ? ', unchanged' : ''})\n`);
