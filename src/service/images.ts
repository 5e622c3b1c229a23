/**
 * Images out of requests: multipart file fields, a raw image body (image/jpeg, image/png,
 * image/webp) or base64 strings in JSON. Nothing here touches the file system: a request's file
 * name is never used, the bytes go straight to the decoder.
 *
 * Before anything is decoded the header is read (sharp's metadata does not decode pixels): the
 * format must be an image we take and width x height must stay under the pixel limit, so a
 * 20000x20000 PNG of a few kilobytes (a decompression bomb) is refused before it costs memory.
 */
import sharp, { type Metadata } from 'sharp';
import { ServiceError, badField } from './errors';

/** The raw image media types a body may have. */
export const RAW_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif']);

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

/** The bytes of one image field of a parsed body (Buffer from multipart or raw, base64 string from JSON). */
export function imageField(body: unknown, field: string, options: { required?: boolean } = {}): Buffer | undefined {
  const value = Buffer.isBuffer(body) ? body : body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  if (value === undefined || value === null || value === '') {
    if (options.required === false) return undefined;
    throw badField(field, `the image "${field}" is missing (a multipart file field "${field}", a raw image body, or base64 in JSON)`);
  }
  if (Buffer.isBuffer(value)) {
    if (value.length === 0) throw badField(field, `the image "${field}" is empty`);
    return value;
  }
  if (typeof value === 'string') {
    // data: URLs are what browsers' FileReader gives; the prefix carries nothing we need.
    const text = value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value;
    if (!BASE64.test(text)) throw badField(field, `"${field}" is not base64-encoded image data`);
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === 0) throw badField(field, `the image "${field}" is empty`);
    return bytes;
  }
  throw badField(field, `"${field}" must be an image file (multipart) or a base64 string (JSON)`);
}

/** Reads the header only: the format is one we decode and the pixel count is within the limit. */
export async function checkImageHeader(bytes: Buffer, field: string, maxPixels: number): Promise<{ width: number; height: number; format: string }> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ServiceError(400, 'IMAGE_INVALID', `"${field}" is not a readable image: ${(err as Error).message}`, { field });
  }
  if (!meta.format || !FORMATS.has(meta.format)) {
    throw new ServiceError(415, 'UNSUPPORTED_MEDIA_TYPE', `"${field}" is ${meta.format ?? 'of an unknown format'}; send JPEG, PNG, WebP, GIF or TIFF`, { field });
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new ServiceError(400, 'IMAGE_INVALID', `"${field}" has no size in its header`, { field });
  if (width * height > maxPixels) {
    throw new ServiceError(413, 'IMAGE_TOO_LARGE', `"${field}" is ${width}x${height} = ${width * height} pixels; the limit is ${maxPixels}`, { field });
  }
  return { width, height, format: meta.format };
}

/** A string field of a parsed body (multipart text field or JSON), or undefined. */
export function textField(body: unknown, field: string): string | undefined {
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return undefined;
  const value = (body as Record<string, unknown>)[field];
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value !== 'string') throw badField(field, `"${field}" must be a string`);
  return value;
}
