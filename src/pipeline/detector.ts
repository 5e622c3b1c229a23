/**
 * face-detection-retail-0004: the frame resized natively into the BGR input, SSD rows
 * [image_id, label, confidence, xmin, ymin, xmax, ymax] turned into boxes in frame pixels.
 * The IR's input is 300x300; by default the detector is reshaped to the frame's aspect ratio
 * (detectorInputSize) so that faces reach it undistorted.
 */
import { readFile } from 'node:fs/promises';
import { resizeIntoAsync } from '../align';
import type { RawImage } from '../image';
import type { DetectorConfig } from '../config';
import { FaceReidError } from '../errors';
import { CompileCache } from './compile-cache';
import { openBatchedModel, resolveModelFiles, type BatchedModel, type ModelFiles, type ModelSource } from './batched-model';

export const DETECTOR_MODEL = 'face-detection-retail-0004';
/** The IR's own input side, kept as the short side of the reshaped input. */
const SIDE = 300;
/** The long side is a multiple of this (few distinct compiles; SSD feature maps divide evenly). */
const LONG_SIDE_STEP = 32;
/** Frames wider than about 2:1 are squeezed to this long side rather than costing more. */
const MAX_LONG_SIDE = 608;
const ROW = 7;

/**
 * The detector input for a width x height frame: 300x300 when `keepAspect` is false (the Open
 * Model Zoo demo's way: a 16:9 frame's faces reach the detector squeezed to 56% of their width);
 * otherwise the short side 300 and the long side the frame's aspect ratio times 300, rounded to a
 * multiple of 32 and held within [300, 608]. On the six face-api group photos (aspect 1.25-1.5)
 * the weakest true face then scores 0.840 instead of 0.258, and the strongest non-face 0.072 instead
 * of 0.110; the cost is detector time in proportion to the pixels (1.81x for 16:9).
 */
