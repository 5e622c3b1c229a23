/**
 * One validated configuration object shared by the library, the CLI and the service.
 * Sources, later ones winning: defaults, a JSON file (`--config FILE` or FACE_REID_CONFIG),
 * environment variables (FACE_REID_DEVICE, FACE_REID_MODELS), explicit overrides (CLI flags).
 */
import { readFileSync } from 'node:fs';
import { FaceReidError } from './errors';
import { closestKey } from './util/suggest';

import type { Precision } from './models';
export type { Precision };
export type OpenVinoProperties = Record<string, string | number | boolean>;

export interface ModelConfig {
  /** Model precision folder (FP16 is the reference). */
  precision?: Precision;
  /** OpenVINO device string, verbatim: CPU, GPU, GPU.1, NPU, AUTO:GPU,CPU, HETERO:GPU,CPU, MULTI:... */
  device?: string;
  /** OpenVINO properties (PERFORMANCE_HINT, NUM_STREAMS, INFERENCE_PRECISION_HINT, CACHE_DIR...). */
  config?: OpenVinoProperties;
}

/** Sections whose model runs several faces of a frame (landmarks, re-identification). */
export interface BatchingConfig extends ModelConfig {
  /**
   * Most faces in one inference (default 16). A frame's n faces run as one inference of batch n;
   * more faces than this run as several inferences, concurrently (docs/config.md).
   */
  maxBatch?: number;
}

export interface DetectorConfig extends ModelConfig {
  /** Smallest detector confidence kept, 0..1. */
  confidence?: number;
  /** Smallest face kept, in pixels (the shorter side of the box). */
  minFaceSize?: number;
  /** Reshape the detector to the frame's aspect ratio (default true) rather than squeeze it to 300x300. */
  keepAspect?: boolean;
}

export interface ReidConfig extends BatchingConfig {
  antialias?: boolean;
}

export interface FaceReidConfig {
  modelDir?: string;
  /** Default device of every model that names none. */
  device?: string;
  runtime?: { libraryPath?: string };
  detector?: DetectorConfig;
  landmarks?: BatchingConfig;
  reid?: ReidConfig;
  /** Cosine-similarity thresholds: verification (same person) and gallery matching (Unknown below). */
  thresholds?: { verify?: number; match?: number };
}

type Check = (value: unknown, path: string) => void;

function fail(path: string, message: string): never {
  throw new FaceReidError(`Invalid configuration at ${path}: ${message}`, 'CONFIG_INVALID');
}

const isString: Check = (v, p) => {
  if (typeof v !== 'string' || v === '') fail(p, `expected a non-empty string, received ${JSON.stringify(v)}`);
};
const isBoolean: Check = (v, p) => {
  if (typeof v !== 'boolean') fail(p, `expected true or false, received ${JSON.stringify(v)}`);
};
const numberIn = (lo: number, hi: number): Check => (v, p) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) fail(p, `expected a number in [${lo}, ${hi}], received ${JSON.stringify(v)}`);
};
const integerIn = (lo: number, hi: number): Check => (v, p) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) fail(p, `expected a whole number in [${lo}, ${hi}], received ${JSON.stringify(v)}`);
};
const isPrecision: Check = (v, p) => {
  if (v !== 'FP16' && v !== 'FP16-INT8' && v !== 'FP32') fail(p, `expected "FP16", "FP16-INT8" or "FP32", received ${JSON.stringify(v)}`);
};
const isProperties: Check = (v, p) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p, 'expected an object of OpenVINO properties');
  for (const [k, value] of Object.entries(v as object)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) fail(`${p}.${k}`, `expected a string, number or boolean, received ${JSON.stringify(value)}`);
  }
};

