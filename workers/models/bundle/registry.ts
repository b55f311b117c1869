import type { ModelManifest, ModelRole } from './manifest.ts';
import { validateBundle, type BundleReport, type ValidateOptions } from './validate.ts';

/**
 * The model registry: the bundles an agent may use, by id `${role}:${name}@${version}`
 * (e.g. `alpha:eurusd-mlp@1.0.0`). It sits on a tiny storage seam (`ModelStorage`) so the
 * browser (IndexedDB), the relay (SQLite) and the CLI (a directory) can keep bundles their way;
 * `createMemoryModelStorage` is the reference and what tests use.
 *
 * Rules:
 * - Nothing is stored unless `validateBundle` passes; a refusal lists every problem.
 * - Re-importing an id: identical bytes and manifest change nothing. Anything else under
 *   the same id is refused unless `{ replace: true }`: decisions record the model id, and
 *   agents may run it, so an edited bundle should get a new version. With replace, the same
 *   ONNX bytes update the manifest (a corrected description or metrics) and keep `importedAt`.
 * - A model an agent uses cannot be deleted; the refusal names the agents.
 */

export interface StoredModel {
  id: string;
  manifest: ModelManifest;
  bytes: Uint8Array;
  /** Epoch ms of the import that stored these bytes. */
  importedAt: number;
}

export interface ModelStorage {
  put(model: StoredModel): Promise<void>;
  get(id: string): Promise<StoredModel | undefined>;
  list(): Promise<StoredModel[]>;
  delete(id: string): Promise<void>;
}

export function createMemoryModelStorage(): ModelStorage {
  const models = new Map<string, StoredModel>();
  const copy = (m: StoredModel): StoredModel => ({ ...m, manifest: structuredClone(m.manifest), bytes: m.bytes.slice() });
  return {
    async put(m) {
      models.set(m.id, copy(m));
    },
    async get(id) {
      const m = models.get(id);
      return m && copy(m);
    },
    async list() {
      return [...models.values()].map(copy).sort((a, b) => a.id.localeCompare(b.id));
    },
    async delete(id) {
      models.delete(id);
    },
  };
}

export function modelId(m: { role: ModelRole | string; name: string; version: string }): string {
  return `${m.role}:${m.name}@${m.version}`;
}

/** What `list` shows: everything but the bytes. */
export interface ModelSummary {
  id: string;
  role: ModelRole;
  name: string;
  version: string;
  featureSpec: string;
  timeframe: string;
  symbols: string[];
  importedAt: number;
  sizeBytes: number;
  description?: string;
}

export type ImportOutcome = 'added' | 'replaced' | 'manifest-updated' | 'unchanged';

export type ImportResult =
  | { ok: true; id: string; outcome: ImportOutcome; model: ModelSummary; report: BundleReport }
  | { ok: false; id?: string; problems: string[]; report?: BundleReport };

export type DeleteResult = { ok: true; id: string } | { ok: false; id: string; problems: string[] };

/** The agents (ids) that use a model; may look them up asynchronously (an agent store). */
export type UsedBy = (modelId: string) => readonly string[] | Promise<readonly string[]>;

export interface RegistryOptions extends ValidateOptions {
  now?: () => number;
}

export class ModelRegistry {
  private readonly now: () => number;

  constructor(private readonly storage: ModelStorage, private readonly options: RegistryOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Validates the bundle and stores it under its id; see the class comment for re-imports. */
  async importBundle(bytes: Uint8Array, manifestJson: string | unknown, opts: { replace?: boolean } = {}): Promise<ImportResult> {
    const report = await validateBundle(bytes, manifestJson, this.options);
    if (!report.ok || !report.manifest) {
      const id = report.manifest ? safeId(report.manifest) : undefined;
      return { ok: false, ...(id ? { id } : {}), problems: report.problems, report };
    }
    const manifest = report.manifest;
    const id = modelId(manifest);
    const existing = await this.storage.get(id);
    let outcome: ImportOutcome = 'added';
    let importedAt = this.now();
    if (existing) {
      if (sameBytes(existing.bytes, bytes)) {
        importedAt = existing.importedAt;
        outcome = stableJson(existing.manifest) === stableJson(manifest) ? 'unchanged' : 'manifest-updated';
        if (outcome === 'unchanged') return { ok: true, id, outcome, model: summary(existing), report };
        if (!opts.replace) {
          return {
            ok: false,
            id,
            problems: [`model ${id} is already imported with a different manifest.json; give the edited bundle a new version (decisions record the model id, and agents may be running it), or replace it on purpose (--replace).`],
            report,
          };
        }
      } else if (!opts.replace) {
        return {
          ok: false,
          id,
          problems: [`model ${id} is already imported with different ONNX weights; give the new model a new version in manifest.json (decisions record the model id), or replace it on purpose (--replace).`],
          report,
        };
      } else {
        outcome = 'replaced';
      }
    }
    const stored: StoredModel = { id, manifest, bytes: bytes.slice(), importedAt };
    await this.storage.put(stored);
    return { ok: true, id, outcome, model: summary(stored), report };
  }

  async list(): Promise<ModelSummary[]> {
    return (await this.storage.list()).map(summary);
  }

  async get(id: string): Promise<StoredModel | undefined> {
    return this.storage.get(id);
  }

  /** Re-validates a stored bundle (e.g. after a runtime upgrade or a feature spec change). */
  async validate(id: string): Promise<BundleReport> {
    const m = await this.storage.get(id);
    if (!m) return { ok: false, problems: [await this.unknown(id)], warnings: [] };
    return validateBundle(m.bytes, m.manifest, this.options);
  }

  /** Deletes a model unless an agent uses it. */
  async delete(id: string, usedBy: UsedBy): Promise<DeleteResult> {
    if (!(await this.storage.get(id))) return { ok: false, id, problems: [await this.unknown(id)] };
    const agents = [...(await usedBy(id))];
    if (agents.length) {
      const who = agents.length === 1 ? `agent ${agents[0]}` : `agents ${agents.join(', ')}`;
      return { ok: false, id, problems: [`model ${id} is used by ${who}; detach it first.`] };
    }
    await this.storage.delete(id);
    return { ok: true, id };
  }

  private async unknown(id: string): Promise<string> {
    const ids = (await this.storage.list()).map((m) => m.id);
    return `no model ${id} in the registry (${ids.length ? `models: ${ids.join(', ')}` : 'it is empty'}); ids are role:name@version.`;
  }
}

function summary(m: StoredModel): ModelSummary {
  const x = m.manifest;
  return {
    id: m.id,
    role: x.role,
    name: x.name,
    version: x.version,
    featureSpec: x.featureSpec,
    timeframe: x.timeframe,
    symbols: [...x.symbols],
    importedAt: m.importedAt,
    sizeBytes: m.bytes.length,
    ...(x.description ? { description: x.description } : {}),
  };
}

function safeId(m: ModelManifest): string | undefined {
  return typeof m.role === 'string' && typeof m.name === 'string' && typeof m.version === 'string' ? modelId(m) : undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** JSON with object keys sorted, so two manifests compare by content, not key order. */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}
