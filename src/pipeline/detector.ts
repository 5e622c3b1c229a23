/**
 * face-detection-retail-0004: the frame resized natively into the BGR input, SSD rows
 * [image_id, label, confidence, xmin, ymin, xmax, ymax] turned into boxes in frame pixels.
 * The IR's input is 300x300; by default the detector is reshaped to the frame's aspect ratio
 * (detectorInputSize) so that faces reach it undistorted.
 */
import { readFile } from 'node:fs/promises';
import { resizeIntoAsync } from '../align';
import type { RawImage } from '../image';
import { checkDimension } from '../image/raw-image';
import type { DetectorConfig } from '../config';
import { FaceReidError } from '../errors';
import { CompileCache } from './compile-cache';
import { openBatchedModel, resolveModelFiles, type BatchedModel, type ModelFiles, type ModelSource } from './batched-model';
import { cutSsdHead, type SsdHead } from './ssd-head';
import { clusteredPriors, decodeSsd, type GridSize } from './ssd-decode';

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

/**
 * A detection in frame pixels from one in coordinates normalised to the detector input, clipped to
 * the frame; undefined when nothing of it is left or it is smaller than `minFaceSize`.
 */
function inFrame(score: number, corners: ArrayLike<number>, width: number, height: number, minFaceSize: number): Detection | undefined {
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const x0 = clamp(corners[0] * width, width);
  const y0 = clamp(corners[1] * height, height);
  const x1 = clamp(corners[2] * width, width);
  const y1 = clamp(corners[3] * height, height);
  const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  if (box.width <= 0 || box.height <= 0 || Math.min(box.width, box.height) < minFaceSize) return undefined;
  return { box, score };
}

