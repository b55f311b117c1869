import { decodeModel, type OnnxIoInfo, type OnnxModelInfo } from '../onnx/codec.ts';
import { ML_DOMAIN } from '../onnx/graph-builder.ts';
import type { Dim } from '../onnx/model.ts';
import { createOrtSession } from '../inference/session.ort.ts';
import { ModelLoadError, type CreateSession, type InferenceSession, type OutputTensor } from '../inference/session.ts';
import { manifestSpec, withFeatureSpecId } from './manifest-spec.ts';
import { manifestProblems, manifestWarnings, type ModelManifest } from './manifest.ts';
import { modelId } from './registry.ts';
import { sampleInputs } from './sample-inputs.ts';
import { ModelStage } from '../chain/model-stage.ts';
import { ModelOutputError } from '../chain/read-outputs.ts';

/**
 * Checks a model bundle (model.onnx + manifest.json) before anything runs it: the manifest on
 * its own (`manifestProblems`), the ONNX graph against the manifest (input name and width,
 * output names and shapes per role), and the runtime itself (the model is loaded into
 * onnxruntime-web, run once on a batch of zeros, then on sample inputs read exactly as the
 * chain reads them: probabilities must be probabilities). Every problem is one sentence that says
 * what is wrong and what to do about it. models/README.md documents the format.
 */

export interface BundleReport {
  ok: boolean;
  problems: string[];
  /** Sound but likely wrong (e.g. a context column that never varied in training): shown, not refused. */
  warnings: string[];
  /** The parsed manifest, when manifest.json held a JSON object (even one with problems). */
  manifest?: ModelManifest;
  /** What the ONNX file declares, when it decoded. */
  info?: OnnxModelInfo;
}

export interface ValidateOptions {
  /** The runtime to load the model into; onnxruntime-web (wasm) unless a test swaps it. */
  createSession?: CreateSession;
}

/**
 * Opset versions onnxruntime-web 1.30.0 (the version in package.json) officially supports,
 * measured: opset 26 of ai.onnx and 5 of ai.onnx.ml load, 30 and 6 are refused. Only used to
 * word advice; the runtime's own message wins when it states a limit.
 */
export const RUNTIME_MAX_OPSET: Readonly<Record<string, number>> = { 'ai.onnx': 26, 'ai.onnx.ml': 5 };
/** A safe target for exporters: old enough for every runtime we ship, new enough for what they emit. */
const SAFE_OPSET = 17;

const FLOAT = 1;
const DOUBLE = 11;

export async function validateBundle(onnxBytes: Uint8Array, manifestJson: string | unknown, options: ValidateOptions = {}): Promise<BundleReport> {
  const problems: string[] = [];
  const warnings: string[] = [];

  // 1. The manifest on its own.
  let raw: unknown = manifestJson;
  let parsed = true;
  if (typeof manifestJson === 'string') {
    try {
      raw = JSON.parse(manifestJson);
    } catch (e) {
      parsed = false;
      const nan = /\b(NaN|-?Infinity)\b/.test(manifestJson) ? ' (NaN and Infinity are not JSON: Python\'s json.dump writes them unless allow_nan=False; replace them with measured numbers)' : '';
      problems.push(`manifest.json is not valid JSON (${(e as Error).message})${nan}; fix its syntax, e.g. write it with json.dump(manifest, f, indent=2, allow_nan=False).`);
    }
  }
  raw = withFeatureSpecId(raw);
  const isObject = parsed && typeof raw === 'object' && raw !== null && !Array.isArray(raw);
  if (parsed) for (const p of manifestProblems(raw)) problems.push(`manifest.json: ${p}.`);
  const manifest = isObject ? (raw as ModelManifest) : undefined;

  // 2. The ONNX file on its own.
  let info: OnnxModelInfo | undefined;
  try {
    info = decodeModel(onnxBytes);
  } catch (e) {
    const msg = (e as Error).message;
    const swapped = /looks like JSON/.test(msg) ? ' (are --model and --manifest swapped?)' : '';
    problems.push(`model.onnx is ${msg.startsWith('not an ONNX model') ? '' : 'not readable: '}${msg}${swapped}; pass the binary .onnx file the exporter wrote.`);
  }

  // 3. The graph against the manifest.
  let zipMap = false;
  if (info) {
    const z = zipMapProblems(info);
    zipMap = z.length > 0;
    problems.push(...z);
    if (manifest) {
      problems.push(...inputProblems(info, manifest));
      problems.push(...outputProblems(info, manifest));
    }
  }

  // 4. The runtime: load it, and when everything else is sound, run it once.
  if (info) {
    const create = options.createSession ?? createOrtSession;
    let session: InferenceSession | undefined;
    try {
      session = await create(onnxBytes, { label: manifest && typeof manifest.name === 'string' ? manifest.name : 'bundle' });
    } catch (e) {
      // A graph ending in ZipMap is already reported; what the runtime says about its
      // non-tensor output (e.g. "Invalid tensor data type 0") would only repeat it less clearly.
      if (!zipMap) problems.push(loadProblem(e, info));
    }
    try {
      if (session && manifest && problems.length === 0) problems.push(...(await smokeRun(session, manifest)));
      if (session && manifest && problems.length === 0) {
        const r = await sampleRun(session, manifest);
        problems.push(...r.problems);
        warnings.push(...r.warnings);
      }
    } finally {
      await session?.release();
    }
  }

  if (manifest && problems.length === 0) warnings.unshift(...manifestWarnings(manifest));
  return { ok: problems.length === 0, problems, warnings, ...(manifest ? { manifest } : {}), ...(info ? { info } : {}) };
}

