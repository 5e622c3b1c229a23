/**
 * engine: 'openvino-node' — the EngineModel surface on Intel's openvino-node package, for users
 * who already have it and its runtime (its runtime has no C API, so the addon cannot use it).
 *
 * Input memory is SHARED: inputBuffer() returns a Float32Array that an openvino-node Tensor
 * wraps (`new Tensor('f32', shape, array)` wraps, it does not copy), bound with setInputTensor,
 * so alignment writes straight into the tensor's data. (`tensor.data` would be a copy, so it is
 * never used for inputs.) Outputs are copies (`tensor.data`).
 *
 * openvino-node is not a dependency and is not installed in this project's CI; the types below
 * are the part of it this file calls, and `npm run typecheck:openvino-node` checks them against
 * openvino-node's published .d.ts. Nothing here runs in the test suite.
 */
import { FaceReidError } from '../errors';
import type { PortInfo } from './binding';
import type { CompileOptions } from './openvino';
import type { EngineInferRequest, EngineModel } from './engine-model';

/* The openvino-node surface used here. Property (not method) syntax, so that the type-check
 * against the real .d.ts compares parameters strictly; generic over openvino-node's own Tensor
 * and Model types, which only ever travel from openvino-node back into it. */
export interface OvNodeTensor {
  readonly data: ArrayLike<number> | ArrayLike<bigint>;
  getShape: () => number[];
}
export interface OvNodeOutput {
  readonly anyName: string;
  getShape: () => number[];
}
export interface OvNodeInferRequest<T extends OvNodeTensor = OvNodeTensor> {
  setInputTensor: (idx: number, tensor: T) => void;
  inferAsync: (inputs: T[]) => Promise<Record<string, T>>;
}
export interface OvNodeCompiledModel<T extends OvNodeTensor = OvNodeTensor> {
  readonly inputs: OvNodeOutput[];
  readonly outputs: OvNodeOutput[];
  getProperty: (name: string) => string | number | boolean;
  createInferRequest: () => OvNodeInferRequest<T>;
}
export interface OvNodeModel {
  readonly inputs: OvNodeOutput[];
  reshape: (shape: string) => unknown;
}
export interface OvNodeCore<T extends OvNodeTensor = OvNodeTensor, M extends OvNodeModel = OvNodeModel> {
  readModel: (xmlPath: string, binPath?: string) => Promise<M>;
  compileModel: (model: M, device: string, config?: Record<string, string | number | boolean>) => Promise<OvNodeCompiledModel<T>>;
}
export interface OvNodeApi<T extends OvNodeTensor = OvNodeTensor, M extends OvNodeModel = OvNodeModel> {
  Core: new () => OvNodeCore<T, M>;
  Tensor: new (type: 'f32', shape: number[], data: Float32Array) => T;
}

let api: OvNodeApi | undefined;
let core: OvNodeCore | undefined;

/** The first openvino-node release whose Model has reshape() (its published types say so; 2025.2.0's do not). */
export const OPENVINO_NODE_MINIMUM = '2025.3.0';

/**
 * Every method this adapter calls, by the class that carries it in openvino-node's addon
 * (N-API classes keep their methods on the prototype). Kept beside the calls below: a new call
 * means a new entry here.
 */
const REQUIRED_METHODS: Record<string, string[]> = {
  Core: ['readModel', 'compileModel'],
  Model: ['reshape'],
  CompiledModel: ['createInferRequest', 'getProperty'],
  InferRequest: ['setInputTensor', 'inferAsync'],
  Output: ['getShape'],
  Tensor: ['getShape'],
};

/** The methods in REQUIRED_METHODS that an openvino-node addon object lacks, as "Class.method". */
export function missingOpenvinoNodeMethods(addon: unknown): string[] {
  const missing: string[] = [];
  const classes = (typeof addon === 'object' && addon !== null ? addon : {}) as Record<string, unknown>;
  for (const [name, methods] of Object.entries(REQUIRED_METHODS)) {
    const cls = classes[name];
    const proto = typeof cls === 'function' ? (cls.prototype as Record<string, unknown> | undefined) : undefined;
    if (!proto) {
      missing.push(`${name} (not exported)`);
      continue;
    }
    for (const method of methods) if (typeof proto[method] !== 'function') missing.push(`${name}.${method}`);
  }
  return missing;
}

/**
 * The addon of the openvino-node module given (what `require('openvino-node')` returns), once it
 * is known to have every method the adapter calls; ENGINE_UNAVAILABLE naming what is missing and
 * the release needed otherwise. `version` is the package's own (its package.json), for the message.
 */
export function checkOpenvinoNode(module: unknown, version: string | undefined): OvNodeApi {
  const addon = (module as { addon?: unknown } | null)?.addon;
  const missing = missingOpenvinoNodeMethods(addon);
  if (missing.length > 0) {
    throw new FaceReidError(
      `engine 'openvino-node' needs openvino-node ${OPENVINO_NODE_MINIMUM} or later (tested with 2026.4.0); ` +
        `the installed openvino-node${version ? ` ${version}` : ''} lacks ${missing.join(', ')}. ` +
        `Upgrade it (\`npm install openvino-node@^2026\`), or use engine: 'c-api'.`,
      'ENGINE_UNAVAILABLE',
    );
  }
  return addon as OvNodeApi;
}

