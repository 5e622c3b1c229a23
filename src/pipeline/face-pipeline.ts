/**
 * FacePipeline: a photo in, every face's box, five landmarks and identity vector out.
 * detector -> landmarks (one batch per frame) -> similarity warp of every face straight from the
 * decoded frame into one re-identification batch -> L2-normalised embeddings.
 */
import { alignFacesAsync } from '../align';
import { loadConfig, modelSection, type FaceReidConfig } from '../config';
import { invalidType, outOfRange } from '../errors';
import { withDecodedImage, type ImageInput, type RawImage } from '../image';
import { REID_INPUT_SIZE, REID_MODEL, EMBEDDING_SIZE } from '../reid';
import { l2NormaliseInPlace } from '../util/vector';
import { embeddingModelKey } from '../gallery/defaults';
import { loadBatchedModel, type BatchedModel } from './batched-model';
import { chooseEngine, type EngineName } from '../engine/surface';
import { FaceDetector, type Box, type Detection } from './detector';
import { LandmarksRegressor } from './landmarks';

export interface Face {
  /** Detector box in the original image's pixels, clipped to the image. */
  box: Box;
  score: number;
  /** Left eye, right eye, nose tip, left and right mouth corner, in image pixels. */
  landmarks: [number, number][];
  embedding: Float32Array;
}

/** What `describe` adds to a box: the face's landmarks and identity vector. */
export interface FaceDescription {
  /** Left eye, right eye, nose tip, left and right mouth corner, in image pixels. */
  landmarks: [number, number][];
  embedding: Float32Array;
}

export interface FacePipelineOptions extends FaceReidConfig {
  /** A JSON configuration file; FACE_REID_CONFIG is read when this is absent. */
  configFile?: string;
  maxPixels?: number;
  verifyModels?: boolean;
  /** 'c-api' (default) or 'openvino-node', for all three models. */
  engine?: EngineName;
}

export class FacePipeline {
  readonly #detector: FaceDetector;
  readonly #landmarks: LandmarksRegressor;
  readonly #reid: BatchedModel;
  readonly #antialias: boolean;
  readonly #maxPixels: number | undefined;
  /** The effective configuration (file, environment and options merged). */
  readonly config: FaceReidConfig;
  /** The device string each model was compiled for, as OpenVINO reports it. */
  readonly devices: { detector: string; landmarks: string; reid: string };
  /**
   * `face-reidentification-retail-0095/<precision>`: which vectors this pipeline makes. A gallery
   * holds one model's vectors; identifyFaces and enrolment pass this so a mismatch is an error.
   */
  readonly embeddingModel: string;
  /**
   * Detections the detector's configuration runs at once (OpenVINO's optimal number of infer
   * requests: 1 under the default LATENCY hint, 2 under THROUGHPUT on two cores). FaceStream reads
   * that many frames ahead by default, so a THROUGHPUT detector keeps every request busy.
   */
  readonly detectorParallelism: number;

  private constructor(
    parts: { detector: FaceDetector; landmarks: LandmarksRegressor; reid: BatchedModel; reidDevice: string },
    config: FaceReidConfig,
    maxPixels?: number,
  ) {
    this.#detector = parts.detector;
    this.#landmarks = parts.landmarks;
    this.#reid = parts.reid;
    this.#antialias = config.reid?.antialias ?? false;
    this.#maxPixels = maxPixels;
    this.config = config;
    this.devices = { detector: parts.detector.device, landmarks: parts.landmarks.device, reid: parts.reidDevice };
    this.detectorParallelism = parts.detector.parallelism;
    this.embeddingModel = embeddingModelKey(REID_MODEL, modelSection(config, 'reid').precision ?? 'FP16');
  }

