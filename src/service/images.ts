/**
 * Images out of requests: multipart file fields, a raw image body (image/jpeg, image/png,
 * image/webp) or base64 strings in JSON. Nothing here touches the file system: a request's file
 * name is never used, the bytes go straight to the decoder.
 *
 * Before anything is decoded the header is read (never the pixels): the format must be an image we
 * take and width x height must stay under the pixel limit, so a 20000x20000 PNG of a few kilobytes
 * (a decompression bomb) is refused before it costs memory.
 */
import { crc32 } from 'node:zlib';
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

export interface ImageHeader {
  width: number;
  height: number;
  format: string;
}

/**
 * Width, height and format of a well-formed JPEG, PNG or still WebP, read from its first bytes in
 * JavaScript; undefined for anything else or anything unusual, which then goes to sharp.
 *
 * Why not always sharp's metadata: the decoder reads the header again anyway, and the extra
 * metadata call per request (a libuv pool task, sharp's option object, a promise) was a
 * measurable share of the service's CPU per frame over the same identification in-process.
 * Only the common, unambiguous cases are answered here: whatever this reader declines, sharp
 * judges exactly as before (same codes, same messages), and an image whose header passes here
 * but whose data is broken fails in the decoder with the same 400 IMAGE_INVALID.
 */
export function quickImageHeader(b: Uint8Array): ImageHeader | undefined {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpegHeader(b);
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return pngHeader(b);
  if (b.length >= 30 && ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return webpHeader(b);
  return undefined;
}

function ascii(b: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

const u16be = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];
const u32be = (b: Uint8Array, at: number) => ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
const u16le = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u24le = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
const u32le = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 2 ** 24;

/**
 * The marker segments from SOI up to and including the start-of-scan header, checked as libjpeg's
 * header read checks them (what sharp's metadata runs): the frame header (SOF0/1/2: baseline,
 * extended or progressive Huffman, 8-bit) exactly once before SOS, tables of legal indices and
 * sizes, every segment within the bytes. Other processes (lossless, arithmetic, 12-bit), a frame
 * whose height comes later (DNL), a JFIF header libjpeg would warn about or any stray byte: sharp
 * decides.
 */
function jpegHeader(b: Uint8Array): ImageHeader | undefined {
  let at = 2;
  let frame: { width: number; height: number; ids: number[] } | undefined;
  for (;;) {
    if (at + 4 > b.length || b[at] !== 0xff) return undefined;
    while (b[at] === 0xff && at < b.length) at++; // fill bytes
    if (at + 3 > b.length) return undefined;
    const marker = b[at];
    const length = u16be(b, at + 1);
    const start = at + 3; // the segment's data, after its length
    const next = at + 1 + length;
    if (length < 2 || next > b.length) return undefined;
    if (marker === 0xda) {
      // SOS: the header is complete; its components must be distinct components of the frame.
      const count = b[start];
      if (!frame || count < 1 || count > 4 || length !== 6 + 2 * count) return undefined;
      const ids = new Set<number>();
      for (let i = 0; i < count; i++) ids.add(b[start + 1 + 2 * i]);
      if (ids.size !== count || [...ids].some((id) => !frame!.ids.includes(id))) return undefined;
      return { width: frame.width, height: frame.height, format: 'jpeg' };
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (frame || marker > 0xc2 || length < 8) return undefined;
      frame = jpegFrame(b, start, length - 2);
      if (!frame) return undefined;
    } else if (marker === 0xc4) {
      if (!jpegTablesFit(b, start, next, 'huffman')) return undefined;
    } else if (marker === 0xdb) {
      if (!jpegTablesFit(b, start, next, 'quantization')) return undefined;
    } else if (marker === 0xdd) {
      if (length !== 4) return undefined;
    } else if (marker === 0xe0) {
      // A JFIF header of another major version is a libjpeg warning, which sharp's metadata fails on.
      if (length >= 7 && ascii(b, start, 'JFIF\0') && (length < 9 || b[start + 5] !== 1)) return undefined;
    } else if (!((marker >= 0xe1 && marker <= 0xef) || marker === 0xfe)) {
      return undefined; // not APPn or COM: nothing an ordinary header holds
    }
    at = next;
  }
}

/** An 8-bit frame header of 1, 3 or 4 distinct components, each sampled 1 to 4 times, quantization table 0-3. */
function jpegFrame(b: Uint8Array, at: number, length: number): { width: number; height: number; ids: number[] } | undefined {
  const precision = b[at];
  const height = u16be(b, at + 1);
  const width = u16be(b, at + 3);
  const components = b[at + 5];
  // libjpeg refuses dimensions above JPEG_MAX_DIMENSION (65500) in its header read.
  if (precision !== 8 || width === 0 || height === 0 || width > 65500 || height > 65500) return undefined;
  if ((components !== 1 && components !== 3 && components !== 4) || length !== 6 + 3 * components) return undefined;
  const ids: number[] = [];
  for (let i = 0; i < components; i++) {
    const c = at + 6 + 3 * i;
    const h = b[c + 1] >> 4;
    const v = b[c + 1] & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4 || b[c + 2] > 3 || ids.includes(b[c])) return undefined;
    ids.push(b[c]);
  }
  return { width, height, ids };
}