/** Parses the SSD output: rows after image_id -1 are ignored; boxes are clipped to the frame. */
export function parseDetections(output: Float32Array, width: number, height: number, confidence: number, minFaceSize: number): Detection[] {
  const found: Detection[] = [];
  for (let r = 0; r + ROW <= output.length; r += ROW) {
    if (output[r] < 0) break; // image_id -1 ends the list
    const score = output[r + 2];
    if (!(score >= confidence)) continue;
    const detection = inFrame(score, output.subarray(r + 3, r + 7), width, height, minFaceSize);
    if (detection) found.push(detection);
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

/** The IR FaceDetector compiles, with the SSD head it decodes itself when the IR was cut. */
interface DetectorIr {
  files: ModelFiles;
  head?: SsdHead;
}

/**
 * The IR to compile. On the C API engine it is edited in memory: cut to its raw head outputs for
 * our own decoding (ssd-head.ts), or, for an IR of another shape, with its DetectionOutput
 * threshold raised to our confidence. openvino-node compiles files only: those are used unedited.
 */
async function detectorIr(files: { xml: string; bin: string }, confidence: number, source: ModelSource): Promise<DetectorIr> {
  if ((source.engine ?? 'c-api') !== 'c-api') return { files };
  const [xml, bin] = await Promise.all([readFile(files.xml, 'utf8'), readFile(files.bin)]);
  const cut = cutSsdHead(xml, bin);
  if (cut) return { files: { xml: new TextEncoder().encode(cut.xml), bin }, head: cut.head };
  const edited = withDetectionThreshold(xml, confidence);
  return { files: edited === undefined ? files : { xml: new TextEncoder().encode(edited), bin } };
}

/** A detector compiled for one input size, with the priors of its grid when we decode ourselves. */
interface SizedDetector {
  model: BatchedModel;
  decode?: { grid: GridSize; priors: Float32Array };
}

/** Compiles the detector IR for one input size and, for a cut IR, lays its priors on the head's grid. */
async function openSized(ir: DetectorIr, source: ModelSource, input: GridSize): Promise<{ sized: SizedDetector; device: string }> {
  const { model, device } = await openBatchedModel(ir.files, source, { maxBatch: 1, imageSize: input });
  if (!ir.head) return { sized: { model }, device };
  const loc = ir.head.loc;
  const shape = (await model.warm()).outputs.find((o) => o.name === loc)?.shape;
  if (!shape || shape.length !== 4 || !(shape[2] > 0 && shape[3] > 0)) {
    await model.close();
    throw new FaceReidError(`The detector's ${loc} output has shape ${JSON.stringify(shape)}; expected [1, C, H, W]`, 'INPUT_MISMATCH');
  }
  const grid = { width: shape[3], height: shape[2] };
  return { sized: { model, decode: { grid, priors: clusteredPriors(ir.head.priors, grid, input) } }, device };
}

export class FaceDetector {
  readonly #ir: DetectorIr;
  readonly #source: ModelSource;
  /** One compiled detector per input size, "WxH" -> model (a video stream needs one). */
  readonly #models = new CompileCache<string, SizedDetector>();
  #closed = false;
  /** The device OpenVINO compiled the model for. */
  readonly device: string;
  readonly confidence: number;
  readonly minFaceSize: number;
  readonly keepAspect: boolean;
  /**
   * How many detections OpenVINO runs at once with this configuration: its
   * OPTIMAL_NUMBER_OF_INFER_REQUESTS, 1 under LATENCY, the number of streams under THROUGHPUT.
   */
  readonly parallelism: number;

  private constructor(ir: DetectorIr, config: DetectorConfig & ModelSource, device: string, parallelism: number) {
    this.#ir = ir;
    this.#source = config;
    this.device = device;
    this.parallelism = parallelism;
    this.confidence = config.confidence ?? DEFAULT_CONFIDENCE;
    this.minFaceSize = config.minFaceSize ?? 0;
    this.keepAspect = config.keepAspect ?? true;
  }

  /** Compiles the 300x300 detector now so that configuration mistakes surface at create time. */
  static async create(config: DetectorConfig & ModelSource = {}): Promise<FaceDetector> {
    const ir = await detectorIr(await resolveModelFiles(DETECTOR_MODEL, config), config.confidence ?? DEFAULT_CONFIDENCE, config);
    const { sized, device } = await openSized(ir, config, { width: SIDE, height: SIDE });
    // Every input size is compiled with the same configuration, so the 300x300 model's figure holds for all.
    const parallelism = Math.max(1, (await sized.model.warm()).optimalInferRequests || 1);
    const detector = new FaceDetector(ir, config, device, parallelism);
    detector.#models.set(`${SIDE}x${SIDE}`, sized);
    return detector;
  }

  /** Every face of the frame with a score >= confidence, highest first. */
  async detect(image: RawImage): Promise<Detection[]> {
    const size = detectorInputSize(image.width, image.height, this.keepAspect);
    const { model, decode } = await this.#modelFor(size);
    // The full-frame resize (about 0.3 ms for 1920x1080 to 544x300) runs on the libuv pool so
    // that the JS thread stays free to start other frames' inferences.
    const { output, outputs } = await model.run(1, (input) => resizeIntoAsync(image, input, size));
    const head = this.#ir.head;
    if (!decode || !head) return parseDetections(output, image.width, image.height, this.confidence, this.minFaceSize);
    const found = decodeSsd(head, { loc: outputs[head.loc], conf: outputs[head.conf], priors: decode.priors }, decode.grid, this.confidence);
    return found.flatMap((d) => inFrame(d.score, [d.xmin, d.ymin, d.xmax, d.ymax], image.width, image.height, this.minFaceSize) ?? []);
  }

  /**
   * Compiles the detector for frames of this size now rather than on the first such frame. Bad
   * sizes throw at once (checkDimension's TypeError or RangeError), before anything starts.
   */
  prepare(width: number, height: number): Promise<void> {
    checkDimension(width, 'width');
    checkDimension(height, 'height');
    return this.#modelFor(detectorInputSize(width, height, this.keepAspect)).then(() => undefined);
  }

  #modelFor(size: GridSize): Promise<SizedDetector> {
    if (this.#closed) return Promise.reject(new FaceReidError('The detector was closed', 'CLOSED'));
    // Compiled on first use of a frame shape (about 0.1-0.2 s), then reused; a failed compile is
    // retried by the next frame.
    return this.#models.get(`${size.width}x${size.height}`, () => openSized(this.#ir, this.#source, size).then((o) => o.sized));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all((await this.#models.settle()).map(({ model }) => model.close()));
  }
}
