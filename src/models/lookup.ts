/**
 * Finds a model's IR files on disk and checks them against the manifest before anyone hands them
 * to OpenVINO (a truncated .bin otherwise surfaces as an obscure runtime error, or not at all).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceReidError, invalidType } from '../errors';
import { searchLocations, type ModelLocation } from './locations';
import { checkModelName, checkPrecision, DEFAULT_PRECISION, modelFiles, modelRelativePath, type ModelName, type Precision } from './manifest';
import { verifyFile } from './verify';

export interface ResolveModelOptions {
  /** A folder in Open Model Zoo layout (`<model>/<precision>/<model>.xml|bin`), tried first. */
  modelDir?: string;
  /** Check size and SHA-384 against the manifest (default true; results are remembered per file). */
  verify?: boolean;
}

export interface ResolvedModel {
  xml: string;
  bin: string;
  /** The folder holding both files. */
  dir: string;
  /** Which search location supplied the files. */
  origin: ModelLocation['origin'];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The command that puts `model` at `precision` where the lookup will find it. */
export function fetchCommand(model: ModelName, precision: Precision): string {
  return `face-reid models fetch --model ${model} --precision ${precision}`;
}

/**
 * Looks in the `modelDir` option, then `FACE_REID_MODELS`, then the cache
 * (`FACE_REID_CACHE_DIR`, else ~/.cache/ov-face-reid/models). The first place holding both files
 * wins; if those files fail verification that is an error rather than a reason to look further,
 * so a corrupted copy is never silently shadowed by (or shadowing) another.
 */
export async function resolveModel(
  model: ModelName,
  precision: Precision = DEFAULT_PRECISION,
  options: ResolveModelOptions = {},
): Promise<ResolvedModel> {
  checkModelName(model);
  checkPrecision(precision);
  if (options === null || typeof options !== 'object') throw invalidType('an object', 'options', options);
  if (options.modelDir !== undefined && typeof options.modelDir !== 'string') {
    throw invalidType('a folder path string', 'options.modelDir', options.modelDir);
  }
  if (options.verify !== undefined && typeof options.verify !== 'boolean') {
    throw invalidType('a boolean', 'options.verify', options.verify);
  }
  const facts = modelFiles(model, precision);

  const tried: string[] = [];
  for (const location of searchLocations(options.modelDir)) {
    const xml = join(location.dir, modelRelativePath(model, precision, 'xml'));
    const bin = join(location.dir, modelRelativePath(model, precision, 'bin'));
    const [hasXml, hasBin] = await Promise.all([isFile(xml), isFile(bin)]);
    if (hasXml && hasBin) {
      if (options.verify !== false) {
        await verifyFile(xml, facts.xml);
        await verifyFile(bin, facts.bin);
      }
      return { xml, bin, dir: join(location.dir, model, precision), origin: location.origin };
    }
    const state = hasXml ? 'has the .xml but not the .bin' : hasBin ? 'has the .bin but not the .xml' : 'not there';
    tried.push(`  ${join(location.dir, model, precision)} (${location.origin}): ${state}`);
  }
  throw new FaceReidError(
    `Model ${model} (${precision}) not found. Looked in:\n${tried.join('\n')}\n` +
      `Download it with: ${fetchCommand(model, precision)}\n` +
      '(it writes to FACE_REID_MODELS if set, else to the cache; --dest DIR writes elsewhere, then pass that folder as modelDir)',
    'MODEL_NOT_FOUND',
  );
}
