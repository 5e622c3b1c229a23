/** Argument helpers shared by the commands: landmarks, model and device flags, JSON output. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { outOfRange } from '../errors';
import { loadConfig, modelSection, type DetectorConfig, type FaceReidConfig, type Precision } from '../config';
import type { FacePipelineOptions } from '../pipeline';
import type { FaceReidOptions } from '../reid';

/** Flags every model-running command accepts. */
export const modelFlags = {
  device: { type: 'string' },
  precision: { type: 'string' },
  'model-dir': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, allowPositionals = true): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>> {
  return parseArgs({ args: argv, options, allowPositionals, strict: true });
}

/** "x1,y1,x2,y2,...,x5,y5" -> Float64Array(10) */
export function parseLandmarkList(text: string | undefined, flag: string): Float64Array {
  const values = (text ?? '').split(/[,\s]+/).filter(Boolean).map(Number);
  if (values.length !== 10 || !values.every(Number.isFinite)) {
    throw outOfRange('ten numbers x1,y1,...,x5,y5 (left eye, right eye, nose tip, left and right mouth corner)', flag, text);
  }
  return Float64Array.from(values);
}

/**
 * FaceReid options for the landmark-driven commands: the configuration (--config or
 * FACE_REID_CONFIG, then FACE_REID_DEVICE) for the reid model, with the flags on top.
 */
export function reidSettingsFrom(values: { config?: string; device?: string; precision?: string; 'model-dir'?: string }): { options: FaceReidOptions; thresholds: FaceReidConfig['thresholds'] } {
  const overrides: FaceReidConfig = {};
  if (values.device) overrides.device = values.device;
  if (values['model-dir']) overrides.modelDir = values['model-dir'];
  if (values.precision) overrides.reid = { precision: values.precision as Precision };
  const config = loadConfig({ file: values.config, overrides });
  const reid = modelSection(config, 'reid');
  return {
    options: { device: reid.device, precision: reid.precision, config: reid.config, antialias: reid.antialias, modelDir: config.modelDir, runtime: config.runtime },
    thresholds: config.thresholds,
  };
}

export function printHelp(usage: string): number {
  console.log(usage);
  return 0;
}

/** Flags of the commands that run the whole pipeline (detector, landmarks, re-identification). */
export const pipelineFlags = {
  ...modelFlags,
  confidence: { type: 'string' },
  'min-face': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** CLI flags on top of the configuration file: --device sets every model's device. */
export function pipelineOptionsFrom(values: {
  config?: string;
  device?: string;
  precision?: string;
  'model-dir'?: string;
  confidence?: string;
  'min-face'?: string;
}): FacePipelineOptions {
  const options: FacePipelineOptions = { configFile: values.config };
  if (values['model-dir']) options.modelDir = values['model-dir'];
  const detector: DetectorConfig = {};
  if (values.device) {
    options.device = values.device;
    detector.device = values.device;
    options.landmarks = { device: values.device };
    options.reid = { device: values.device };
  }
  if (values.precision) options.reid = { ...options.reid, precision: values.precision as Precision };
  if (values.confidence !== undefined) detector.confidence = Number(values.confidence);
  if (values['min-face'] !== undefined) detector.minFaceSize = Number(values['min-face']);
  options.detector = detector;
  return options;
}