/** DHT or DQT: tables of index 0-3 (class 0-1, precision 0-1), exactly filling the segment. */
function jpegTablesFit(b: Uint8Array, at: number, end: number, kind: 'huffman' | 'quantization'): boolean {
  while (at < end) {
    const high = b[at] >> 4;
    if (high > 1 || (b[at] & 15) > 3) return false;
    if (kind === 'quantization') {
      at += 1 + 64 * (high + 1);
    } else {
      if (at + 17 > end) return false;
      let count = 0;
      for (let i = 1; i <= 16; i++) count += b[at + i];
      if (count > 256) return false;
      at += 17 + count;
    }
  }
  return at === end;
}

/**
 * The signature, then IHDR first (13 bytes), a legal bit depth and colour type, and every chunk up
 * to the first IDAT within the bytes with its CRC right (libspng checks them while reading the
 * header): an unknown critical chunk, a misplaced PLTE or anything corrupt goes to sharp.
 */
function pngHeader(b: Uint8Array): ImageHeader | undefined {
  if (b.length < 33 || u32be(b, 8) !== 13 || !ascii(b, 12, 'IHDR')) return undefined;
  if (crc32(b.subarray(12, 29)) !== u32be(b, 29)) return undefined;
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const depth = b[24];
  const colour = b[25];
  const legal: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  // libvips has libspng refuse more than 100 000 000 pixels a side.
  if (width === 0 || height === 0 || width > 100_000_000 || height > 100_000_000 || !legal[colour]?.includes(depth) || b[26] !== 0 || b[27] !== 0 || b[28] > 1) return undefined;
  let palette = false;
  for (let at = 33; ; ) {
    if (at + 12 > b.length) return undefined;
    const length = u32be(b, at);
    if (length > 0x7fffffff || at + 12 + length > b.length) return undefined;
    const type = String.fromCharCode(b[at + 4], b[at + 5], b[at + 6], b[at + 7]);
    if (type === 'IDAT') return colour === 3 && !palette ? undefined : { width, height, format: 'png' };
    if (!/^[a-zA-Z]{2}[A-Z][a-zA-Z]$/.test(type) || crc32(b.subarray(at + 4, at + 8 + length)) !== u32be(b, at + 8 + length)) return undefined;
    if (type === 'PLTE') {
      if (palette || colour === 0 || colour === 4 || length === 0 || length % 3 !== 0 || length > 768) return undefined;
      palette = true;
    } else if (type[0] < 'a') {
      return undefined; // a critical chunk other than PLTE before the image data
    }
    at += 12 + length;
  }
}

/**
 * A simple-format WebP (VP8 lossy or VP8L lossless) or an extended one (VP8X) that is not
 * animated, checked as libwebp's demuxer (what sharp reads WebP with) checks it: chunks that tile
 * the RIFF payload exactly, one frame, no reserved flag bits, a canvas the frame's size.
 */
