/**
 * FaceReid: a photo plus five landmarks in, a 256-d L2-normalised identity vector out,
 * on face-reidentification-retail-0095 and the device the configuration names.
 */
import { alignFace, type Landmarks } from './align';
import { checkLandmarksInside } from './align/inside';
import { type RuntimeOptions } from './engine';
import { chooseEngine, compileWith, type EngineInferRequest, type EngineModel, type EngineName } from './engine/surface';
import { RequestPool } from './engine/request-pool';
import { FaceReidError, invalidType, outOfRange } from './errors';
import { withDecodedImage, type ImageInput } from './image';
import { resolveModel } from './models';
import { cosineSimilarity, l2NormaliseInPlace } from './util/vector';
import type { Precision } from './config';
import { EMBEDDING_SIZE } from './gallery/embedding';
import { embeddingModelKey } from './gallery/defaults';

export const REID_MODEL = 'face-reidentification-retail-0095';
export { EMBEDDING_SIZE };
export const REID_INPUT_SIZE = 128;

/**
 * Cosine similarity above which two faces are taken for the same person: the mean of the
 * thresholds that the 5-fold protocol chose on the LFW development folds (deep-funneled
 * images, annotated landmarks, FP16); see docs/accuracy.md.
 */
export const DEFAULT_VERIFY_THRESHOLD = 0.271;

export interface FaceReidOptions {
  /** Model precision; FP16 is the reference. */
  precision?: Precision;
  /** A folder in Open Model Zoo layout; otherwise FACE_REID_MODELS, then the cache. */
  modelDir?: string;
  /** OpenVINO device string, passed through verbatim (CPU, GPU, AUTO:GPU,CPU, ...). */
  device?: string;
  /** OpenVINO properties; PERFORMANCE_HINT defaults to LATENCY. */
  config?: Record<string, string | number | boolean>;
  runtime?: RuntimeOptions;
  /** Largest decoded image accepted, in pixels. */
  maxPixels?: number;
  /** Anti-aliased warp (helps when faces are much larger than 128 px). */
  antialias?: boolean;
  /** Check the model files' SHA-384 against the manifest (default true). */
  verifyModel?: boolean;
  /** 'c-api' (default: this package's addon) or 'openvino-node' (Intel's binding, when installed). */
  engine?: EngineName;
}

export interface EmbedItem {
  image: ImageInput;
  landmarks: Landmarks;
}

interface Slot {
  request: EngineInferRequest;
  input: Float32Array;
}

export class FaceReid {
  readonly #model: EngineModel;
  readonly #pool: RequestPool<Slot>;
  readonly #outputName: string;
  readonly #maxPixels: number | undefined;
  readonly #antialias: boolean;
  readonly precision: Precision;
  /** `face-reidentification-retail-0095/<precision>`: the model key a gallery records with each sample. */
  readonly embeddingModel: string;
  readonly device: string;
  readonly modelPath: string;

  private constructor(model: EngineModel, options: Required<Pick<FaceReidOptions, 'precision'>> & FaceReidOptions, modelPath: string) {
    this.#model = model;
    this.#outputName = model.outputs[0].name;
    this.#maxPixels = options.maxPixels;
    this.#antialias = options.antialias ?? false;
    this.precision = options.precision;
    this.embeddingModel = embeddingModelKey(REID_MODEL, options.precision);
    this.device = model.device;
    this.modelPath = modelPath;
    const slots: Slot[] = [];
    for (let i = 0; i < Math.max(1, model.optimalInferRequests); i++) {
      const request = model.createInferRequest();
      slots.push({ request, input: request.inputBuffer(0) });
    }
    this.#pool = new RequestPool(slots);
  }

  /** Loads and compiles the model once; the pool holds the device's optimal number of requests. */
  static async create(options: FaceReidOptions = {}): Promise<FaceReid> {
    if (options === null || typeof options !== 'object') throw invalidType('an options object', 'options', options);
    const precision = options.precision ?? 'FP16';
    if (typeof precision !== 'string') throw invalidType("'FP16', 'FP16-INT8' or 'FP32'", 'precision', precision);
    if (!['FP16', 'FP16-INT8', 'FP32'].includes(precision)) throw outOfRange("'FP16', 'FP16-INT8' or 'FP32'", 'precision', precision);
    const engine = chooseEngine(options.engine, 'engine');
    const files = await resolveModel(REID_MODEL, precision, { modelDir: options.modelDir, verify: options.verifyModel });
    const model = await compileWith(engine, {
      xml: files.xml,
      bin: files.bin,
      device: options.device ?? 'CPU',
      config: { PERFORMANCE_HINT: 'LATENCY', ...options.config },
      runtime: options.runtime,
    });
    return new FaceReid(model, { ...options, precision }, files.xml);
  }

  /** Number of requests that can run at once. */
  get parallelism(): number {
    return this.#pool.size;
  }

  /**
   * The identity vector of the face at `landmarks` (image pixels; left eye, right eye, nose tip,
   * left and right mouth corner). The aligned crop is written straight into the input tensor's
   * memory. Returns a new Float32Array(256), L2-normalised.
   */
  async embed(image: ImageInput, landmarks: Landmarks): Promise<Float32Array> {
    return withDecodedImage(image, { maxPixels: this.#maxPixels }, (raw) => {
      const points = checkLandmarksInside(landmarks, raw.width, raw.height);
      return this.#pool.use(async (slot) => {
        alignFace(raw, points, { out: slot.input, size: REID_INPUT_SIZE, antialias: this.#antialias });
        const outputs = await slot.request.infer();
        return l2NormaliseInPlace(Float32Array.from(outputs[this.#outputName] as Float32Array));
      });
    });
  }

  /** `embed` for many faces, run concurrently across the request pool; results in input order. */
  async embedBatch(items: readonly EmbedItem[]): Promise<Float32Array[]> {
    if (!Array.isArray(items)) throw invalidType('an array of { image, landmarks }', 'items', items);
    items.forEach((item, i) => {
      if (item === null || typeof item !== 'object') throw invalidType('an object { image, landmarks }', `items[${i}]`, item);
    });
    return Promise.all(items.map((item) => this.embed(item.image, item.landmarks)));
  }

  /** Releases the requests and the compiled model; later calls fail with CLOSED. */
  close(): void {
    for (const slot of this.#pool.drain()) slot.request.close();
    this.#model.close();
  }
}

export interface Verification {
  similarity: number;
  same: boolean;
}

/** Compares two embeddings: `same` when the cosine similarity reaches the threshold. */
export function verify(a: ArrayLike<number>, b: ArrayLike<number>, options: { threshold?: number } = {}): Verification {
  const threshold = options.threshold ?? DEFAULT_VERIFY_THRESHOLD;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < -1 || threshold > 1) {
    throw outOfRange('a number in [-1, 1]', 'threshold', threshold);
  }
  const similarity = cosineSimilarity(a, b);
  return { similarity, same: similarity >= threshold };
}

export { cosineSimilarity };
export { FaceReidError };
