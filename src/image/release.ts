/**
 * Decoded pixels are megabytes held outside the JS heap (a 1280x720 frame is 2.7 MB from sharp),
 * and V8 gives that memory back only when it collects the Buffer. One decoded image per request
 * made a busy service run a full mark-compact every seven to nine frames, for memory nobody
 * referenced any more. Freeing it the moment the work is done removes those collections.
 */
import { loadAddon } from '../native';
import { invalidType } from '../errors';
import { decodeImage, type DecodeOptions, type ImageInput } from './decode';
import { isRawImageLike, type RawImage } from './raw-image';

interface ReleaseBinding {
  releasePixels(view: Uint8Array | Uint8ClampedArray): boolean;
}

/**
 * Frees the memory of `view` now instead of at a later garbage collection, by detaching its
 * ArrayBuffer: afterwards `view` and every other view of that buffer are empty. Only a view of a
 * whole, non-shared ArrayBuffer is released, and never one a native job of this addon is still
 * reading (a pixel kernel on the libuv pool, a bound input tensor). Returns whether it was freed;
 * false (and nothing changes) for a slice, a SharedArrayBuffer, a pooled small Buffer, a buffer in
 * use or already detached. Call it only on pixels nothing else will read again.
 */
export function releasePixels(view: Uint8Array | Uint8ClampedArray): boolean {
  if (!(view instanceof Uint8Array) && !(view instanceof Uint8ClampedArray)) throw invalidType('a Uint8Array', 'pixels', view);
  return (loadAddon() as ReleaseBinding).releasePixels(view);
}

/**
 * Decodes `input`, hands the pixels to `use`, and frees them as soon as `use` has succeeded,
 * when they were decoded here (a caller's raw image is the caller's to keep). After a failure
 * they are left to the collector: work that failed part-way may still have a job queued on them.
 */
export async function withDecodedImage<T>(input: ImageInput, options: DecodeOptions, use: (raw: RawImage) => Promise<T>): Promise<T> {
  const raw = await decodeImage(input, options);
  const result = await use(raw);
  if (!isRawImageLike(input)) releasePixels(raw.data);
  return result;
}