export function detectorInputSize(width: number, height: number, keepAspect = true): { width: number; height: number } {
  if (!keepAspect) return { width: SIDE, height: SIDE };
  const long = Math.min(MAX_LONG_SIDE, Math.max(SIDE, Math.round((SIDE * Math.max(width, height)) / Math.min(width, height) / LONG_SIDE_STEP) * LONG_SIDE_STEP));
  return width >= height ? { width: long, height: SIDE } : { width: SIDE, height: long };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection {
  box: Box;
  score: number;
}

/** Smallest detector score kept: the Open Model Zoo demo's. */
export const DEFAULT_CONFIDENCE = 0.6;

/** Parses the SSD output: rows after image_id -1 are ignored; boxes are clipped to the frame. */
export function parseDetections(output: Float32Array, width: number, height: number, confidence: number, minFaceSize: number): Detection[] {
  const found: Detection[] = [];
  for (let r = 0; r + ROW <= output.length; r += ROW) {
    if (output[r] < 0) break; // image_id -1 ends the list
    const score = output[r + 2];
    if (!(score >= confidence)) continue;
    const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
    const x0 = clamp(output[r + 3] * width, width);
    const y0 = clamp(output[r + 4] * height, height);
    const x1 = clamp(output[r + 5] * width, width);
    const y1 = clamp(output[r + 6] * height, height);
    const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    if (box.width <= 0 || box.height <= 0 || Math.min(box.width, box.height) < minFaceSize) continue;
    found.push({ box, score });
  }
  return found.sort((a, b) => b.score - a.score);
}

/** The IR's DetectionOutput layer and the value of its confidence_threshold attribute. */
const DETECTION_THRESHOLD = /(<layer\b[^>]*\btype="DetectionOutput"[^>]*>\s*<data\b[^>]*?\bconfidence_threshold=")([^"]*)(")/;

/**
 * The IR text with its DetectionOutput's confidence_threshold raised to just under `confidence`
 * (never lowered), or undefined when the IR has no such attribute. The layer then decodes and
 * suppresses only the candidates we keep; its rows at or above `confidence` do not change, since
 * greedy NMS lets a box be suppressed only by a higher-scoring one. The IR's own 0.01 made the
 * layer sort and suppress hundreds of boxes we throw away: on the 1920x1080 benchmark frame it took
 * 200 us of the detector's 6 ms, 70 us at 0.6.
 */
export function withDetectionThreshold(xml: string, confidence: number): string | undefined {
  const match = DETECTION_THRESHOLD.exec(xml);
  if (!match) return undefined;
  const own = Number(match[2]);
  // Just under, so that a score equal to `confidence` passes whether the layer tests > or >=.
  const wanted = confidence * (1 - 1e-6);
  if (!Number.isFinite(own) || !(wanted > own)) return xml;
  return xml.replace(DETECTION_THRESHOLD, `$1${wanted}$3`);
}

/** The IR to compile: edited in memory with our threshold on the C API engine, else the files. */
async function detectorIr(files: { xml: string; bin: string }, confidence: number, source: ModelSource): Promise<ModelFiles> {
  if ((source.engine ?? 'c-api') !== 'c-api') return files; // openvino-node compiles from files only
  const edited = withDetectionThreshold(await readFile(files.xml, 'utf8'), confidence);
  if (edited === undefined) return files;
  return { xml: new TextEncoder().encode(edited), bin: await readFile(files.bin) };
}

export class FaceDetector {
  readonly #files: ModelFiles;
  readonly #source: ModelSource;
  /** One compiled detector per input size, "WxH" -> model (a video stream needs one). */
  readonly #models = new CompileCache<string, BatchedModel>();
  #closed = false;
  /** The device OpenVINO compiled the model for. */
  readonly device: string;
  readonly confidence: number;
  readonly minFaceSize: number;
  readonly keepAspect: boolean;

  private constructor(files: ModelFiles, config: DetectorConfig & ModelSource, square: BatchedModel, device: string) {
    this.#files = files;
    this.#source = config;
    this.#models.set(`${SIDE}x${SIDE}`, square);
    this.device = device;
    this.confidence = config.confidence ?? DEFAULT_CONFIDENCE;
    this.minFaceSize = config.minFaceSize ?? 0;
    this.keepAspect = config.keepAspect ?? true;
  }

  /** Compiles the 300x300 detector now so that configuration mistakes surface at create time. */
  static async create(config: DetectorConfig & ModelSource = {}): Promise<FaceDetector> {
    const files = await detectorIr(await resolveModelFiles(DETECTOR_MODEL, config), config.confidence ?? DEFAULT_CONFIDENCE, config);
    const { model, device } = await openBatchedModel(files, config, { maxBatch: 1, imageSize: { width: SIDE, height: SIDE } });
    return new FaceDetector(files, config, model, device);
  }

  /** Every face of the frame with a score >= confidence, highest first. */
  async detect(image: RawImage): Promise<Detection[]> {
    const size = detectorInputSize(image.width, image.height, this.keepAspect);
    const model = await this.#modelFor(size);
    // The full-frame resize (about 0.3 ms for 1920x1080 to 544x300) runs on the libuv pool so
    // that the JS thread stays free to start other frames' inferences.
    const { output } = await model.run(1, (input) => resizeIntoAsync(image, input, size));
    return parseDetections(output, image.width, image.height, this.confidence, this.minFaceSize);
  }

  #modelFor(size: { width: number; height: number }): Promise<BatchedModel> {
    if (this.#closed) return Promise.reject(new FaceReidError('The detector was closed', 'CLOSED'));
    // Compiled on first use of a frame shape (about 0.1-0.2 s), then reused; a failed compile is
    // retried by the next frame.
    return this.#models.get(`${size.width}x${size.height}`, () =>
      openBatchedModel(this.#files, this.#source, { maxBatch: 1, imageSize: size }).then((m) => m.model),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all((await this.#models.settle()).map((model) => model.close()));
  }
}
