/**
 * decodeImage: any picture the library is given becomes pixels. Encoded input (a path or the
 * file's bytes) is decoded by sharp into packed 8-bit sRGB; raw pixels are validated and passed
 * through untouched (no copy), since converting them is the aligner's job.
 */
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { FaceReidError, invalidType, outOfRange } from '../errors';
import { checkRawImage, DEFAULT_MAX_PIXELS, isRawImageLike, type PixelOrder, type RawImage, type RgbImage } from './raw-image';

export type ImageInput = string | Buffer | Uint8Array | RawImage;

export interface DecodeOptions {
  /** Refuse images with more pixels than this (default 50 000 000): bounds memory on hostile input. */
  maxPixels?: number;
}

export function decodeImage(input: string | Buffer | Uint8Array, options?: DecodeOptions): Promise<RgbImage>;
export function decodeImage(input: RawImage, options?: DecodeOptions): Promise<RawImage & { order: PixelOrder; stride: number }>;
export function decodeImage(input: ImageInput, options?: DecodeOptions): Promise<RawImage>;
export async function decodeImage(input: ImageInput, options: DecodeOptions = {}): Promise<RawImage> {
  if (options === null || typeof options !== 'object') throw invalidType('an object', 'options', options);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (typeof maxPixels !== 'number') throw invalidType('a positive integer', 'options.maxPixels', maxPixels);
  if (!Number.isSafeInteger(maxPixels) || maxPixels <= 0) throw outOfRange('a positive integer', 'options.maxPixels', maxPixels);

  if (typeof input === 'string') return decodeFile(input, maxPixels);
  if (input instanceof Uint8Array) return decodeEncoded(input, 'image data', maxPixels);
  if (isRawImageLike(input)) return checkRawImage(input, 'image', maxPixels);
  throw invalidType('a file path, a Buffer/Uint8Array of an encoded image, or a raw image object', 'image', input);
}

async function decodeFile(path: string, maxPixels: number): Promise<RgbImage> {
  if (path === '') throw invalidType('a non-empty file path', 'image', path);
  // Checked here because sharp's own message for a missing file does not say which check failed.
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => err);
  if (info instanceof Error) {
    const why = info.code === 'ENOENT' ? 'no such file' : info.message;
    throw new FaceReidError(`Cannot decode image ${path}: ${why}`, 'IMAGE_DECODE_FAILED');
  }
  if (!info.isFile()) throw new FaceReidError(`Cannot decode image ${path}: not a regular file`, 'IMAGE_DECODE_FAILED');
  return decodeEncoded(path, `image ${path}`, maxPixels);
}

async function decodeEncoded(input: string | Uint8Array, what: string, maxPixels: number): Promise<RgbImage> {
  if (typeof input !== 'string' && input.length === 0) throw new FaceReidError(`Cannot decode ${what}: it is empty`, 'IMAGE_DECODE_FAILED');
  try {
    const options = {
      // 'error' also fails on truncation (otherwise a cut-off JPEG decodes with a gray bottom)
      // while tolerating the benign libjpeg warnings many camera files trigger.
      failOn: 'error',
      limitInputPixels: maxPixels,
    } as const;
    // The header says which conversions this file needs; each one is a further pass over the
    // pixels (about 0.6 ms at 1920x1080), so an ordinary upright sRGB JPEG gets none.
    const meta = await sharp(input, options).metadata();
    let image = sharp(input, options);
    if ((meta.orientation ?? 1) > 1) image = image.rotate(); // honour EXIF orientation: faces must be upright for the detector
    if (meta.hasAlpha) image = image.flatten({ background: { r: 0, g: 0, b: 0 } }); // the models take 3 channels
    if (meta.space !== 'srgb' || meta.channels !== 3 || meta.depth !== 'uchar') image = image.toColourspace('srgb'); // gray, CMYK, 16-bit
    const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new FaceReidError(`Cannot decode ${what}: expected 3 channels after conversion, got ${info.channels}`, 'IMAGE_DECODE_FAILED');
    }
    return { data, width: info.width, height: info.height, channels: 3, order: 'rgb', stride: info.width * 3 };
  } catch (err) {
    if (err instanceof FaceReidError) throw err;
    const reason = (err as Error).message;
    if (/pixel limit/i.test(reason)) {
      throw new FaceReidError(`Cannot decode ${what}: it has more than ${maxPixels} pixels (maxPixels)`, 'IMAGE_TOO_LARGE');
    }
    throw new FaceReidError(`Cannot decode ${what}: ${reason}`, 'IMAGE_DECODE_FAILED');
  }
}
