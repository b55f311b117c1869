import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ModelRegistry, validateBundle, type ModelStorage, type StoredModel } from '../../workers/models/bundle/index.ts';
import type { BundleReport } from '../../workers/models/bundle/validate.ts';
import { UserError } from './load-bars.ts';

type Log = (s: string) => void;

export const DEFAULT_MODELS_DIR = '.tradeguard/models';

export const MODELS_HELP = `tradeguard models validate --model F.onnx --manifest F.json [--json]
tradeguard models import   --model F.onnx --manifest F.json [--dir DIR] [--replace] [--json]
tradeguard models list     [--dir DIR] [--json]

--dir is the model registry directory (default ${DEFAULT_MODELS_DIR}): one folder per model,
DIR/<role>/<name>@<version>/ holding model.onnx, manifest.json and imported.json.
validate and import exit 1 when the bundle has problems, listing every one.`;

const options = {
  model: { type: 'string' },
  manifest: { type: 'string' },
  dir: { type: 'string' },
  replace: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** `tradeguard models validate|import|list ...`; returns the exit code. */
export async function modelsCommand(argv: string[], log: Log): Promise<number> {
  const [sub, ...rest] = argv;
  const { values: o } = parseArgs({ args: rest, options, strict: true });
  switch (sub) {
    case 'validate': {
      const { bytes, manifest } = readBundle(o.model, o.manifest, 'validate');
      const report = await validateBundle(bytes, manifest);
      if (o.json) log(JSON.stringify({ ok: report.ok, problems: report.problems, warnings: report.warnings }, null, 2));
      else log(describeReport(report, o.model!));
      return report.ok ? 0 : 1;
    }
    case 'import': {
      const { bytes, manifest } = readBundle(o.model, o.manifest, 'import');
      const dir = o.dir ?? DEFAULT_MODELS_DIR;
      const registry = new ModelRegistry(createDirModelStorage(dir));
      const r = await registry.importBundle(bytes, manifest, { replace: o.replace });
      if (o.json) {
        log(JSON.stringify(r.ok ? { ok: true, id: r.id, outcome: r.outcome, model: r.model } : { ok: false, id: r.id, problems: r.problems }, null, 2));
      } else if (r.ok) {
        const what = { added: 'imported', replaced: 'replaced', 'manifest-updated': 'updated the manifest of', unchanged: 'already have' }[r.outcome];
        log(`${what} ${r.id} in ${dir}`);
        for (const w of r.report.warnings) log(`  warning: ${w}`);
      } else {
        log(`refused ${r.id ?? o.model}:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`);
      }
      return r.ok ? 0 : 1;
    }
    case 'list': {
      const dir = o.dir ?? DEFAULT_MODELS_DIR;
      const models = await new ModelRegistry(createDirModelStorage(dir)).list();
      if (o.json) log(JSON.stringify(models, null, 2));
      else if (models.length === 0) log(`no models in ${dir}`);
      else {
        for (const m of models) {
          log(`${m.id}  ${m.featureSpec} ${m.timeframe} ${m.symbols.join(',')}  ${(m.sizeBytes / 1024).toFixed(1)} KiB  imported ${new Date(m.importedAt).toISOString().slice(0, 19).replace('T', ' ')} UTC${m.description ? `  ${m.description}` : ''}`);
        }
      }
      return 0;
    }
    default:
      throw new UserError(sub ? `unknown models command "${sub}"\n\n${MODELS_HELP}` : MODELS_HELP);
  }
}

function readBundle(model: string | undefined, manifest: string | undefined, cmd: string): { bytes: Uint8Array; manifest: string } {
  if (!model || !manifest) throw new UserError(`models ${cmd} needs --model F.onnx and --manifest F.json`);
  return { bytes: new Uint8Array(readOrFail(model)), manifest: readOrFail(manifest).toString('utf8') };
}

function readOrFail(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

function describeReport(r: BundleReport, path: string): string {
  if (!r.ok) return `${path}: ${r.problems.length} problem${r.problems.length > 1 ? 's' : ''}\n${r.problems.map((p) => `  - ${p}`).join('\n')}`;
  const m = r.manifest!;
  const input = r.info!.inputs[0];
  const warnings = r.warnings.map((w) => `\n  warning: ${w}`).join('');
  return `${path}: OK ${m.role}:${m.name}@${m.version} reads ${m.featureSpec} (${m.input.shape[1]} features, input '${input.name}'), outputs ${m.outputs.kind}; opsets ${r.info!.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}; checked on sample inputs${warnings}`;
}

/**
 * The registry as a directory, for the CLI and the relay: DIR/<role>/<name>@<version>/ with
 * model.onnx, manifest.json and imported.json ({ id, importedAt }). A model is written to a
 * temporary folder and renamed into place, so a crash never leaves half a bundle.
 */
export function createDirModelStorage(dir: string): ModelStorage {
  const root = resolve(dir);
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._@+-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const folder = (id: string) => {
    const at = id.indexOf(':');
    if (at <= 0) throw new UserError(`"${id}" is not a model id (role:name@version)`);
    return join(root, safe(id.slice(0, at)), safe(id.slice(at + 1)));
  };
  const read = (path: string): StoredModel | undefined => {
    const metaPath = join(path, 'imported.json');
    if (!existsSync(metaPath)) return undefined;
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { id: string; importedAt: number };
    return { id: meta.id, importedAt: meta.importedAt, manifest: JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')), bytes: new Uint8Array(readFileSync(join(path, 'model.onnx'))) };
  };
  return {
    async put(m) {
      const target = folder(m.id);
      const tmp = `${target}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp, { recursive: true });
      writeFileSync(join(tmp, 'model.onnx'), m.bytes);
      writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(m.manifest, null, 2)}\n`);
      writeFileSync(join(tmp, 'imported.json'), `${JSON.stringify({ id: m.id, importedAt: m.importedAt })}\n`);
      rmSync(target, { recursive: true, force: true });
      renameSync(tmp, target);
    },
    async get(id) {
      return read(folder(id));
    },
    async list() {
      if (!existsSync(root)) return [];
      const out: StoredModel[] = [];
      for (const role of readdirSync(root, { withFileTypes: true })) {
        if (!role.isDirectory()) continue;
        for (const m of readdirSync(join(root, role.name), { withFileTypes: true })) {
          if (!m.isDirectory() || m.name.includes('.tmp-')) continue;
          const model = read(join(root, role.name, m.name));
          if (model) out.push(model);
        }
      }
      return out.sort((a, b) => a.id.localeCompare(b.id));
    },
    async delete(id) {
      rmSync(folder(id), { recursive: true, force: true });
    },
  };
}
