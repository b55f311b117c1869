/**
 * The model builder's public face: the generic graph builder plus the two model families
 * the project writes itself (MLPs and tree ensembles). Split over three files to keep each
 * small; import from here.
 */
export { GraphBuilder, attr, floatTensor, int64Tensor, DEFAULT_IR_VERSION, DEFAULT_OPSETS, ML_DOMAIN, type GraphBuilderOptions } from './graph-builder.ts';
export { buildMlp, type DenseLayer, type MlpHead, type MlpSpec } from './mlp.ts';
export { buildTreeClassifier, buildTreeRegressor, type BranchMode, type PostTransform, type TreeNode, type TreeClassifierSpec, type TreeRegressorSpec } from './trees.ts';
