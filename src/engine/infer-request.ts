import { FaceReidError, invalidType, outOfRange } from '../errors';
import type { NativeInferRequest, OutputArray, PortInfo } from './binding';

export type InferInputs = Record<string, ArrayBufferView> | ArrayBufferView[];
export type InferOutputs = Record<string, OutputArray>;

/**
 * One inference context of a CompiledModel. Inputs are SHARED (zero copy): OpenVINO reads
 * the caller's typed array in place, so it may be filled again between inferences without
 * being passed again. Outputs are COPIED into fresh typed arrays on every inference.
 * One inference at a time: a second one while `busy` fails with REQUEST_BUSY.
 */
export class InferRequest {
  readonly #native: NativeInferRequest;
  readonly #inputs: PortInfo[];
  readonly #buffers = new Map<number, Float32Array>();
  readonly #bound = new Map<number, ArrayBufferView>();

  /** @internal Use `compiledModel.createInferRequest()`. */
  constructor(native: NativeInferRequest, inputs: PortInfo[]) {
    this.#native = native;
    this.#inputs = inputs;
  }

  /** True while an `infer()` is in flight. */
  get busy(): boolean {
    return this.#native.busy();
  }

  /**
   * Binds `data` as the input tensor (shared, not copied; byteOffset honoured). Its type and
   * byte length must match the port exactly. Keep it unchanged while an inference runs.
   */
  setInput(nameOrIndex: string | number, data: ArrayBufferView): void {
    const index = this.#portIndex(nameOrIndex);
    if (!ArrayBuffer.isView(data) || data instanceof DataView) throw invalidType('a typed array', `input "${this.#inputs[index].name}"`, data);
    this.#native.setInput(index, data);
    this.#bound.set(index, data);
  }

  /**
   * A Float32Array of the port's size, allocated once and bound as the input tensor (shared):
   * write into it in place, then call `infer()`/`inferSync()` without arguments.
   */
  inputBuffer(nameOrIndex: string | number = 0): Float32Array {
    const index = this.#portIndex(nameOrIndex);
    const port = this.#inputs[index];
    if (port.elementType !== 'f32') {
      throw new FaceReidError(`input "${port.name}" has element type ${port.elementType}; inputBuffer() serves f32 inputs only`, 'INPUT_MISMATCH');
    }
    let buffer = this.#buffers.get(index);
    if (!buffer) {
      buffer = new Float32Array(port.shape.reduce((a, b) => a * b, 1));
      this.#buffers.set(index, buffer);
    }
    if (this.#bound.get(index) !== buffer) this.setInput(index, buffer);
    return buffer;
  }

  /** Runs one inference off the JS thread; resolves with copied outputs keyed by output name. */
  async infer(inputs?: InferInputs): Promise<InferOutputs> {
    if (inputs !== undefined) this.#bind(inputs);
    return this.#native.infer();
  }

  /** Runs one inference on the calling thread; returns copied outputs keyed by output name. */
  inferSync(inputs?: InferInputs): InferOutputs {
    if (inputs !== undefined) this.#bind(inputs);
    return this.#native.inferSync();
  }

  /** Frees the request (after the inference in flight, if any, which then rejects with CLOSED). */
  close(): void {
    this.#native.close();
    this.#bound.clear();
  }

  #bind(inputs: InferInputs): void {
    if (Array.isArray(inputs)) {
      inputs.forEach((data, i) => this.setInput(i, data));
    } else if (typeof inputs === 'object' && inputs !== null && !ArrayBuffer.isView(inputs)) {
      for (const [name, data] of Object.entries(inputs)) this.setInput(name, data);
    } else if (ArrayBuffer.isView(inputs) && this.#inputs.length === 1) {
      this.setInput(0, inputs);
    } else {
      throw invalidType('an object or array of typed arrays', 'inputs', inputs);
    }
  }

  #portIndex(nameOrIndex: string | number): number {
    if (typeof nameOrIndex === 'number') {
      if (!Number.isInteger(nameOrIndex) || nameOrIndex < 0 || nameOrIndex >= this.#inputs.length) {
        throw outOfRange(`an input index from 0 to ${this.#inputs.length - 1}`, 'nameOrIndex', nameOrIndex);
      }
      return nameOrIndex;
    }
    if (typeof nameOrIndex !== 'string') throw invalidType('an input name or index', 'nameOrIndex', nameOrIndex);
    const index = this.#inputs.findIndex((port) => port.name === nameOrIndex);
    if (index < 0) {
      const names = this.#inputs.map((port) => JSON.stringify(port.name)).join(', ');
      throw new FaceReidError(`The model has no input named ${JSON.stringify(nameOrIndex)} (inputs: ${names})`, 'INPUT_MISMATCH');
    }
    return index;
  }
}