  /** Loads the three models, each on the device its configuration section names. */
  static async create(options: FacePipelineOptions = {}): Promise<FacePipeline> {
    if (options === null || typeof options !== 'object') throw invalidType('an options object', 'options', options);
    const { configFile, maxPixels, verifyModels, engine: engineOption, ...overrides } = options;
    const engine = chooseEngine(engineOption, 'engine');
    const config = loadConfig({ file: configFile, overrides });
    const shared = { modelDir: config.modelDir, runtime: config.runtime, verifyModel: verifyModels, engine };
    const reidSection = modelSection(config, 'reid');
    const settled = await Promise.allSettled([
      FaceDetector.create({ ...modelSection(config, 'detector'), ...shared }),
      LandmarksRegressor.create({ ...modelSection(config, 'landmarks'), ...shared }),
      loadBatchedModel(REID_MODEL, { ...reidSection, ...shared }, reidSection.maxBatch),
    ] as const);
    const [detector, landmarks, reid] = settled;
    if (detector.status === 'rejected' || landmarks.status === 'rejected' || reid.status === 'rejected') {
      // Release whatever did compile before reporting the first failure.
      await Promise.allSettled([
        detector.status === 'fulfilled' ? detector.value.close() : undefined,
        landmarks.status === 'fulfilled' ? landmarks.value.close() : undefined,
        reid.status === 'fulfilled' ? reid.value.model.close() : undefined,
      ]);
      throw settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
    }
    return new FacePipeline({ detector: detector.value, landmarks: landmarks.value, reid: reid.value.model, reidDevice: reid.value.device }, config, maxPixels);
  }