/** openvino-node's addon, loaded and checked on first use; ENGINE_UNAVAILABLE (with the fix) when absent or too old. */
export function loadOpenvinoNode(): OvNodeApi {
  if (api) return api;
  let module: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    module = require('openvino-node');
  } catch (err) {
    throw new FaceReidError(
      `engine 'openvino-node' needs the openvino-node package and its runtime: ${(err as Error).message.split('\n')[0]}. ` +
        "Install it with `npm install openvino-node` (its install step downloads the runtime), or use engine: 'c-api'.",
      'ENGINE_UNAVAILABLE',
    );
  }
  let version: string | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    version = (require('openvino-node/package.json') as { version?: string }).version;
  } catch {
    /* a build without its package.json: the message then names no version */
  }
  api = checkOpenvinoNode(module, version);
  return api;
}

const elementCount = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

class OvNodeRequest implements EngineInferRequest {
  readonly #request: OvNodeInferRequest;
  readonly #inputs: PortInfo[];
  readonly #outputs: PortInfo[];
  /** Per input: the caller-visible array and the Tensor wrapping it (both kept alive together). */
  readonly #bound = new Map<number, { array: Float32Array; tensor: OvNodeTensor }>();

  constructor(request: OvNodeInferRequest, inputs: PortInfo[], outputs: PortInfo[]) {
    this.#request = request;
    this.#inputs = inputs;
    this.#outputs = outputs;
  }

  inputBuffer(index = 0): Float32Array {
    const port = this.#inputs[index];
    if (!port) throw new FaceReidError(`The model has no input ${index}`, 'INPUT_MISMATCH');
    let slot = this.#bound.get(index);
    if (!slot) {
      const array = new Float32Array(elementCount(port.shape));
      const tensor = new (loadOpenvinoNode().Tensor)('f32', port.shape, array);
      this.#request.setInputTensor(index, tensor);
      slot = { array, tensor };
      this.#bound.set(index, slot);
    }
    return slot.array;
  }

  async infer(): Promise<Record<string, Float32Array>> {
    const tensors = this.#inputs.map((_, i) => {
      const slot = this.#bound.get(i);
      if (!slot) throw new FaceReidError(`input ${i} was never filled: call inputBuffer(${i}) first`, 'INPUT_MISMATCH');
      return slot.tensor;
    });
    const results = await this.#request.inferAsync(tensors);
    const outputs: Record<string, Float32Array> = {};
    for (const port of this.#outputs) {
      const data = results[port.name]?.data;
      if (!(data instanceof Float32Array)) throw new FaceReidError(`output "${port.name}" is not f32`, 'INPUT_MISMATCH');
      outputs[port.name] = data;
    }
    return outputs;
  }

  close(): void {
    // openvino-node frees requests and tensors when they are collected; dropping them is all.
    this.#bound.clear();
  }
}

class OvNodeModelAdapter implements EngineModel {
  readonly #compiled: OvNodeCompiledModel;
  readonly inputs: PortInfo[];
  readonly outputs: PortInfo[];
  readonly device: string;

  constructor(compiled: OvNodeCompiledModel, device: string) {
    this.#compiled = compiled;
    this.device = device;
    // openvino-node's ports carry no element type; the models this package runs take and give f32.
    this.inputs = compiled.inputs.map((p) => ({ name: p.anyName, shape: p.getShape(), elementType: 'f32' }));
    this.outputs = compiled.outputs.map((p) => ({ name: p.anyName, shape: p.getShape(), elementType: 'f32' }));
  }

  get optimalInferRequests(): number {
    return Number(this.#compiled.getProperty('OPTIMAL_NUMBER_OF_INFER_REQUESTS'));
  }

  createInferRequest(): EngineInferRequest {
    return new OvNodeRequest(this.#compiled.createInferRequest(), this.inputs, this.outputs);
  }

  close(): void {
    /* collected by openvino-node's garbage collection */
  }
}

/** Reads the IR, sets the batch and image size of the single input, compiles with openvino-node. */
export async function compileWithOpenvinoNode(options: CompileOptions & { xml: string; bin?: string }): Promise<EngineModel> {
  const ov = loadOpenvinoNode();
  core ??= new ov.Core();
  const model = await core.readModel(options.xml, options.bin);
  if (options.batch !== undefined || options.imageSize !== undefined) {
    if (model.inputs.length !== 1) throw new FaceReidError('engine openvino-node reshapes single-input models only', 'INPUT_MISMATCH');
    const shape = [...model.inputs[0].getShape()];
    if (options.batch !== undefined) shape[0] = options.batch;
    if (options.imageSize !== undefined) {
      if (shape.length !== 4) throw new FaceReidError('engine openvino-node: imageSize needs an NCHW (rank 4) input', 'INPUT_MISMATCH');
      [shape[2], shape[3]] = [options.imageSize.height, options.imageSize.width];
    }
    model.reshape(`[${shape.join(',')}]`);
  }
  const device = options.device ?? 'CPU';
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.config ?? {})) config[key] = typeof value === 'boolean' ? (value ? 'YES' : 'NO') : String(value);
  return new OvNodeModelAdapter(await core.compileModel(model, device, config), device);
}
