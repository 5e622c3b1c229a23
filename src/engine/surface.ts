/**
 * The small engine surface FaceReid and BatchedModel use, so that either engine can serve them:
 * 'c-api' (this package's addon over libopenvino_c, the default) or 'openvino-node' (Intel's
 * Node binding, when the user already has it and its runtime).
 */
import { FaceReidError, outOfRange } from '../errors';
import type { OutputArray, PortInfo } from './binding';
import { openvino, type CompileOptions } from './openvino';

export type EngineName = 'c-api' | 'openvino-node';
export const ENGINE_NAMES: readonly EngineName[] = ['c-api', 'openvino-node'];

export interface EngineInferRequest {
  /** A Float32Array that is the input tensor's memory (shared): write, then infer(). */
  inputBuffer(index?: number): Float32Array;
  /** Runs one inference; outputs keyed by tensor name, copied. */
  infer(): Promise<Record<string, OutputArray>>;
  close(): void;
}

export interface EngineModel {
  readonly inputs: PortInfo[];
  readonly outputs: PortInfo[];
  readonly optimalInferRequests: number;
  readonly device: string;
  createInferRequest(): EngineInferRequest;
  close(): void;
}

export function checkEngine(engine: unknown, name = 'engine'): EngineName {
  if (engine === undefined) return 'c-api';
  if (!ENGINE_NAMES.includes(engine as EngineName)) throw outOfRange("'c-api' or 'openvino-node'", name, engine);
  return engine as EngineName;
}

/** Compiles with the named engine (files only: the openvino-node path reads IR from disk). */
export async function compileWith(engine: EngineName, options: CompileOptions): Promise<EngineModel> {
  if (engine === 'c-api') return openvino.compileModelAsync(options);
  if (typeof options.xml !== 'string' || (options.bin !== undefined && typeof options.bin !== 'string')) {
    throw new FaceReidError("engine 'openvino-node' compiles from files only", 'ENGINE_UNAVAILABLE');
  }
  // Loaded on demand: openvino-node is optional and absent from most installs.
  const { compileWithOpenvinoNode } = await import('./openvino-node-adapter');
  return compileWithOpenvinoNode({ ...options, xml: options.xml, bin: options.bin as string | undefined });
}
