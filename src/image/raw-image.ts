/**
 * Pixels already in memory. The same shape is accepted by src/align (to be unified): 8-bit
 * interleaved samples, rows `stride` bytes apart (default width * channels); or planar YUV 4:2:0
 * ('i420', channels 1: the luma plane's bytes per pixel), what video decoders give.
 */
import { FaceReidError, invalidType, outOfRange } from '../errors';

/**
 * 'i420': the Y plane (`stride` bytes a row, `height` rows), then the U and the V plane of
 * ceil(width / 2) x ceil(height / 2) bytes each, packed (ffmpeg's yuv420p); BT.601 limited range,
 * converted to BGR where the models sample it, so a video frame is never converted whole.
 */
export type PixelOrder = 'rgb' | 'bgr' | 'rgba' | 'bgra' | 'gray' | 'i420';

export interface RawImage {
  data: Uint8Array | Uint8ClampedArray | Buffer;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  /** Default by channels: 1 → 'gray', 3 → 'rgb', 4 → 'rgba'; 'i420' takes channels 1. */
  order?: PixelOrder;
  /** Bytes from one row to the next; default width * channels. */
  stride?: number;
}

/** What decoding an encoded image produces: tightly packed 3-channel sRGB. */
export interface RgbImage extends RawImage {
  data: Buffer;
  channels: 3;
  order: 'rgb';
  stride: number;
}

export const DEFAULT_MAX_PIXELS = 50_000_000;

const ORDERS_BY_CHANNELS: Record<number, readonly PixelOrder[]> = {
  1: ['gray', 'i420'],
  3: ['rgb', 'bgr'],
  4: ['rgba', 'bgra'],
};

/** I420: the bytes of the two chroma planes that follow the luma plane. */
export function i420ChromaBytes(width: number, height: number): number {
  return 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** Bytes of a tightly packed image of this geometry (stride = width * channels). */
export function packedBytes(width: number, height: number, channels: number, order: PixelOrder): number {
  return width * height * channels + (order === 'i420' ? i420ChromaBytes(width, height) : 0);
}

/**
 * Copies a checked image into `out` tightly packed (stride = width * channels; an I420 image's
 * chroma planes, already packed, follow as they are).
 */
export function copyPacked(image: RawImage & { stride: number; order: PixelOrder }, out: Uint8Array): void {
  const rowBytes = image.width * image.channels;
  const chroma = image.order === 'i420' ? i420ChromaBytes(image.width, image.height) : 0;
  const src = image.data;
  if (image.stride === rowBytes) {
    out.set(src.subarray(0, rowBytes * image.height + chroma));
    return;
  }
  for (let y = 0; y < image.height; y++) out.set(src.subarray(y * image.stride, y * image.stride + rowBytes), y * rowBytes);
  if (chroma) out.set(src.subarray(image.stride * image.height, image.stride * image.height + chroma), rowBytes * image.height);
}

/** True for objects that look like a RawImage (not for Buffers/Uint8Arrays, which are encoded files). */
export function isRawImageLike(value: unknown): value is RawImage {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && 'data' in value && 'width' in value;
}

/** An image side: TypeError for a non-number, RangeError for anything but a positive integer. */
export function checkDimension(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidType('a positive integer', name, value);
  if (!Number.isInteger(value) || value <= 0) throw outOfRange('a positive integer', name, value);
  return value;
}

/**
 * Validates a raw image and returns it with `order` and `stride` made explicit. The pixel data is
 * never copied or read: the returned object shares `data` with the input. Size limits are checked
 * before anything about `data`, so an absurd declared size fails fast with IMAGE_TOO_LARGE.
 */
export function checkRawImage(image: RawImage, name = 'image', maxPixels = DEFAULT_MAX_PIXELS): RawImage & { order: PixelOrder; stride: number } {
  if (typeof image !== 'object' || image === null) throw invalidType('a raw image object', name, image);
  const width = checkDimension(image.width, `${name}.width`);
  const height = checkDimension(image.height, `${name}.height`);
  if (width * height > maxPixels) {
    throw new FaceReidError(`${name} is ${width}x${height} = ${width * height} pixels, more than the limit of ${maxPixels} (maxPixels)`, 'IMAGE_TOO_LARGE');
  }
  const channels = image.channels;
  if (typeof channels !== 'number') throw invalidType('1, 3 or 4', `${name}.channels`, channels);
  const orders = ORDERS_BY_CHANNELS[channels];
  if (!orders) throw outOfRange('1, 3 or 4', `${name}.channels`, channels);
  const order = image.order ?? orders[0]!;
  if (!orders.includes(order)) throw outOfRange(`an order for ${channels} channel(s) (${orders.join(', ')})`, `${name}.order`, image.order);
  const data = image.data;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw invalidType('a Buffer, Uint8Array or Uint8ClampedArray', `${name}.data`, data);
  }
  const rowBytes = width * channels;
  const stride = image.stride ?? rowBytes;
  if (typeof stride !== 'number') throw invalidType('an integer', `${name}.stride`, stride);
  if (!Number.isInteger(stride) || stride < rowBytes) throw outOfRange(`an integer >= width * channels (${rowBytes})`, `${name}.stride`, stride);
  const needed = order === 'i420' ? stride * height + i420ChromaBytes(width, height) : stride * (height - 1) + rowBytes;
  if (data.length < needed) {
    const what = order === 'i420' ? `${width}x${height} i420` : `${width}x${height}x${channels}`;
    throw outOfRange(`at least ${needed} bytes of data for ${what} (stride ${stride})`, `${name}.data.length`, data.length);
  }
  return { data, width, height, channels, order, stride };
}
