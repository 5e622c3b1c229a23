/**
 * What either engine hands FaceReid and BatchedModel: a compiled model and its infer requests.
 * Types only, in their own module, so that the engine surface (which chooses an engine) and the
 * openvino-node adapter (which implements one) both depend on this file and not on each other.
 */
import type { OutputArray, PortInfo } from './binding';

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
