/**
 * Face alignment and pixel packing for the OpenVINO face models.
 *
 * Memory: every function writes in place into the caller's (or a freshly allocated)
 * Float32Array `out` as planar B, G, R floats 0..255 ([N, 3, H, W] slots); the image's
 * bytes are read where they are (byteOffset honoured). Nothing is copied on the way.
 */
import { invalidType, outOfRange } from '../errors';
import { alignBinding, type RawImageArg } from './binding';
import { pointCount, toPointArray, type Landmarks } from './landmarks';
import { DEFAULT_CROP_SIZE, REFERENCE_LANDMARKS } from './reference';
import { checkBool, checkImage, checkInt, checkOptions, checkOut, checkRoi, type RawImage } from './validate';

export { REFERENCE_LANDMARKS, DEFAULT_CROP_SIZE } from './reference';
export type { Landmarks } from './landmarks';
// RawImage is the image room's type (src/image/raw-image.ts); validate.ts checks the same shape.

/** 2x3 row-major affine matrix [a, b, tx, c, d, ty]: (x, y) -> (a x + b y + tx, c x + d y + ty). */
export type AffineMatrix = Float64Array;

export interface AlignOptions {
  /** Crop side in pixels, 1..1024 (default 128, the model's input). */
  size?: number;
  /** Destination tensor; default a new Float32Array of (index + 1) * 3 * size * size. Written in place. */
  out?: Float32Array;
  /** Slot of `out` to fill (element offset index * 3 * size * size). Default 0. */
  index?: number;
  /** Box-filter strongly down-scaled faces (crop pixel covers > 1 image pixel). Default false (OpenCV parity). */
  antialias?: boolean;
}

export interface AlignBatchOptions {
  size?: number;
  antialias?: boolean;
}

export interface AlignResult {
  /** crop -> image matrix used for the face. */
  matrix: AffineMatrix;
  /** The tensor written (the caller's `out` when given). */
  out: Float32Array;
}

export interface AlignBatchResult {
  matrices: AffineMatrix[];
  out: Float32Array;
}

export interface ResizeOptions {
  width: number;
  height: number;
  /** Slot of `out` to fill (element offset index * 3 * width * height). Default 0. */
  index?: number;
  /** Integer rectangle of the image to resize (default the whole image). */
  roi?: { x: number; y: number; width: number; height: number };
}

const MAX_CROP = 1024;
const MAX_INDEX = 0x7fffffff;

/**
 * Least-squares similarity (rotation, uniform scale, translation; never a reflection)
 * mapping the points of `src` onto `dst`. `scale: 'rms'` (default) takes the scale as the
 * ratio of the sets' RMS spreads, as the Open Model Zoo demo does; 'least-squares' is Umeyama's.
 * Throws FaceReidError DEGENERATE_LANDMARKS when a set has no spread.
 */
export function estimateSimilarity(src: Landmarks, dst: Landmarks, options?: { scale?: 'rms' | 'least-squares' }): AffineMatrix {
  const opts = checkOptions<{ scale: 'rms' | 'least-squares' }>(options, 'options', ['scale']);
  const n = pointCount(src, 'src');
  if (n < 2 || n > 65536) throw outOfRange('between 2 and 65536 points', 'src', src);
  const a = toPointArray(src, 'src', n);
  const b = toPointArray(dst, 'dst', n);
  if (opts.scale !== undefined && opts.scale !== 'rms' && opts.scale !== 'least-squares') {
    throw outOfRange("'rms' or 'least-squares'", 'options.scale', opts.scale);
  }
  return alignBinding().estimateSimilarity(a, b, opts.scale);
}

/** The crop -> image matrix alignFace uses: reference points x size onto `landmarks`. */
export function referenceTransform(landmarks: Landmarks, size: number = DEFAULT_CROP_SIZE): AffineMatrix {
  const lm = toPointArray(landmarks, 'landmarks');
  return alignBinding().referenceTransform(lm, checkInt(size, 'size', 1, MAX_CROP));
}

/**
 * Aligns one face onto the reference points and writes its size x size B, G, R planes
 * into `out` at slot `index` (in place; `out` is allocated when omitted).
 */
export function alignFace(image: RawImage, landmarks: Landmarks, options?: AlignOptions): AlignResult {
  const img = checkImage(image);
  const lm = toPointArray(landmarks, 'landmarks');
  const opts = checkOptions<AlignOptions>(options, 'options', ['size', 'out', 'index', 'antialias']);
  const size = opts.size === undefined ? DEFAULT_CROP_SIZE : checkInt(opts.size, 'options.size', 1, MAX_CROP);
  const index = opts.index === undefined ? 0 : checkInt(opts.index, 'options.index', 0, MAX_INDEX);
  const slot = 3 * size * size;
  const out = opts.out === undefined ? new Float32Array((index + 1) * slot) : checkOut(opts.out, 'options.out', (index + 1) * slot);
  const antialias = checkBool(opts.antialias, 'options.antialias', false);
  const matrix = alignBinding().alignFace(img, lm, size, out, index, antialias);
  return { matrix, out };
}

