import { ModelRegistry, type ImportResult } from '../../workers/models/bundle/registry.ts';
import { createOrtSession } from '../../workers/models/inference/session.ort.ts';
import type { ModelStorage } from '../../workers/models/bundle/registry.ts';
import { isQuotaError, StorageFullError } from '../store/storage-full.ts';

/**
 * Model bundles picked or dropped in the browser: files are grouped into
 * bundles (a model.onnx and a manifest.json from the same folder), each
 * validated by the registry, which stores nothing unless every check passes.
 */

/** A picked file with the folder it came from ('' for loose files). */
export interface PickedFile {
  file: Blob & { name: string };
  dir: string;
}

export interface BundleFiles {
  /** Where the bundle came from, as the user will recognise it. */
  source: string;
  onnx?: PickedFile;
  manifest?: PickedFile;
  /** Why these files are not a bundle (missing half, two candidates). */
  problem?: string;
}

const dirOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

/** From File objects (input `multiple`, a folder pick via webkitRelativePath, or a drop). */
export function pickedFiles(files: Iterable<File>): PickedFile[] {
  return [...files].map((f) => ({ file: f, dir: dirOf((f as File & { webkitRelativePath?: string }).webkitRelativePath || '') }));
}

/** Groups files by folder; in each, one .onnx and one .json make a bundle. */
export function groupBundles(files: readonly PickedFile[]): BundleFiles[] {
  const byDir = new Map<string, PickedFile[]>();
  for (const f of files) {
    const list = byDir.get(f.dir) ?? [];
    list.push(f);
    byDir.set(f.dir, list);
  }
  const out: BundleFiles[] = [];
  for (const [dir, list] of [...byDir].sort(([a], [b]) => a.localeCompare(b))) {
    const onnx = list.filter((f) => /\.onnx$/i.test(f.file.name));
    const json = list.filter((f) => /\.json$/i.test(f.file.name));
    const manifest = json.find((f) => f.file.name.toLowerCase() === 'manifest.json') ?? (json.length === 1 ? json[0] : undefined);
    const source = dir || [...onnx, ...json].map((f) => f.file.name).join(' + ') || list.map((f) => f.file.name).join(', ');
    if (onnx.length === 0 && json.length === 0) continue;
    let problem: string | undefined;
    if (onnx.length === 0) problem = 'no .onnx model file: a bundle is model.onnx plus manifest.json';
    else if (onnx.length > 1) problem = `${onnx.length} .onnx files (${onnx.map((f) => f.file.name).join(', ')}); put each bundle in its own folder`;
    else if (!manifest) problem = json.length === 0 ? 'no manifest.json next to the model: a bundle is model.onnx plus manifest.json' : `several .json files and none named manifest.json (${json.map((f) => f.file.name).join(', ')})`;
    out.push({ source, onnx: onnx[0], manifest, ...(problem ? { problem } : {}) });
  }
  return out;
}

export type BundleOutcome = { source: string } & ({ ok: true; id: string; outcome: string } | { ok: false; id?: string; problems: string[] });

/** Validates and stores one bundle; every problem listed, nothing stored on any. */
export async function importBundle(storage: ModelStorage, b: BundleFiles, opts: { replace?: boolean } = {}): Promise<BundleOutcome> {
  if (b.problem || !b.onnx || !b.manifest) return { source: b.source, ok: false, problems: [b.problem ?? 'incomplete bundle'] };
  const registry = new ModelRegistry(storage, {
    // One thread: a smoke run of a small model does not need ort's thread pool (and its extra workers).
    createSession: (bytes, o) => createOrtSession(bytes, { ...o, numThreads: 1 }),
  });
  let r: ImportResult;
  try {
    const bytes = new Uint8Array(await b.onnx.file.arrayBuffer());
    const manifest = await b.manifest.file.text();
    r = await registry.importBundle(bytes, manifest, opts);
  } catch (e) {
    if (e instanceof StorageFullError) return { source: b.source, ok: false, problems: [e.message] };
    if (isQuotaError(e)) return { source: b.source, ok: false, problems: [new StorageFullError(`model ${b.source}`, { cause: e }).message] };
    return { source: b.source, ok: false, problems: [`could not import: ${e instanceof Error ? e.message : String(e)}`] };
  }
  return r.ok ? { source: b.source, ok: true, id: r.id, outcome: r.outcome } : { source: b.source, ok: false, ...(r.id ? { id: r.id } : {}), problems: r.problems };
}

/** Files of a drop, folders walked (a dropped bundle folder, or a folder of bundle folders). */
export async function filesFromDrop(dt: DataTransfer): Promise<PickedFile[]> {
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return pickedFiles(dt.files);
  const out: PickedFile[] = [];
  const walk = async (entry: FileSystemEntry, dir: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ file, dir });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    // readEntries returns a batch at a time; an empty batch means the end.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, path);
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}
