import { invalidType, outOfRange } from '../errors';
import type { RawCompileSpec } from './binding';
import { CompiledModel } from './compiled-model';
import { getCore, loadRuntime, RuntimeInfo, RuntimeOptions } from './runtime';

export interface CompileOptions {
  /** Path of the IR .xml, or its bytes (then `bin` holds the weights' bytes; both are copied). */
  xml: string | Uint8Array;
  /** Path of the .bin (default: beside the .xml), or the weights' bytes when `xml` is bytes. */
  bin?: string | Uint8Array;
  /** OpenVINO device string, passed verbatim: CPU (default), GPU.1, AUTO:GPU,CPU, HETERO:..., MULTI:... */
  device?: string;
  /** Compile properties, e.g. { PERFORMANCE_HINT: 'THROUGHPUT', NUM_STREAMS: 2 }. */
  config?: Record<string, string | number | boolean>;
  /** Sets dimension 0 of every input before compiling. */
  batch?: number;
  /** Sets the height and width (dimensions 2 and 3) of every NCHW input before compiling. */
  imageSize?: { width: number; height: number };
  runtime?: RuntimeOptions;
}

function toSpec(opts: CompileOptions): RawCompileSpec {
  if (typeof opts !== 'object' || opts === null) throw invalidType('an object', 'options', opts);
  const { xml, bin, device = 'CPU', config = {}, batch, imageSize } = opts;
  const fromBytes = xml instanceof Uint8Array;
  if (!fromBytes && (typeof xml !== 'string' || xml === '')) throw invalidType('a path or a Uint8Array', 'xml', xml);
  if (bin !== undefined) {
    if (fromBytes && !(bin instanceof Uint8Array)) throw invalidType('a Uint8Array (as xml is bytes)', 'bin', bin);
    if (!fromBytes && (typeof bin !== 'string' || bin === '')) throw invalidType('a path (as xml is a path)', 'bin', bin);
  }
  if (typeof device !== 'string' || device === '') throw invalidType('a device name', 'device', device);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw invalidType('an object', 'config', config);
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'boolean') pairs.push([key, value ? 'YES' : 'NO']);
    else if (typeof value === 'number' && Number.isFinite(value)) pairs.push([key, String(value)]);
    else if (typeof value === 'string') pairs.push([key, value]);
    else throw invalidType('a string, number or boolean', `config.${key}`, value);
  }
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 65536)) {
    throw outOfRange('an integer from 1 to 65536', 'batch', batch);
  }
  let size: [number, number] | undefined;
  if (imageSize !== undefined) {
    if (typeof imageSize !== 'object' || imageSize === null) throw invalidType('an object { width, height }', 'imageSize', imageSize);
    for (const key of ['width', 'height'] as const) {
      const v = imageSize[key];
      if (!Number.isInteger(v) || v < 1 || v > 16384) throw outOfRange('an integer from 1 to 16384', `imageSize.${key}`, v);
    }
    size = [imageSize.width, imageSize.height];
  }
  return { xml, bin, device, config: pairs, batch, imageSize: size };
}

/** Entry point of the engine: runtime facts and model compilation. */
export const openvino = {
  /** OpenVINO build number of the loaded runtime, e.g. "2026.4.1-22982-...". */
  version(runtime?: RuntimeOptions): string {
    return loadRuntime(runtime).version;
  },

  /** Devices OpenVINO sees, with their full names (FULL_DEVICE_NAME). */
  devices(runtime?: RuntimeOptions): { name: string; fullName: string }[] {
    return getCore(runtime).devices();
  },

  /** Reads and compiles a model on the calling thread (blocks it for the compile time). */
  compileModel(opts: CompileOptions): CompiledModel {
    const spec = toSpec(opts);
    return new CompiledModel(getCore(opts.runtime).compile(spec));
  },

  /** Reads and compiles a model on a worker thread. */
  async compileModelAsync(opts: CompileOptions): Promise<CompiledModel> {
    const spec = toSpec(opts);
    return new CompiledModel(await getCore(opts.runtime).compileAsync(spec));
  },

  /** Where the runtime was loaded from and its version. */
  runtimeInfo(runtime?: RuntimeOptions): RuntimeInfo {
    return { ...loadRuntime(runtime) };
  },
};