// ---------------------------------------------------------------------------------------------

function describeIo(v: OnnxIoInfo): string {
  const kind = v.elemTypeCode === 0 ? 'non-tensor (sequence or map)' : v.elemType;
  return `${v.name} ${v.shape ? `[${v.shape.join(', ')}]` : '[shape not stated]'} ${kind}`;
}

function listIo(vs: OnnxIoInfo[]): string {
  return vs.length ? vs.map(describeIo).join('; ') : 'none';
}

const ZIPMAP_ADVICE =
  "re-export with zipmap=False (skl2onnx: convert_sklearn(..., options={id(clf): {'zipmap': False}}); " +
  'onnxmltools: convert_lightgbm(..., zipmap=False)) so the probabilities come out as a float tensor [N, classes]';

function zipMapProblems(info: OnnxModelInfo): string[] {
  const node = info.nodes.some((n) => n.opType === 'ZipMap' && (n.domain === ML_DOMAIN || n.domain === ''));
  const nonTensor = info.outputs.filter((o) => o.elemTypeCode === 0);
  if (!node && nonTensor.length === 0) return [];
  const which = nonTensor.length ? ` (output${nonTensor.length > 1 ? 's' : ''} ${nonTensor.map((o) => `'${o.name}'`).join(', ')} ${nonTensor.length > 1 ? 'are' : 'is a'} sequence/map${nonTensor.length > 1 ? 's' : ''}, not tensor${nonTensor.length > 1 ? 's' : ''})` : '';
  return [`the model ends in ZipMap${which}; ${ZIPMAP_ADVICE}.`];
}

function inputProblems(info: OnnxModelInfo, m: ModelManifest): string[] {
  const out: string[] = [];
  const declared = typeof m.input?.name === 'string' && m.input.name ? m.input.name : undefined;
  const spec = manifestSpec(m).spec;
  const width = spec?.features.length;
  const input = declared ? info.inputs.find((i) => i.name === declared) : undefined;

  if (declared && !input) {
    out.push(`the graph has no input named '${declared}' (manifest input.name); its inputs are: ${listIo(info.inputs)}. Set input.name to the graph's input, or re-export naming the input '${declared}' (torch.onnx.export input_names=['${declared}'], skl2onnx/onnxmltools initial_types=[('${declared}', FloatTensorType([None, ${width ?? 'F'}]))]).`);
  }
  const extra = info.inputs.filter((i) => i.name !== declared);
  if (declared && input && extra.length) {
    out.push(`the graph has extra input${extra.length > 1 ? 's' : ''} ${extra.map(describeIo).join('; ')} besides '${declared}'; the engine feeds exactly one [N, features] float tensor, so re-export the model with a single input (fold constants into the graph as initializers).`);
  } else if (!declared && info.inputs.length !== 1) {
    out.push(`the graph must take exactly one input, [N, features] float; it has ${info.inputs.length}: ${listIo(info.inputs)}.`);
  }
  if (!input) return out;

  if (input.elemTypeCode !== FLOAT) {
    out.push(`input '${input.name}' is ${input.elemType}, but the engine feeds float32; re-export with a float input (FloatTensorType, or a float32 dummy input for torch.onnx.export).`);
  }
  const shape = input.shape;
  if (shape) {
    if (shape.length !== 2) {
      out.push(`input '${input.name}' has shape [${shape.join(', ')}]; it must be [batch, features] (rank 2), e.g. ['N', ${width ?? 'F'}].`);
    } else {
      const [batch, feats] = shape;
      if (typeof feats === 'number' && width !== undefined && feats !== width) {
        out.push(`input '${input.name}' takes ${feats} features (graph shape [${shape.join(', ')}]) but feature spec ${m.featureSpec} has ${width}; train and export the model on all ${width} ${m.featureSpec} features, in spec order.`);
      } else if (typeof feats === 'number' && Array.isArray(m.input.shape) && typeof m.input.shape[1] === 'number' && feats !== m.input.shape[1] && width === undefined) {
        out.push(`input '${input.name}' takes ${feats} features but manifest input.shape says ${m.input.shape[1]}; make them agree.`);
      }
      const mBatch = Array.isArray(m.input.shape) ? m.input.shape[0] : undefined;
      if (typeof batch === 'number' && batch !== mBatch) {
        out.push(`input '${input.name}' fixes the batch size at ${batch} but manifest input.shape[0] is ${JSON.stringify(mBatch)}; re-export with a dynamic batch axis (torch.onnx.export dynamic_axes={'${input.name}': {0: 'N'}}, FloatTensorType([None, ${width ?? 'F'}])) or set input.shape[0] to ${batch}.`);
      }
    }
  }
  return out;
}

