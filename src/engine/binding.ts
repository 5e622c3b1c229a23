/**
 * The raw native surface of the engine, typed. Private to the package: the public
 * classes (openvino.ts, compiled-model.ts, infer-request.ts) validate arguments and
 * delegate here.
 */
import { loadAddon } from '../native';

export type ElementType =
  | 'boolean' | 'bf16' | 'f16' | 'f32' | 'f64' | 'i4' | 'i8' | 'i16' | 'i32' | 'i64'
  | 'u1' | 'u2' | 'u3' | 'u4' | 'u6' | 'u8' | 'u16' | 'u32' | 'u64' | 'nf4' | 'string' | 'dynamic'
  | (string & {});

export interface PortInfo {
  /** Tensor name ("" when the port has none). */
  name: string;
  /** Dimensions; -1 marks a dynamic one. */
  shape: number[];
  elementType: ElementType;
}

export interface RawCompileSpec {
  xml: string | Uint8Array;
  bin?: string | Uint8Array;
  device: string;
  config: [string, string][];
  batch?: number;
  /** [width, height] of every NCHW input. */
  imageSize?: [number, number];
}

export type OutputArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface NativeInferRequest {
  setInput(index: number, data: ArrayBufferView): void;
  inferSync(): Record<string, OutputArray>;
  infer(): Promise<Record<string, OutputArray>>;
  busy(): boolean;
  close(): void;
}

export interface NativeCompiledModel {
  inputs(): PortInfo[];
  outputs(): PortInfo[];
  device(): string;
  getProperty(name: string): string;
  createInferRequest(): NativeInferRequest;
  close(): void;
}

export interface NativeCore {
  devices(): { name: string; fullName: string }[];
  compile(spec: RawCompileSpec): NativeCompiledModel;
  compileAsync(spec: RawCompileSpec): Promise<NativeCompiledModel>;
  close(): void;
}

export interface EngineBinding {
  openRuntime(libraryPath: string): { libraryPath: string; version: string };
  Core: new () => NativeCore;
}

export function engineBinding(): EngineBinding {
  return loadAddon() as EngineBinding;
}
