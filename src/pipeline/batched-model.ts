/**
 * One IR compiled for every batch size a caller needs (1 .. a cap), each on first use. A frame's n
 * faces go through one inference of exactly batch n: on the CPU one batch-5 inference of the
 * re-identification model costs about 13% less than five batch-1 inferences under the LATENCY hint,
 * while padding 5 to 8 would cost 40% more (bench/batch.js, docs/config.md). A batch size not
 * compiled yet is compiled in the background and the items meanwhile go through the sizes that are
 * ready, so no frame waits for a compile.
 */
import { type RuntimeOptions } from '../engine';
import { compileWith, type EngineInferRequest, type EngineModel, type EngineName } from '../engine/surface';
import { RequestPool } from '../engine/request-pool';
import { CompileCache } from './compile-cache';
import type { OpenVinoProperties, Precision } from '../config';
import { resolveModel, type ModelName } from '../models';
import { FaceReidError, invalidType, outOfRange } from '../errors';

/** An IR as file paths, or as bytes (an IR edited in memory; the c-api engine only). */
export interface ModelFiles {
  xml: string | Uint8Array;
  bin: string | Uint8Array;
}

export interface BatchedModelOptions extends ModelFiles {
  device: string;
  config?: OpenVinoProperties;
  runtime?: RuntimeOptions;
  maxBatch?: number;
  /** NCHW input height and width to compile for (default: the IR's own). */
  imageSize?: { width: number; height: number };
  /** Engine to compile with (default 'c-api'). */
  engine?: EngineName;
}

interface Slot {
  request: EngineInferRequest;
  input: Float32Array;
}

interface Variant {
  model: EngineModel;
  pool: RequestPool<Slot>;
  outputName: string;
}

export interface BatchResult {
  /** The model's first output. */
  output: Float32Array;
  /** Every output, keyed by tensor name. */
  outputs: Record<string, Float32Array>;
  batch: number;
}

/** `fill(input, start, length)` writes items start .. start+length-1 into slots 0 .. length-1. */
export type BatchFill = (input: Float32Array, start: number, length: number) => void | Promise<void>;

export const DEFAULT_MAX_BATCH = 16;

export class BatchedModel {
  readonly #options: BatchedModelOptions;
  readonly #variants = new CompileCache<number, Variant>();
  /** Batch sizes whose compile has finished: the ones runAll may plan with right away. */
  readonly #ready = new Set<number>();
  /** Sizes whose background compile failed: runAll stops asking for them (run(n) still tries). */
  readonly #unavailable = new Set<number>();
  readonly maxBatch: number;
  #closed = false;

  constructor(options: BatchedModelOptions) {
    this.#options = options;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  }

  /** Compiles batch 1 now so that configuration mistakes surface at create time. */
  async warm(): Promise<EngineModel> {
    return (await this.#variant(1)).model;
  }

  /** Compiles these batch sizes now (say, the face counts a camera usually sees) rather than on first use. */
  async prepare(batches: readonly number[]): Promise<void> {
    if (!Array.isArray(batches)) throw invalidType('an array of batch sizes', 'batches', batches);
    for (const n of batches) this.#checkBatch(n, 'batches[]');
    await Promise.all(batches.map((n) => this.#variant(n)));
  }

  /**
   * Runs `n` items (1 <= n <= maxBatch) as one inference of batch n, compiling that batch first if
   * needed: `fill` writes the items (it may be async, e.g. a kernel on the libuv pool); the
   * outputs come back as fresh copies, the first one also as `output`.
   */
  async run(n: number, fill: (input: Float32Array, batch: number) => void | Promise<void>): Promise<BatchResult> {
    this.#checkBatch(n, 'n');
    const variant = await this.#variant(n);
    return variant.pool.use(async (slot) => {
      await fill(slot.input, n);
      const outputs = (await slot.request.infer()) as Record<string, Float32Array>;
      return { output: outputs[variant.outputName], outputs, batch: n };
    });
  }

  #checkBatch(n: unknown, name: string): void {
    if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > this.maxBatch) throw outOfRange(`an integer from 1 to ${this.maxBatch}`, name, n);
  }

  /**
   * Runs `count` items in as few inferences as the compiled batch sizes allow, all issued at once
   * (free infer requests overlap them), and returns the first output of every item, in order, in
   * one array.
   */
  async runAll(count: number, fill: BatchFill): Promise<Float32Array> {
    if (!Number.isSafeInteger(count) || count < 0) throw outOfRange('a whole number', 'count', count);
    if (typeof fill !== 'function') throw invalidType('a function', 'fill', fill);
    if (count === 0) return new Float32Array(0);
    const chunks = this.#plan(count);
    const outputs = await Promise.all(chunks.map(({ start, length }) => this.run(length, (input) => fill(input, start, length))));
    if (outputs.length === 1) return outputs[0].output;
    const all = new Float32Array(outputs.reduce((sum, o) => sum + o.output.length, 0));
    let offset = 0;
    for (const { output } of outputs) {
      all.set(output, offset);
      offset += output.length;
    }
    return all;
  }

  /**
   * Chunks of at most maxBatch items, each of a batch size that is compiled already; a wanted
   * size that is not starts compiling now for the next frames.
   */
  #plan(count: number): { start: number; length: number }[] {
    const chunks: { start: number; length: number }[] = [];
    for (let start = 0; start < count; ) {
      const wanted = Math.min(count - start, this.maxBatch);
      let length = wanted;
      if (!this.#ready.has(wanted)) {
        // A size the device cannot compile is not retried on every frame: the sizes that did
        // compile keep serving it.
        if (!this.#unavailable.has(wanted)) this.#variant(wanted).catch(() => this.#unavailable.add(wanted));
        while (length > 1 && !this.#ready.has(length)) length--;
      }
      chunks.push({ start, length });
      start += length;
    }
    return chunks;
  }

  #variant(batch: number): Promise<Variant> {
    if (this.#closed) return Promise.reject(new FaceReidError('The model was closed', 'CLOSED'));
    return this.#variants.get(batch, () =>
      this.#compile(batch).then((variant) => {
        this.#ready.add(batch);
        return variant;
      }),
    );
  }