/** What each declared head must look like: rank-2 with a known column count, or a single value per row. */
type Expect = { name: string; field: string; columns: number } | { name: string; field: string; single: true } | { name: string; field: string; atLeast: number };

function expectedOutputs(m: ModelManifest): Expect[] {
  const o = m.outputs as unknown as Record<string, unknown> | undefined;
  if (!o || typeof o !== 'object') return [];
  const name = (k: string) => (typeof o[k] === 'string' && o[k] ? (o[k] as string) : undefined);
  const out: Expect[] = [];
  const push = (k: string, e: Omit<Expect, 'name' | 'field'> & object) => {
    const n = name(k);
    if (n) out.push({ name: n, field: `outputs.${k}`, ...e } as Expect);
  };
  switch (o.kind) {
    case 'classes':
      if (Array.isArray(o.labels)) push('output', { columns: o.labels.length });
      break;
    case 'actions':
      if (Array.isArray(o.actions)) push('output', { columns: o.actions.length });
      break;
    case 'score':
      push('output', { single: true });
      break;
    case 'tensor':
      push('output', { columns: 3 });
      break;
    case 'heads':
      for (const k of ['slMult', 'tpMult', 'size']) push(k, { single: true });
      break;
    case 'allow-probability':
      if (Number.isInteger(o.column) && (o.column as number) >= 0) push('output', { atLeast: (o.column as number) + 1 });
      else if (o.column === undefined) push('output', { single: true });
      break;
  }
  return out;
}

function expectText(e: Expect): string {
  if ('columns' in e) return `[N, ${e.columns}]`;
  if ('single' in e) return '[N, 1] or [N]';
  return `[N, K] with K > ${e.atLeast - 1}`;
}

function why(e: Expect, m: ModelManifest): string {
  const o = m.outputs as unknown as Record<string, unknown>;
  switch (o.kind) {
    case 'classes': return `one probability per label in outputs.labels (${(o.labels as string[]).join(', ')})`;
    case 'actions': return `one score per action in outputs.actions (${(o.actions as string[]).join(', ')})`;
    case 'tensor': return 'sl_mult, tp_mult, size in that order';
    case 'allow-probability': return 'atLeast' in e ? `outputs.column ${e.atLeast - 1} must be one of its columns` : 'one allow probability per row';
    default: return 'one value per row';
  }
}

/** Checks the outputs the graph declares against the manifest's heads: names, element types, shapes. */
function outputProblems(info: OnnxModelInfo, m: ModelManifest): string[] {
  const switchKind = riskKindHint(info, m);
  if (switchKind) return [switchKind];
  const out: string[] = [];
  for (const e of expectedOutputs(m)) {
    const graphOut = info.outputs.find((o) => o.name === e.name);
    if (!graphOut) {
      out.push(`the graph has no output named '${e.name}' (manifest ${e.field}); its outputs are: ${listIo(info.outputs)}. Set ${e.field} to one of them, or re-export naming the output '${e.name}' (torch.onnx.export output_names=[...]).`);
      continue;
    }
    if (graphOut.elemTypeCode !== 0 && graphOut.elemTypeCode !== FLOAT && graphOut.elemTypeCode !== DOUBLE) {
      out.push(`output '${e.name}' (manifest ${e.field}) is ${graphOut.elemType}; a model head must be float (for a classifier, point the manifest at its probabilities, not its label).`);
      continue;
    }
    const dims = graphOut.shape;
    if (!dims) continue; // no shape stated: the run checks it
    const bad = shapeMismatch(dims, e);
    if (bad) out.push(`output '${e.name}' (manifest ${e.field}): the graph declares [${dims.join(', ')}] but the manifest needs ${expectText(e)} (${why(e, m)}); ${bad}`);
  }
  return out;
}

