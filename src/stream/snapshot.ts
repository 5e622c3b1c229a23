/**
 * A JPEG of one face cut from a frame: the box widened by a margin (some hair and chin, as a
 * person would crop it), clipped to the frame, optionally scaled down. The crop is copied out of
 * the frame (BGR or I420 turned to RGB on the way), so the frame can be released once this returns.
 */
import sharp from 'sharp';
import { invalidType, outOfRange } from '../errors';
import { checkRawImage, i420CropToRgb, type RawImage } from '../image';

export interface SnapshotOptions {
  /** Added on every side, as a share of the box's size (default 0.25). */
  margin?: number;
  /** Longest side of the JPEG; larger crops are scaled down (default: no limit). */
  maxSide?: number;
  /** JPEG quality 1..100 (default 85). */
  quality?: number;
}

export async function faceSnapshot(frame: RawImage, box: { x: number; y: number; width: number; height: number }, options: SnapshotOptions = {}): Promise<Buffer> {
  const image = checkRawImage(frame, 'frame');
  if (box === null || typeof box !== 'object') throw invalidType('a box { x, y, width, height }', 'box', box);
  for (const key of ['x', 'y', 'width', 'height'] as const) {
    if (typeof box[key] !== 'number' || !Number.isFinite(box[key])) throw invalidType('a finite number', `box.${key}`, box[key]);
  }
  const margin = options.margin ?? 0.25;
  if (typeof margin !== 'number' || !(margin >= 0)) throw outOfRange('a margin >= 0', 'options.margin', margin);
  const quality = options.quality ?? 85;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw outOfRange('an integer in [1, 100]', 'options.quality', quality);
  const x0 = Math.max(0, Math.floor(box.x - margin * box.width));
  const y0 = Math.max(0, Math.floor(box.y - margin * box.height));
  const x1 = Math.min(image.width, Math.ceil(box.x + box.width * (1 + margin)));
  const y1 = Math.min(image.height, Math.ceil(box.y + box.height * (1 + margin)));
  if (x1 <= x0 || y1 <= y0) throw outOfRange('a box that overlaps the frame', 'box', `${box.width}x${box.height} at ${box.x},${box.y}`);
  const width = x1 - x0;
  const height = y1 - y0;
  const planar = image.order === 'i420';
  const channels = planar ? 3 : image.channels;
  const crop = planar ? i420CropToRgb(image, x0, y0, width, height) : Buffer.allocUnsafe(width * height * channels);
  const swap = image.order === 'bgr' || image.order === 'bgra';
  for (let y = 0; y < height && !planar; y++) {
    const from = (y0 + y) * image.stride + x0 * channels;
    const to = y * width * channels;
    crop.set(image.data.subarray(from, from + width * channels), to);
    if (swap) for (let p = to; p < to + width * channels; p += channels) [crop[p], crop[p + 2]] = [crop[p + 2]!, crop[p]!];
  }
  let pipeline = sharp(crop, { raw: { width, height, channels } });
  if (options.maxSide !== undefined) {
    if (!Number.isInteger(options.maxSide) || options.maxSide <= 0) throw outOfRange('a positive integer', 'options.maxSide', options.maxSide);
    if (Math.max(width, height) > options.maxSide) pipeline = pipeline.resize({ width: options.maxSide, height: options.maxSide, fit: 'inside' });
  }
  return pipeline.jpeg({ quality }).toBuffer();
}
