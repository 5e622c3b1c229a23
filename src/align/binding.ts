/**
 * The raw native surface of the pixel kernels (native/align_binding.cpp), typed.
 * Private to src/align: the public functions in index.ts validate first and call these.
 * The addon re-validates everything itself, so a direct caller cannot corrupt memory.
 */
import { loadAddon } from '../native';

export type PixelOrderName = 'rgb' | 'bgr' | 'rgba' | 'bgra' | 'gray' | 'i420';

/** Image as the addon reads it: `data` is borrowed (byteOffset honoured), never copied. */
export interface RawImageArg {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  order?: PixelOrderName;
  stride?: number;
}

export interface RoiArg {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface AlignBinding {
  estimateSimilarity(src: Float64Array, dst: Float64Array, scale?: 'rms' | 'least-squares'): Float64Array;
  referenceTransform(landmarks: Float64Array, size: number): Float64Array;
  alignFace(image: RawImageArg, landmarks: Float64Array, size: number, out: Float32Array, index: number, antialias: boolean): Float64Array;
  /** landmarks: 10 numbers per face; returns 6 matrix values per face. */
  alignFaces(image: RawImageArg, landmarks: Float64Array, size: number, out: Float32Array, antialias: boolean): Float64Array;
  alignFacesAsync(image: RawImageArg, landmarks: Float64Array, size: number, out: Float32Array, antialias: boolean): Promise<Float64Array>;
  resizeInto(image: RawImageArg, out: Float32Array, width: number, height: number, index: number, roi: RoiArg | undefined): void;
  resizeIntoAsync(image: RawImageArg, out: Float32Array, width: number, height: number, index: number, roi: RoiArg | undefined): Promise<void>;
}

export function alignBinding(): AlignBinding {
  return loadAddon() as AlignBinding;
}