/**
 * A risk model whose outputs fit the other risk kind: three heads declared against one [N, 3]
 * output, or one tensor declared against single-value heads. One problem that says which kind
 * to switch to, rather than "no output named ..." and a rename that would then fail on the shape.
 */
function riskKindHint(info: OnnxModelInfo, m: ModelManifest): string | null {
  const o = m.outputs as unknown as Record<string, unknown> | undefined;
  if (m.role !== 'risk' || !o) return null;
  const floats = info.outputs.filter((g) => g.elemTypeCode === FLOAT || g.elemTypeCode === DOUBLE);
  const single = (g: OnnxIoInfo) => !!g.shape && shapeMismatch(g.shape, { name: g.name, field: '', single: true }) === '';
  const triple = (g: OnnxIoInfo) => !!g.shape && g.shape.length === 2 && g.shape[1] === 3;
  if (o.kind === 'heads') {
    const named = ['slMult', 'tpMult', 'size'].map((k) => info.outputs.find((g) => g.name === o[k]));
    const tensor = floats.find(triple);
    if (named.some((g) => g && single(g)) || !tensor) return null;
    return `outputs.kind is "heads" (three [N, 1] outputs sl_mult, tp_mult, size) but the graph has one [N, 3] output '${tensor.name}' (${listIo(info.outputs)}); switch the manifest to "outputs": { "kind": "tensor", "output": "${tensor.name}" } (its columns in the order sl_mult, tp_mult, size).`;
  }
  if (o.kind === 'tensor') {
    const declared = info.outputs.find((g) => g.name === o.output);
    const heads = floats.filter(single);
    if ((declared && !single(declared)) || heads.length < 3) return null;
    const [a, b, c] = heads.map((g) => g.name);
    return `outputs.kind is "tensor" (one [N, 3] output) but the graph has single-value outputs ${heads.map((g) => `'${g.name}'`).join(', ')} (${listIo(info.outputs)}); switch the manifest to "outputs": { "kind": "heads", "slMult": "${a}", "tpMult": "${b}", "size": "${c}" }, naming which output is which head.`;
  }
  return null;
}

/** '' when the dims fit; otherwise the advice to fix it. Symbolic dims fit anything. */
function shapeMismatch(dims: Dim[], e: Expect): string {
  const fix = 'fix the manifest or re-export the model so they agree.';
  if ('single' in e) {
    if (dims.length === 1) return '';
    if (dims.length === 2 && (dims[1] === 1 || typeof dims[1] === 'string')) return '';
    return fix;
  }
  if (dims.length !== 2) return fix;
  const cols = dims[1];
  if (typeof cols === 'string') return '';
  if ('columns' in e) return cols === e.columns ? '' : fix;
  return cols >= e.atLeast ? '' : 'outputs.column is out of range: pick the column of the "allowed" class (scikit-learn/LightGBM order columns by class label, e.g. 1 for labels [0, 1]).';
}

function loadProblem(e: unknown, info: OnnxModelInfo): string {
  const msg = e instanceof Error ? e.message : String(e);
  const maxes = `ai.onnx opset <= ${RUNTIME_MAX_OPSET['ai.onnx']}, ai.onnx.ml opset <= ${RUNTIME_MAX_OPSET['ai.onnx.ml']}`;
  if (e instanceof ModelLoadError && e.unknownOp) {
    const at = e.unknownOp.indexOf(':');
    const domain = e.unknownOp.slice(0, at);
    const op = e.unknownOp.slice(at + 1);
    const d = domain === '' ? 'ai.onnx' : domain;
    const imported = info.opsetImports.find((o) => o.domain === domain || (domain === 'ai.onnx' && o.domain === ''))?.version;
    const standard = domain === '' || domain === 'ai.onnx' || domain === ML_DOMAIN;
    const advice = standard
      ? `re-export with standard operators at an opset the runtime knows (${maxes}; e.g. torch.onnx.export(..., opset_version=${SAFE_OPSET}), skl2onnx/onnxmltools target_opset=${SAFE_OPSET})`
      : `custom-domain operators cannot run here; re-export with standard ONNX operators only (${maxes}), e.g. without custom/contrib ops or fused kernels`;
    return `operator ${op} (domain ${d}${imported !== undefined ? `, opset ${imported}` : ''}) is not supported by the runtime (onnxruntime-web); ${advice}.`;
  }
  const opset = /Opset (\d+) is under development.*?Current official support for domain (\S+) is till opset (\d+)/s.exec(msg);
  if (opset) {
    const [, v, domain, max] = opset;
    const hint = domain === 'ai.onnx' ? `torch.onnx.export(..., opset_version=${Math.min(SAFE_OPSET, Number(max))}) or target_opset=${Math.min(SAFE_OPSET, Number(max))}` : `target_opset={'': ${SAFE_OPSET}, '${domain}': ${Math.min(3, Number(max))}}`;
    return `the model imports opset ${v} of ${domain}, newer than the runtime supports (opset <= ${max}); re-export with opset <= ${max} (${hint}).`;
  }
  return `onnxruntime could not load the model (${msg.replace(/^model '[^']*' failed to load: /, '')}); check that it loads in Python with onnxruntime.InferenceSession and re-export it with a standard opset (${maxes}).`;
}

