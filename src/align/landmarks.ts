/**
 * Landmarks arrive as five [x, y] pairs or as ten flat numbers; the addon wants ten
 * float64s. Validation happens here first so messages name the caller's own shape.
 */
import { invalidType, outOfRange } from '../errors';

export type Landmarks = ArrayLike<number> | readonly (readonly [number, number])[];

/** Coordinates beyond this are certainly a mistake (and would lose precision in the warp). */
export const MAX_COORDINATE = 1e6;

function checkCoordinate(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidType('a number', name, value);
  if (!Number.isFinite(value) || Math.abs(value) > MAX_COORDINATE) {
    throw outOfRange('a finite coordinate with |v| <= 1e6', name, value);
  }
  return value;
}

/** Normalises one landmark set of `points` points into a new Float64Array (always a copy). */
export function toPointArray(value: unknown, name: string, points = 5): Float64Array {
  const expected = `${points} [x, y] pairs or ${2 * points} numbers`;
  if (value === null || typeof value !== 'object' || typeof (value as ArrayLike<unknown>).length !== 'number') {
    throw invalidType(expected, name, value);
  }
  const list = value as ArrayLike<unknown>;
  const out = new Float64Array(2 * points);
  if (list.length === points && list.length > 0 && typeof list[0] === 'object' && list[0] !== null) {
    for (let i = 0; i < points; i++) {
      const pair = list[i] as ArrayLike<unknown> | null;
      if (pair === null || typeof pair !== 'object' || pair.length !== 2) throw invalidType('an [x, y] pair', `${name}[${i}]`, pair);
      out[2 * i] = checkCoordinate(pair[0], `${name}[${i}][0]`);
      out[2 * i + 1] = checkCoordinate(pair[1], `${name}[${i}][1]`);
    }
    return out;
  }
  if (list.length !== 2 * points) throw outOfRange(expected, name, value);
  for (let i = 0; i < 2 * points; i++) out[i] = checkCoordinate(list[i], `${name}[${i}]`);
  return out;
}

/** Counts the points of a landmark-like value (pairs or flat), for estimateSimilarity. */
export function pointCount(value: unknown, name: string): number {
  if (value === null || typeof value !== 'object' || typeof (value as ArrayLike<unknown>).length !== 'number') {
    throw invalidType('[x, y] pairs or a flat list of numbers', name, value);
  }
  const list = value as ArrayLike<unknown>;
  if (list.length > 0 && typeof list[0] === 'object' && list[0] !== null) return list.length;
  if (list.length % 2 !== 0) throw outOfRange('an even count of numbers (x, y pairs)', name, value);
  return list.length / 2;
}
