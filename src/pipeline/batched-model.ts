/**
 * One IR compiled for a few batch sizes (1, 2, 4, ... up to a cap), each on demand. A call with
 * n items takes the smallest compiled batch that holds them (unused slots are zero-filled), so a
 * frame's faces go through one inference without recompiling for every face count.
 */
import { type RuntimeOptions } from '../engine';
import { compileWith, type EngineInferRequest, type EngineModel, type EngineName } from '../engine/surface';
import { RequestPool } from '../engine/request-pool';
import type { OpenVinoProperties } from '../config';
import { FaceReidError } from '../errors';

export interface BatchedModelOptions {
  xml: string;
  bin: string;
  device: string;
  config?: OpenVinoProperties;
  runtime?: RuntimeOptions;
  maxBatch?: number;
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

export class BatchedModel {
  readonly #options: BatchedModelOptions;
  readonly #variants = new Map<number, Promise<Variant>>();
  readonly maxBatch: number;
  #closed = false;

  constructor(options: BatchedModelOptions) {
    this.#options = options;
    this.maxBatch = options.maxBatch ?? BatchedModel.defaultMaxBatch(options.device);
  }

  /** Compiles batch 1 now so that configuration mistakes surface at create time. */
  async warm(): Promise<EngineModel> {
    return (await this.#variant(1)).model;
  }

  /**
   * The default largest batch for a device string: 1 when only the CPU is named. Measured on
   * face-reidentification-retail-0095 (2-core x86, FP16): batch 1 1.8 ms/face, batch 4 2.0-2.3,
   * batch 8 4.4-5.6 ms/face (activations leave the cache), so per-face requests win there.
   */
  static defaultMaxBatch(device: string): number {
    const names = device.replace(/^(AUTO|MULTI|HETERO):/, '').split(',').map((d) => d.trim().split('.')[0]);
    return names.every((d) => d === 'CPU') ? 1 : 8;
  }

  static batchFor(n: number, maxBatch: number): number {
    let batch = 1;
    while (batch < n && batch < maxBatch) batch *= 2;
    return Math.min(batch, maxBatch);
  }

  /**
   * Runs `n` items (n <= maxBatch): `fill(input, batch)` writes the items into the batch input
   * (slots n..batch-1 are zeroed first; it may be async, e.g. a kernel on the libuv pool), and
   * the first output comes back as a fresh copy.
   */
  async run(n: number, fill: (input: Float32Array, batch: number) => void | Promise<void>): Promise<{ output: Float32Array; batch: number }> {
    const batch = BatchedModel.batchFor(n, this.maxBatch);
    const variant = await this.#variant(batch);
    return variant.pool.use(async (slot) => {
      const perItem = slot.input.length / batch;
      slot.input.fill(0, n * perItem);
      await fill(slot.input, batch);
      const outputs = await slot.request.infer();
      return { output: outputs[variant.outputName] as Float32Array, batch };
    });
  }

  #variant(batch: number): Promise<Variant> {
    if (this.#closed) return Promise.reject(new FaceReidError('The model was closed', 'CLOSED'));
    let variant = this.#variants.get(batch);
    if (!variant) {
      variant = this.#compile(batch);
      this.#variants.set(batch, variant);
      // A failed compile must not poison later calls.
      variant.catch(() => this.#variants.delete(batch));
    }
    return variant;
  }

  async #compile(batch: number): Promise<Variant> {
    const o = this.#options;
    const model = await compileWith(o.engine ?? 'c-api', { xml: o.xml, bin: o.bin, device: o.device, config: o.config, runtime: o.runtime, batch });
    if (this.#closed) {
      model.close();
      throw new FaceReidError('The model was closed while it compiled', 'CLOSED');
    }
    const slots: Slot[] = [];
    // As many requests as OpenVINO finds optimal: more (tried x4 under THROUGHPUT) only queued
    // work without adding frames per second.
    for (let i = 0; i < Math.max(1, model.optimalInferRequests); i++) {
      const request = model.createInferRequest();
      slots.push({ request, input: request.inputBuffer(0) });
    }
    return { model, pool: new RequestPool(slots), outputName: model.outputs[0].name };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const variants = await Promise.allSettled(this.#variants.values());
    for (const v of variants) {
      if (v.status !== 'fulfilled') continue;
      for (const slot of v.value.pool.drain()) slot.request.close();
      v.value.model.close();
    }
    this.#variants.clear();
  }
}