/** Runs the loaded model once on zeros and checks the output dims it really returns. */
async function smokeRun(session: InferenceSession, m: ModelManifest): Promise<string[]> {
  const width = m.input.shape[1];
  const batch = typeof m.input.shape[0] === 'number' ? m.input.shape[0] : 2;
  let result: Record<string, OutputTensor>;
  try {
    result = await session.run({ [m.input.name]: { data: new Float32Array(batch * width), dims: [batch, width] } });
  } catch (e) {
    return [`running the model once on a [${batch}, ${width}] batch of zeros failed (${(e as Error).message}); check the export in Python with onnxruntime on an input of that shape.`];
  }
  const out: string[] = [];
  for (const e of expectedOutputs(m)) {
    const t = result[e.name];
    if (!t) continue;
    const bad = shapeMismatch(t.dims, e);
    if (bad) out.push(`output '${e.name}' (manifest ${e.field}): a run on [${batch}, ${width}] returned [${t.dims.join(', ')}] but the manifest needs ${expectText(e)} (${why(e, m)}); ${bad}`);
    else if (t.dims[0] !== batch) out.push(`output '${e.name}' returned ${t.dims[0]} rows for a batch of ${batch}; re-export with a dynamic batch axis on the output as well (dynamic_axes={'${e.name}': {0: 'N'}}).`);
  }
  return out;
}

/**
 * Runs the model on sample inputs (sample-inputs.ts) through the chain's own stage and readers:
 * whatever would pause an agent on its first bars (a logit where a probability belongs, a score
 * outside [-1, 1], NaN) is refused here instead, with the readers' own words.
 */
async function sampleRun(session: InferenceSession, m: ModelManifest): Promise<{ problems: string[]; warnings: string[] }> {
  const spec = manifestSpec(m).spec;
  if (!spec || typeof m.input.shape[0] === 'number') return { problems: [], warnings: [] }; // a fixed batch: the zeros run is all we can do
  const sample = sampleInputs(spec, m.role);
  const stage = new ModelStage({ id: modelId(m), manifest: m, session });
  try {
    if (m.role === 'alpha') await stage.alpha(sample.rows);
    else if (m.role === 'guard') await stage.guard(sample.rows);
    else return { problems: [], warnings: riskWarnings(await stage.risk(sample.rows), sample.what) };
  } catch (e) {
    if (!(e instanceof ModelOutputError)) return { problems: [`running the model on ${sample.what} failed (${(e as Error).message}).`], warnings: [] };
    return { problems: [`on ${sample.what}: ${e.message}.`], warnings: [] };
  }
  return { problems: [], warnings: [] };
}

/** Risk heads the chain would clamp on most rows: sound, but likely not what the trader meant. */
function riskWarnings(r: { slMult: number; tpMult: number; size: number }[], what: string): string[] {
  const share = (f: (x: (typeof r)[number]) => boolean) => r.filter(f).length / r.length;
  const out: string[] = [];
  const size = share((x) => x.size < 0 || x.size > 1);
  if (size > 0) out.push(`size is outside [0, 1] on ${(size * 100).toFixed(0)}% of ${what}; size is the fraction of the agent's risk % to use (0..1) and the chain clamps it to [0, 1]: put a sigmoid on the size head.`);
  const stops = share((x) => x.slMult <= 0 || x.tpMult <= 0);
  if (stops > 0) out.push(`sl_mult or tp_mult is <= 0 on ${(stops * 100).toFixed(0)}% of ${what}; they are ATR multiples and the chain clamps them to its bounds (default sl 0.5..5, tp 0.5..10).`);
  return out;
}