interface BatchArgs {
  img: RawImageArg;
  flat: Float64Array;
  size: number;
  out: Float32Array;
  antialias: boolean;
}

function checkBatch(image: unknown, landmarksList: unknown, out: unknown, options: unknown): BatchArgs {
  const img = checkImage(image);
  if (!Array.isArray(landmarksList)) throw invalidType('an array of landmark sets', 'landmarksList', landmarksList);
  if (landmarksList.length > 65536) throw outOfRange('at most 65536 faces', 'landmarksList', landmarksList);
  const flat = new Float64Array(10 * landmarksList.length);
  landmarksList.forEach((lm, i) => flat.set(toPointArray(lm, `landmarksList[${i}]`), 10 * i));
  const opts = checkOptions<AlignBatchOptions>(options, 'options', ['size', 'antialias']);
  const size = opts.size === undefined ? DEFAULT_CROP_SIZE : checkInt(opts.size, 'options.size', 1, MAX_CROP);
  const required = landmarksList.length * 3 * size * size;
  const target = out === undefined ? new Float32Array(required) : checkOut(out, 'out', required);
  return { img, flat, size, out: target, antialias: checkBool(opts.antialias, 'options.antialias', false) };
}

function splitMatrices(flat: Float64Array): AffineMatrix[] {
  const list: AffineMatrix[] = [];
  for (let i = 0; i < flat.length; i += 6) list.push(flat.slice(i, i + 6));
  return list;
}

/**
 * Aligns N faces of one image into slots 0..N-1 of `out` ([N, 3, size, size], written in
 * place; allocated when omitted). All landmark sets are checked before anything is written.
 */
export function alignFaces(image: RawImage, landmarksList: Landmarks[], out?: Float32Array, options?: AlignBatchOptions): AlignBatchResult {
  const a = checkBatch(image, landmarksList, out, options);
  const flat = alignBinding().alignFaces(a.img, a.flat, a.size, a.out, a.antialias);
  return { matrices: splitMatrices(flat), out: a.out };
}

/**
 * alignFaces on the libuv thread pool. The image and `out` are shared with the worker:
 * do not modify, transfer or read them until the Promise settles.
 */
export async function alignFacesAsync(
  image: RawImage,
  landmarksList: Landmarks[],
  out?: Float32Array,
  options?: AlignBatchOptions,
): Promise<AlignBatchResult> {
  const a = checkBatch(image, landmarksList, out, options);
  const flat = await alignBinding().alignFacesAsync(a.img, a.flat, a.size, a.out, a.antialias);
  return { matrices: splitMatrices(flat), out: a.out };
}

function checkResize(image: unknown, out: unknown, options: unknown) {
  const img = checkImage(image);
  if (options === undefined) throw outOfRange('an object { width, height, index?, roi? }', 'options', options);
  const opts = checkOptions<ResizeOptions>(options, 'options', ['width', 'height', 'index', 'roi']);
  const width = checkInt(opts.width, 'options.width', 1, 8192);
  const height = checkInt(opts.height, 'options.height', 1, 8192);
  const index = opts.index === undefined ? 0 : checkInt(opts.index, 'options.index', 0, MAX_INDEX);
  const roi = checkRoi(opts.roi, img.width, img.height);
  return { img, out: checkOut(out, 'out', (index + 1) * 3 * width * height), width, height, index, roi };
}

/**
 * Resizes the image (or its integer `roi`) to width x height with cv2.resize INTER_LINEAR
 * conventions, writing B, G, R planes in place into `out` at slot `index`.
 */
export function resizeInto(image: RawImage, out: Float32Array, options: ResizeOptions): void {
  const a = checkResize(image, out, options);
  alignBinding().resizeInto(a.img, a.out, a.width, a.height, a.index, a.roi);
}

/** resizeInto on the libuv pool; image and `out` are shared with it until the Promise settles. */
export async function resizeIntoAsync(image: RawImage, out: Float32Array, options: ResizeOptions): Promise<void> {
  const a = checkResize(image, out, options);
  await alignBinding().resizeIntoAsync(a.img, a.out, a.width, a.height, a.index, a.roi);
}

/** Applies a 2x3 matrix to one point. */
export function transformPoint(matrix: AffineMatrix, x: number, y: number): [number, number] {
  return [matrix[0] * x + matrix[1] * y + matrix[2], matrix[3] * x + matrix[4] * y + matrix[5]];
}

/** REFERENCE_LANDMARKS scaled to a crop of `size` pixels, as [x, y] pairs. */
export function referencePoints(size: number = DEFAULT_CROP_SIZE): [number, number][] {
  return REFERENCE_LANDMARKS.map(([x, y]) => [x * size, y * size]);
}
