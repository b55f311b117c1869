/**
 * Model bundles (model.onnx + manifest.json): the manifest contract, the bundle validation
 * and the registry of imported models. models/README.md documents the format.
 */
export { MANIFEST_FORMAT, MODEL_ROLES, declaredOutputs, manifestProblems, manifestWarnings, type AlphaOutputs, type Direction, type GuardOutputs, type ModelManifest, type ModelRole, type RiskOutputs } from './manifest.ts';
export { RUNTIME_MAX_OPSET, validateBundle, type BundleReport, type ValidateOptions } from './validate.ts';
export { ModelRegistry, createMemoryModelStorage, modelId, type DeleteResult, type ImportOutcome, type ImportResult, type ModelStorage, type ModelSummary, type RegistryOptions, type StoredModel, type UsedBy } from './registry.ts';