function objectOf(shape: Record<string, Check>): Check {
  return (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p, `expected an object, received ${JSON.stringify(v)}`);
    for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
      const check = shape[key];
      if (!check) {
        const known = Object.keys(shape);
        const near = closestKey(key, known);
        fail(`${p}.${key}`, `unknown key${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${known.join(', ')}`);
      }
      if (value !== undefined) check(value, `${p}.${key}`);
    }
  };
}

const modelShape = { precision: isPrecision, device: isString, config: isProperties };

const validateRoot = objectOf({
  modelDir: isString,
  device: isString,
  runtime: objectOf({ libraryPath: isString }),
  detector: objectOf({ ...modelShape, confidence: numberIn(0, 1), minFaceSize: numberIn(0, 1e5), keepAspect: isBoolean }),
  landmarks: objectOf({ ...modelShape, maxBatch: integerIn(1, 64) }),
  reid: objectOf({ ...modelShape, maxBatch: integerIn(1, 64), antialias: isBoolean }),
  thresholds: objectOf({ verify: numberIn(-1, 1), match: numberIn(-1, 1) }),
});

/** Throws CONFIG_INVALID naming the first bad key; returns the same object typed. */
export function validateConfig(value: unknown, origin = 'config'): FaceReidConfig {
  validateRoot(value, origin);
  return value as FaceReidConfig;
}

export function readConfigFile(file: string): FaceReidConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FaceReidError(`Cannot read the configuration file ${file}: ${(err as Error).message}`, 'CONFIG_INVALID');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FaceReidError(`The configuration file ${file} is not valid JSON: ${(err as Error).message}`, 'CONFIG_INVALID');
  }
  return validateConfig(parsed, file);
}

function mergeModel<T extends ModelConfig>(base: T | undefined, over: T | undefined): T {
  return { ...base, ...over, config: { ...base?.config, ...over?.config } } as T;
}

const SECTIONS = ['detector', 'landmarks', 'reid'] as const;

/**
 * `over` wins key by key; nested model sections and their properties merge. A top-level
 * `device` in `over` also replaces the devices that `base`'s sections named, unless `over`
 * names a section's device itself: a later layer's "everything on GPU" means everything.
 */
export function mergeConfig(base: FaceReidConfig, over: FaceReidConfig): FaceReidConfig {
  const merged: FaceReidConfig = {
    ...base,
    ...over,
    runtime: { ...base.runtime, ...over.runtime },
    detector: mergeModel(base.detector, over.detector),
    landmarks: mergeModel(base.landmarks, over.landmarks),
    reid: mergeModel(base.reid, over.reid),
    thresholds: { ...base.thresholds, ...over.thresholds },
  };
  if (over.device) {
    for (const key of SECTIONS) merged[key] = { ...merged[key], device: over[key]?.device ?? over.device };
  }
  return merged;
}

/**
 * The effective configuration: file (explicit path, else FACE_REID_CONFIG), then the
 * environment (FACE_REID_DEVICE sets every model's device, FACE_REID_MODELS the model folder),
 * then `overrides` (library options or CLI flags).
 */
export function loadConfig(options: { file?: string; overrides?: FaceReidConfig; env?: NodeJS.ProcessEnv } = {}): FaceReidConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.FACE_REID_CONFIG;
  let config: FaceReidConfig = file ? readConfigFile(file) : {};
  const fromEnv: FaceReidConfig = {};
  if (env.FACE_REID_DEVICE) fromEnv.device = env.FACE_REID_DEVICE;
  config = mergeConfig(config, validateConfig(fromEnv, 'environment'));
  if (options.overrides) config = mergeConfig(config, validateConfig(options.overrides, 'options'));
  return config;
}

/** A model section with the top-level device filled in where the section names none. */
export function modelSection<K extends 'detector' | 'landmarks' | 'reid'>(config: FaceReidConfig, key: K): NonNullable<FaceReidConfig[K]> {
  const section = (config[key] ?? {}) as NonNullable<FaceReidConfig[K]>;
  return { ...section, device: section.device ?? config.device ?? 'CPU' };
}
