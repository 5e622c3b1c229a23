/** Argument checks shared by the align functions: one message shape, checked once in TS. */
import { invalidType, outOfRange } from '../errors';
import type { PixelOrderName, RawImageArg, RoiArg } from './binding';
import { i420ChromaBytes, type RawImage } from '../image/raw-image';

// The pixel layout is the image room's RawImage; this file checks it for the align functions.
export type { RawImage };

const MAX_SIDE = 65535;
const MAX_PIXELS = 2 ** 28;
const ORDERS: Record<PixelOrderName, number> = { gray: 1, rgb: 3, bgr: 3, rgba: 4, bgra: 4, i420: 1 };

export function checkInt(value: unknown, name: string, min: number, max: number): number {
  const what = `an integer between ${min} and ${max}`;
  if (typeof value !== 'number') throw invalidType(what, name, value);
  if (!Number.isInteger(value) || value < min || value > max) throw outOfRange(what, name, value);
  return value;
}

export function checkBool(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidType('a boolean', name, value);
  return value;
}

/** Options objects: undefined or a plain object whose keys are all known (catches typos). */
export function checkOptions<T extends object>(value: unknown, name: string, allowed: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw invalidType('an object', name, value);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalidType(`only ${allowed.join(', ')}`, `${name}.${key}`, (value as Record<string, unknown>)[key]);
  }
  return value as Partial<T>;
}

export function checkImage(image: unknown, name = 'image'): RawImageArg {
  if (image === null || typeof image !== 'object' || Array.isArray(image) || ArrayBuffer.isView(image)) {
    throw invalidType('an object { data, width, height, channels, order?, stride? }', name, image);
  }
  const img = image as Partial<RawImage>;
  const data = img.data;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw invalidType('a Uint8Array, Uint8ClampedArray or Buffer', `${name}.data`, data);
  }
  const width = checkInt(img.width, `${name}.width`, 1, MAX_SIDE);
  const height = checkInt(img.height, `${name}.height`, 1, MAX_SIDE);
  if (width * height > MAX_PIXELS) throw outOfRange(`at most ${MAX_PIXELS} pixels`, `${name}.width * ${name}.height`, width * height);
  const channels = img.channels;
  if (typeof channels !== 'number') throw invalidType('1, 3 or 4', `${name}.channels`, channels);
  if (channels !== 1 && channels !== 3 && channels !== 4) throw outOfRange('1, 3 or 4', `${name}.channels`, channels);
  let order = img.order;
  if (order === undefined) {
    order = channels === 1 ? 'gray' : channels === 3 ? 'rgb' : 'rgba';
  } else if (typeof order !== 'string') {
    throw invalidType("one of 'rgb', 'bgr', 'rgba', 'bgra', 'gray', 'i420'", `${name}.order`, order);
  } else if (!(order in ORDERS)) {
    throw outOfRange("one of 'rgb', 'bgr', 'rgba', 'bgra', 'gray', 'i420'", `${name}.order`, order);
  } else if (ORDERS[order] !== channels) {
    throw outOfRange(`an order with ${channels} channel(s) (${name}.channels)`, `${name}.order`, order);
  }
  const packed = width * channels;
  const stride = img.stride === undefined ? packed : checkInt(img.stride, `${name}.stride`, packed, 0x7fffffff);
  if (order === 'i420') {
    const need = height * stride + i420ChromaBytes(width, height);
    if (data.byteLength < need) throw outOfRange(`at least height * stride + 2 * ceil(width / 2) * ceil(height / 2) = ${need} bytes`, `${name}.data`, data);
    return { data, width, height, channels, order, stride };
  }
  const need = (height - 1) * stride + packed;
  if (data.byteLength < need) {
    throw outOfRange(`at least (height - 1) * stride + width * channels = ${need} bytes`, `${name}.data`, data);
  }
  return { data, width, height, channels, order, stride };
}

export function checkOut(value: unknown, name: string, required: number): Float32Array {
  if (!(value instanceof Float32Array)) throw invalidType('a Float32Array', name, value);
  if (value.length < required) throw outOfRange(`a Float32Array of at least ${required} elements`, name, value);
  return value;
}

export function checkRoi(value: unknown, width: number, height: number): RoiArg | undefined {
  if (value === undefined) return undefined;
  const roi = checkOptions<RoiArg>(value, 'roi', ['x', 'y', 'width', 'height']);
  const x = checkInt(roi.x, 'roi.x', 0, width - 1);
  const y = checkInt(roi.y, 'roi.y', 0, height - 1);
  return { x, y, width: checkInt(roi.width, 'roi.width', 1, width - x), height: checkInt(roi.height, 'roi.height', 1, height - y) };
}