  async #compile(batch: number): Promise<Variant> {
    const o = this.#options;
    const model = await compileWith(o.engine ?? 'c-api', { xml: o.xml, bin: o.bin, device: o.device, config: o.config, runtime: o.runtime, batch, imageSize: o.imageSize });
    if (this.#closed) {
      model.close();
      throw new FaceReidError('The model was closed while it compiled', 'CLOSED');
    }
    const slots: Slot[] = [];
    // One request more than OpenVINO finds optimal: a request is held while its input is filled
    // (the frame resize or the warps, off the JS thread), and the spare one lets that overlap the
    // others' inference. Under THROUGHPUT with 4 frames in flight it raised frames/s by about 3%;
    // more spares (tried 2 and x4) only queued work.
    for (let i = 0; i < Math.max(1, model.optimalInferRequests) + 1; i++) {
      const request = model.createInferRequest();
      slots.push({ request, input: request.inputBuffer(0) });
    }
    return { model, pool: new RequestPool(slots), outputName: model.outputs[0].name };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const variant of await this.#variants.settle()) {
      for (const slot of variant.pool.drain()) slot.request.close();
      variant.model.close();
    }
    this.#ready.clear();
    this.#unavailable.clear();
  }
}

/** Where a pipeline model comes from: its configuration section plus the shared settings. */
export interface ModelSource {
  precision?: Precision;
  device?: string;
  config?: OpenVinoProperties;
  modelDir?: string;
  runtime?: RuntimeOptions;
  verifyModel?: boolean;
  engine?: EngineName;
}

/**
 * Resolves (and verifies) an Open Model Zoo model, wraps it for batching with the LATENCY hint
 * unless the section says otherwise (largest batch: `maxBatch`, else the default), and compiles
 * batch 1 so that mistakes surface at create time.
 */
export async function loadBatchedModel(name: ModelName, source: ModelSource, maxBatch?: number): Promise<{ model: BatchedModel; device: string }> {
  return openBatchedModel(await resolveModelFiles(name, source), source, { maxBatch });
}

export function resolveModelFiles(name: ModelName, source: ModelSource): Promise<{ xml: string; bin: string }> {
  return resolveModel(name, source.precision ?? 'FP16', { modelDir: source.modelDir, verify: source.verifyModel });
}

/** `loadBatchedModel` on files already resolved, optionally reshaped to another NCHW image size. */
export async function openBatchedModel(
  files: ModelFiles,
  source: ModelSource,
  shape: { maxBatch?: number; imageSize?: { width: number; height: number } } = {},
): Promise<{ model: BatchedModel; device: string }> {
  const model = new BatchedModel({
    xml: files.xml,
    bin: files.bin,
    device: source.device ?? 'CPU',
    config: { PERFORMANCE_HINT: 'LATENCY', ...source.config },
    runtime: source.runtime,
    engine: source.engine,
    maxBatch: shape.maxBatch,
    imageSize: shape.imageSize,
  });
  try {
    return { model, device: (await model.warm()).device };
  } catch (err) {
    await model.close();
    throw err;
  }
}
