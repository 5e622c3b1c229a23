export {
  MODEL_NAMES,
  PRECISIONS,
  DEFAULT_PRECISION,
  modelFiles,
  publishedPrecisions,
  manifestRelease,
  isModelName,
  isPrecision,
  type ModelName,
  type Precision,
  type ModelFileKind,
  type ModelFileFacts,
  type ModelFiles,
} from './manifest';
export { resolveModel, fetchCommand, type ResolveModelOptions, type ResolvedModel } from './lookup';
export { fetchModels, planFetch, type FetchOptions, type FetchProgress, type FetchedFile, type PlannedFile, type FetchStatus } from './fetch';
export { cacheDir, searchLocations, defaultFetchDestination, type ModelLocation } from './locations';
export { checkFile, clearVerificationCache, type FileCheck, type FileStatus } from './verify';