function webpHeader(b: Uint8Array): ImageHeader | undefined {
  const riff = u32le(b, 4);
  const end = riff + 8;
  if (end > b.length || riff < 4 + 8 + 10 || riff % 2 !== 0) return undefined;
  const chunks: { fourcc: string; at: number }[] = [];
  for (let at = 12; at < end; ) {
    if (at + 8 > end) return undefined;
    const length = u32le(b, at + 4);
    chunks.push({ fourcc: String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]), at });
    at += 8 + length + (length & 1); // chunks are padded to even sizes
    if (at > end) return undefined;
  }
  const frames = chunks.filter((c) => c.fourcc === 'VP8 ' || c.fourcc === 'VP8L');
  if (frames.length !== 1) return undefined;
  const frame = webpFrame(b, frames[0].at);
  if (!frame) return undefined;
  if (chunks[0].fourcc !== 'VP8X') return chunks.length === 1 ? { ...frame, format: 'webp' } : undefined;
  // Flags: alpha 0x10, ICC 0x20, EXIF 0x08, XMP 0x04, animation 0x02 (which sharp counts in
  // pages: not here); the rest reserved. Then 24 bits of width - 1 and of height - 1.
  const x = chunks[0].at + 8;
  if (u32le(b, chunks[0].at + 4) !== 10 || (b[x] & ~0x3c) !== 0 || b[x + 1] !== 0 || b[x + 2] !== 0 || b[x + 3] !== 0) return undefined;
  const width = u24le(b, x + 4) + 1;
  const height = u24le(b, x + 7) + 1;
  if (frame.width !== width || frame.height !== height) return undefined;
  const known = new Set(['VP8X', 'ICCP', 'ALPH', 'VP8 ', 'VP8L', 'EXIF', 'XMP ']);
  if (chunks.some((c, i) => !known.has(c.fourcc) || (i > 0 && c.fourcc === 'VP8X'))) return undefined;
  const alpha = chunks.findIndex((c) => c.fourcc === 'ALPH');
  if (alpha >= 0 && (alpha > chunks.indexOf(frames[0]) || frames[0].fourcc !== 'VP8 ')) return undefined;
  return { width, height, format: 'webp' };
}

/** The size in a 'VP8 ' or 'VP8L' chunk at `at` (its header included), when the chunk lies within the bytes. */
function webpFrame(b: Uint8Array, at: number): { width: number; height: number } | undefined {
  if (at + 8 > b.length) return undefined;
  const length = u32le(b, at + 4);
  const data = at + 8;
  if (data + length > b.length) return undefined;
  let width: number;
  let height: number;
  if (ascii(b, at, 'VP8 ')) {
    // Frame tag (as libwebp checks it: a shown key frame of profile 0-3 whose first partition fits
    // the chunk), start code 9d 01 2a, then 14-bit width and height.
    const tag = u24le(b, data);
    if (length < 10 || (tag & 1) !== 0 || ((tag >> 1) & 7) > 3 || ((tag >> 4) & 1) === 0 || tag >> 5 >= length) return undefined;
    if (b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) return undefined;
    width = u16le(b, data + 6) & 0x3fff;
    height = u16le(b, data + 8) & 0x3fff;
  } else if (ascii(b, at, 'VP8L')) {
    // Signature 0x2f, then 14 bits of width - 1 and 14 of height - 1, version bits 0.
    if (length < 5 || b[data] !== 0x2f || b[data + 4] >> 5 !== 0) return undefined;
    const bits = u32le(b, data + 1);
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
  } else {
    return undefined;
  }
  return width === 0 || height === 0 ? undefined : { width, height };
}

/** Reads the header only: the format is one we decode and the pixel count is within the limit. */
export async function checkImageHeader(bytes: Buffer, field: string, maxPixels: number): Promise<ImageHeader> {
  const quick = quickImageHeader(bytes);
  // Refusals are rare (a bomb, a huge photo), so sharp has the last word on them: a header that
  // libvips would not read at all (a PNG wider than its limit, say) stays 400, never 413.
  const header = quick && quick.width * quick.height <= maxPixels ? quick : await sharpHeader(bytes, field);
  const { width, height } = header;
  if (width * height > maxPixels) {
    throw new ServiceError(413, 'IMAGE_TOO_LARGE', `"${field}" is ${width}x${height} = ${width * height} pixels; the limit is ${maxPixels}`, { field });
  }
  return header;
}

/** What sharp's metadata makes of the header: any format libvips knows, every refusal its own message. */
async function sharpHeader(bytes: Buffer, field: string): Promise<ImageHeader> {
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
