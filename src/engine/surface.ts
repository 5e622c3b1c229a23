/**
 * The small engine surface FaceReid and BatchedModel use, so that either engine can serve them:
 * 'c-api' (this package's addon over libopenvino_c, the default) or 'openvino-node' (Intel's
 * Node binding, when the user already has it and its runtime).
 */
import { FaceReidError, outOfRange } from '../errors';
import type { EngineModel } from './engine-model';
import { compileWithOpenvinoNode, loadOpenvinoNode } from './openvino-node-adapter';
import { openvino, type CompileOptions } from './openvino';

export type { EngineInferRequest, EngineModel } from './engine-model';

export type EngineName = 'c-api' | 'openvino-node';
export const ENGINE_NAMES: readonly EngineName[] = ['c-api', 'openvino-node'];

/** Validates an engine name (undefined means 'c-api'); loads nothing. */
export function checkEngine(engine: unknown, name = 'engine'): EngineName {
  if (engine === undefined) return 'c-api';
  if (!ENGINE_NAMES.includes(engine as EngineName)) throw outOfRange("'c-api' or 'openvino-node'", name, engine);
  return engine as EngineName;
}

/**
 * Validates the name and makes sure the engine can serve: for 'openvino-node', that the package
 * loads and has every method the adapter calls (ENGINE_UNAVAILABLE naming the version needed
 * otherwise), so that an old openvino-node fails here and not halfway through a compile.
 */
export function chooseEngine(engine: unknown, name = 'engine'): EngineName {
  const chosen = checkEngine(engine, name);
  if (chosen === 'openvino-node') loadOpenvinoNode();
  return chosen;
}

/** Compiles with the named engine (files only: the openvino-node path reads IR from disk). */
export async function compileWith(engine: EngineName, options: CompileOptions): Promise<EngineModel> {
  if (engine === 'c-api') return openvino.compileModelAsync(options);
  if (typeof options.xml !== 'string' || (options.bin !== undefined && typeof options.bin !== 'string')) {
    throw new FaceReidError("engine 'openvino-node' compiles from files only", 'ENGINE_UNAVAILABLE');
  }
  return compileWithOpenvinoNode({ ...options, xml: options.xml, bin: options.bin as string | undefined });
}
