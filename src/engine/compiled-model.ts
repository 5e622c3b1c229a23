import { invalidType } from '../errors';
import type { NativeCompiledModel, PortInfo } from './binding';
import { InferRequest } from './infer-request';

/**
 * A model compiled for one device. Port descriptions are snapshots (plain objects).
 * close() releases this object's hold; infer requests already created keep working
 * until they are closed themselves.
 */
export class CompiledModel {
  readonly #native: NativeCompiledModel;
  /** Model inputs, in order. */
  readonly inputs: PortInfo[];
  /** Model outputs, in order. */
  readonly outputs: PortInfo[];
  /** The device string the model was compiled for, as given ("CPU", "AUTO:GPU,CPU", ...). */
  readonly device: string;

  /** @internal Use `openvino.compileModel()`. */
  constructor(native: NativeCompiledModel) {
    this.#native = native;
    this.inputs = native.inputs();
    this.outputs = native.outputs();
    this.device = native.device();
  }

  /** OpenVINO's OPTIMAL_NUMBER_OF_INFER_REQUESTS for this model and its configuration. */
  get optimalInferRequests(): number {
    return Number(this.#native.getProperty('OPTIMAL_NUMBER_OF_INFER_REQUESTS'));
  }

  /** A compiled-model property as OpenVINO prints it, e.g. getProperty('PERFORMANCE_HINT'). */
  getProperty(name: string): string {
    if (typeof name !== 'string' || name === '') throw invalidType('a property name', 'name', name);
    return this.#native.getProperty(name);
  }

  createInferRequest(): InferRequest {
    return new InferRequest(this.#native.createInferRequest(), this.inputs);
  }

  close(): void {
    this.#native.close();
  }
}