  /** Every face of the image, highest detector score first. */
  async analyze(image: ImageInput): Promise<Face[]> {
    return withDecodedImage(image, { maxPixels: this.#maxPixels }, (raw) => this.analyzeRaw(raw));
  }

  /**
   * `analyze` on pixels already decoded (a video frame, say). Nothing is copied: the pixels are
   * read by native kernels on the libuv pool, so leave them unchanged until the Promise settles.
   */
  async analyzeRaw(raw: RawImage): Promise<Face[]> {
    const detections = await this.detect(raw);
    if (detections.length === 0) return [];
    const described = await this.describe(raw, detections.map((d) => d.box));
    return detections.map((d, i) => ({ box: d.box, score: d.score, ...described[i] }));
  }

  /**
   * The detector alone: every face's box and score, highest score first. A tracker that already
   * knows most faces calls this on each frame and `describe` only for the boxes it needs.
   * The pixels are read in place (not copied): leave them unchanged until the Promise settles.
   */
  detect(raw: RawImage): Promise<Detection[]> {
    return this.#detector.detect(raw);
  }

  /**
   * Landmarks and embeddings for chosen boxes of the frame: one landmarks batch and one
   * re-identification batch, whatever the number of boxes. The pixels are read in place.
   */
  async describe(raw: RawImage, boxes: readonly Box[]): Promise<FaceDescription[]> {
    const points = await this.locate(raw, boxes);
    const embeddings = await this.#embed(raw, points);
    return points.map((p, i) => ({ landmarks: toPairs(p), embedding: embeddings[i] }));
  }

  /**
   * The landmarks step alone (one batch), as flat [x0, y0, ..., x4, y4] per box: a stream rates
   * every tracked view by them before deciding which ones are worth a re-identification inference.
   */
  async locate(raw: RawImage, boxes: readonly Box[]): Promise<Float64Array[]> {
    checkBoxes(boxes, 'boxes');
    if (boxes.length === 0) return [];
    return this.#landmarks.locate(raw, boxes);
  }

  /** The re-identification step alone, for faces given by `locate`'s points (one batch). */
  async embedLandmarks(raw: RawImage, points: readonly Float64Array[]): Promise<Float32Array[]> {
    if (!Array.isArray(points)) throw invalidType('an array of landmark arrays', 'points', points);
    points.forEach((p, i) => {
      if (!(p instanceof Float64Array) || p.length !== 10) throw invalidType('a Float64Array of 10 coordinates', `points[${i}]`, p);
    });
    if (points.length === 0) return [];
    return this.#embed(raw, points as Float64Array[]);
  }

  /**
   * Every face warped straight from the frame into the re-identification input, the frame's faces
   * in one inference (more than maxBatch: further inferences, issued together).
   */
  async #embed(raw: RawImage, points: readonly Float64Array[]): Promise<Float32Array[]> {
    // The warp runs on the libuv pool: the JS thread stays free to dispatch other work.
    const output = await this.#reid.runAll(points.length, (input, start, length) =>
      alignFacesAsync(raw, points.slice(start, start + length), input, { size: REID_INPUT_SIZE, antialias: this.#antialias }).then(() => undefined),
    );
    return points.map((_, i) => l2NormaliseInPlace(output.slice(i * EMBEDDING_SIZE, (i + 1) * EMBEDDING_SIZE)));
  }

  /**
   * Compiles now what the first frames would otherwise compile while they run: the detector for
   * frames of `frameSize`, and the landmark and re-identification batch sizes for 1 to `faces`
   * faces a frame (at most each model's maxBatch). Frames never wait for those compiles (they go
   * through the sizes that are ready), but the compiles take CPU from them.
   */
  async prepare(options: { frameSize?: { width: number; height: number }; faces?: number } = {}): Promise<void> {
    if (options === null || typeof options !== 'object') throw invalidType('an options object', 'options', options);
    const { frameSize, faces } = options;
    if (frameSize !== undefined && (frameSize === null || typeof frameSize !== 'object')) throw invalidType('{ width, height }', 'frameSize', frameSize);
    if (faces !== undefined && (!Number.isSafeInteger(faces) || faces < 0)) throw outOfRange('a whole number', 'faces', faces);
    const counts = (cap: number) => Array.from({ length: Math.min(faces ?? 0, cap) }, (_, i) => i + 1);
    // The detector's size check throws before the other compiles start.
    await Promise.all([
      frameSize ? this.#detector.prepare(frameSize.width, frameSize.height) : undefined,
      this.#landmarks.prepare(counts(this.#landmarks.maxBatch)),
      this.#reid.prepare(counts(this.#reid.maxBatch)),
    ]);
  }

  /**
   * The face whose box centre is nearest the image centre (the subject of a portrait or an LFW
   * image), or undefined when there is none.
   */
  static nearestToCentre<F extends { box: Box }>(faces: readonly F[], width: number, height: number): F | undefined {
    let best: F | undefined;
    let bestDistance = Infinity;
    for (const face of faces) {
      const d = Math.hypot(face.box.x + face.box.width / 2 - width / 2, face.box.y + face.box.height / 2 - height / 2);
      if (d < bestDistance) [best, bestDistance] = [face, d];
    }
    return best;
  }

  async close(): Promise<void> {
    await Promise.all([this.#detector.close(), this.#landmarks.close(), this.#reid.close()]);
  }
}

function toPairs(points: Float64Array): [number, number][] {
  return [0, 1, 2, 3, 4].map((k) => [points[2 * k], points[2 * k + 1]] as [number, number]);
}

function checkBoxes(boxes: readonly Box[], name: string): void {
  if (!Array.isArray(boxes)) throw invalidType('an array of boxes', name, boxes);
  boxes.forEach((b, i) => {
    if (b === null || typeof b !== 'object') throw invalidType('a box { x, y, width, height }', `${name}[${i}]`, b);
    for (const key of ['x', 'y', 'width', 'height'] as const) {
      const v = b[key];
      if (typeof v !== 'number') throw invalidType('a number', `${name}[${i}].${key}`, v);
      if (!Number.isFinite(v) || ((key === 'width' || key === 'height') && v <= 0)) throw outOfRange(key === 'x' || key === 'y' ? 'a finite number' : 'a positive number', `${name}[${i}].${key}`, v);
    }
  });
}
