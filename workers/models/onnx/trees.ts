import { DataType } from './onnx-schema.ts';
import { GraphBuilder, ML_DOMAIN, attr } from './graph-builder.ts';
import type { OnnxModel } from './model.ts';

/**
 * Tree ensembles as ai.onnx.ml TreeEnsembleClassifier / TreeEnsembleRegressor (opset 3 of
 * ai.onnx.ml; attribute names from onnx/onnx docs/Operators-ml.md). Trees are written as
 * nested objects and flattened here into the operator's parallel `nodes_*` arrays.
 */

/** The comparison at a branch, as the operator names it: true means `x[feature] <op> threshold`. */
export type BranchMode = 'BRANCH_LEQ' | 'BRANCH_LT' | 'BRANCH_GTE' | 'BRANCH_GT' | 'BRANCH_EQ' | 'BRANCH_NEQ';

export type TreeNode =
  | {
      feature: number;
      threshold: number;
      /** Default 'BRANCH_LEQ' (what scikit-learn exports). */
      mode?: BranchMode;
      ifTrue: TreeNode;
      ifFalse: TreeNode;
      /** Where a NaN feature goes; default false (the false branch). */
      missingGoesTrue?: boolean;
    }
  | {
      /** Classifier: one score per class. Regressor: one value per target. */
      leaf: number[];
    };

export type PostTransform = 'NONE' | 'SOFTMAX' | 'LOGISTIC' | 'SOFTMAX_ZERO' | 'PROBIT';

interface Flat {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  values: number[];
  modes: string[];
  trueIds: number[];
  falseIds: number[];
  missingTrue: number[];
  /** One entry per (leaf, output index). */
  leafTree: number[];
  leafNode: number[];
  leafOut: number[];
  leafWeight: number[];
}

/** Node ids restart at 0 in each tree, in depth-first pre-order, as the operator allows. */
function flatten(trees: TreeNode[], width: number, what: string): Flat {
  const f: Flat = { treeIds: [], nodeIds: [], featureIds: [], values: [], modes: [], trueIds: [], falseIds: [], missingTrue: [], leafTree: [], leafNode: [], leafOut: [], leafWeight: [] };
  trees.forEach((root, t) => {
    let next = 0;
    const visit = (n: TreeNode): number => {
      const id = next++;
      const at = f.nodeIds.length;
      f.treeIds.push(t);
      f.nodeIds.push(id);
      if ('leaf' in n) {
        if (n.leaf.length !== width) throw new Error(`${what}: tree ${t} leaf ${id} has ${n.leaf.length} values, expected ${width}`);
        f.featureIds.push(0); f.values.push(0); f.modes.push('LEAF'); f.trueIds.push(0); f.falseIds.push(0); f.missingTrue.push(0);
        // Every output gets an entry, zeros included, so each class has a score to compare.
        n.leaf.forEach((w, k) => { f.leafTree.push(t); f.leafNode.push(id); f.leafOut.push(k); f.leafWeight.push(w); });
        return id;
      }
      f.featureIds.push(n.feature); f.values.push(n.threshold); f.modes.push(n.mode ?? 'BRANCH_LEQ');
      f.trueIds.push(0); f.falseIds.push(0); f.missingTrue.push(n.missingGoesTrue ? 1 : 0);
      f.trueIds[at] = visit(n.ifTrue);
      f.falseIds[at] = visit(n.ifFalse);
      return id;
    };
    visit(root);
  });
  return f;
}

function nodeAttrs(f: Flat) {
  return {
    nodes_treeids: attr.ints(f.treeIds),
    nodes_nodeids: attr.ints(f.nodeIds),
    nodes_featureids: attr.ints(f.featureIds),
    nodes_values: attr.floats(f.values),
    nodes_modes: attr.strings(f.modes),
    nodes_truenodeids: attr.ints(f.trueIds),
    nodes_falsenodeids: attr.ints(f.falseIds),
    nodes_missing_value_tracks_true: attr.ints(f.missingTrue),
  };
}

