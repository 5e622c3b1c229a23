/**
 * The one shape the gallery accepts for an embedding, and its on-disk form. Every vector is
 * validated and L2-normalised here, so the store and the matcher can treat a dot product as
 * the cosine similarity without re-checking.
 */
import { invalidType, outOfRange } from '../errors';

/** Length of a face-reidentification-retail-0095 embedding. */
/** Length of a face-reidentification-retail-0095 embedding (the gallery's row width too). */
export const EMBEDDING_SIZE = 256;
/** Bytes of one stored embedding (float32, little-endian as on every platform Node supports for this addon: x64, arm64). */
export const EMBEDDING_BYTES = EMBEDDING_SIZE * 4;

export type EmbeddingInput = Float32Array | readonly number[];

/**
 * Validates `value` and returns a fresh unit-length Float32Array (never the caller's array, so a
 * caller reusing its buffer cannot change what was stored or queried).
 */
export function toUnitVector(value: unknown, name = 'embedding'): Float32Array {
  const what = `a Float32Array or number[] of length ${EMBEDDING_SIZE}`;
  if (!(value instanceof Float32Array) && !Array.isArray(value)) throw invalidType(what, name, value);
  const input = value as ArrayLike<unknown>;
  if (input.length !== EMBEDDING_SIZE) throw outOfRange(what, name, value);
  const out = new Float32Array(EMBEDDING_SIZE);
  let sumSquares = 0;
  for (let i = 0; i < EMBEDDING_SIZE; i++) {
    const x = input[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw outOfRange(`finite numbers in ${name}`, `${name}[${i}]`, x);
    }
    out[i] = x;
    sumSquares += x * x;
  }
  // Norm computed in float64 so tiny-but-valid vectors are not mistaken for zero.
  const norm = Math.sqrt(sumSquares);
  if (!(norm > 0) || !Number.isFinite(norm)) throw outOfRange('a vector with a non-zero, finite norm', name, value);
  for (let i = 0; i < EMBEDDING_SIZE; i++) out[i] = input[i] as number / norm;
  return out;
}

/** The BLOB stored for a unit vector. */
export function encodeEmbedding(unit: Float32Array): Buffer {
  return Buffer.from(unit.buffer, unit.byteOffset, EMBEDDING_BYTES);
}

/** Reads a stored BLOB back; copies so that the result is aligned whatever the driver's buffer offset. */
export function decodeEmbedding(blob: Uint8Array): Float32Array {
  if (blob.byteLength !== EMBEDDING_BYTES) throw new RangeError(`stored embedding has ${blob.byteLength} bytes, expected ${EMBEDDING_BYTES}`);
  const out = new Float32Array(EMBEDDING_SIZE);
  new Uint8Array(out.buffer).set(blob);
  return out;
}
