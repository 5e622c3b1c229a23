/** Small vector helpers shared by re-identification, verification and the gallery. */
import { invalidType, outOfRange } from '../errors';

/** Checks that `v` is a finite numeric vector of `length` values (any length if omitted). */
export function assertVector(v: unknown, name: string, length?: number): asserts v is ArrayLike<number> {
  if (!(v instanceof Float32Array || v instanceof Float64Array || Array.isArray(v))) {
    throw invalidType('a Float32Array, Float64Array or number[]', name, v);
  }
  if (length !== undefined && v.length !== length) throw outOfRange(`a vector of ${length} values`, name, v);
  if (v.length === 0) throw outOfRange('a non-empty vector', name, v);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw outOfRange('finite numbers only', `${name}[${i}]`, v[i]);
  }
}

/** In place: v / |v|. A zero vector stays zero (the caller decides whether that is an error). */
export function l2NormaliseInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

/** Cosine similarity of two equal-length vectors (normalised or not), in [-1, 1]. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertVector(a, 'a');
  assertVector(b, 'b', a.length);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) throw outOfRange('a vector with a non-zero norm', na === 0 ? 'a' : 'b', 0);
  return dot / Math.sqrt(na * nb);
}