export interface TreeClassifierSpec {
  name: string;
  featureCount: number;
  /** Integer class labels; leaf score k belongs to classLabels[k]. */
  classLabels: number[];
  trees: TreeNode[];
  baseValues?: number[];
  postTransform?: PostTransform;
  inputName?: string;
}

/**
 * Input [N, F] float -> label int64 [N] + probabilities float [N, C] (no ZipMap).
 *
 * Needs 3+ classes. With 2, onnxruntime (checked on 1.30) does not take the argmax: the label
 * is class 1 whenever class 1's score is > 0 (> 0.5 when only class 1 has votes), and the
 * class-0 column is not filled in as 1 - p. A binary model is built as a one-target
 * buildTreeRegressor (AVERAGE of leaf probabilities) and thresholded by the caller.
 */
export function buildTreeClassifier(spec: TreeClassifierSpec): OnnxModel {
  const c = spec.classLabels.length;
  if (c < 3) {
    throw new Error(`tree classifier '${spec.name}': ${c} classes; onnxruntime's 2-class TreeEnsembleClassifier does not label by argmax, build a one-target regressor of P(class 1) instead`);
  }
  if (new Set(spec.classLabels).size !== c) throw new Error(`tree classifier '${spec.name}': duplicate class labels`);
  const f = flatten(spec.trees, c, `tree classifier '${spec.name}'`);
  const input = spec.inputName ?? 'features';
  const g = new GraphBuilder({ name: spec.name }).opset(ML_DOMAIN, 3);
  g.input(input, DataType.FLOAT, ['N', spec.featureCount]);
  g.node('TreeEnsembleClassifier', [input], ['label', 'probabilities'], {
    ...nodeAttrs(f),
    class_treeids: attr.ints(f.leafTree),
    class_nodeids: attr.ints(f.leafNode),
    class_ids: attr.ints(f.leafOut),
    class_weights: attr.floats(f.leafWeight),
    classlabels_int64s: attr.ints(spec.classLabels),
    post_transform: attr.string(spec.postTransform ?? 'NONE'),
    ...(spec.baseValues ? { base_values: attr.floats(spec.baseValues) } : {}),
  }, { domain: ML_DOMAIN });
  g.output('label', DataType.INT64, ['N']);
  g.output('probabilities', DataType.FLOAT, ['N', c]);
  return g.build();
}

export interface TreeRegressorSpec {
  name: string;
  featureCount: number;
  /** Outputs per row (n_targets); each leaf has this many values. */
  targets: number;
  trees: TreeNode[];
  aggregate?: 'SUM' | 'AVERAGE' | 'MIN' | 'MAX';
  baseValues?: number[];
  postTransform?: PostTransform;
  inputName?: string;
  outputName?: string;
}

/** Input [N, F] float -> output float [N, targets]. */
export function buildTreeRegressor(spec: TreeRegressorSpec): OnnxModel {
  const f = flatten(spec.trees, spec.targets, `tree regressor '${spec.name}'`);
  const input = spec.inputName ?? 'features';
  const output = spec.outputName ?? 'variable';
  const g = new GraphBuilder({ name: spec.name }).opset(ML_DOMAIN, 3);
  g.input(input, DataType.FLOAT, ['N', spec.featureCount]);
  g.node('TreeEnsembleRegressor', [input], [output], {
    ...nodeAttrs(f),
    n_targets: attr.int(spec.targets),
    target_treeids: attr.ints(f.leafTree),
    target_nodeids: attr.ints(f.leafNode),
    target_ids: attr.ints(f.leafOut),
    target_weights: attr.floats(f.leafWeight),
    aggregate_function: attr.string(spec.aggregate ?? 'SUM'),
    post_transform: attr.string(spec.postTransform ?? 'NONE'),
    ...(spec.baseValues ? { base_values: attr.floats(spec.baseValues) } : {}),
  }, { domain: ML_DOMAIN });
  g.output(output, DataType.FLOAT, ['N', spec.targets]);
  return g.build();
}
