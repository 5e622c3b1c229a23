/** Reading the LFW verification files: pairs.txt (View 2 format) and 5-point landmark lists. */
import { readFileSync } from 'node:fs';
import { FaceReidError } from '../errors';

export interface LfwPair {
  a: string; // relative image path, name/name_0001.jpg
  b: string;
  same: boolean;
  fold: number;
}

export interface LfwPairs {
  folds: number;
  pairsPerFold: number;
  pairs: LfwPair[];
}

export function lfwImagePath(name: string, index: number): string {
  return `${name}/${name}_${String(index).padStart(4, '0')}.jpg`;
}

/** Header `folds<TAB>n`, then per fold n same-person lines and n different-person lines. */
export function parsePairs(text: string): LfwPairs {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.trim().split(/\s+/).map(Number);
  if (!header || header.length !== 2 || !header.every((v) => Number.isInteger(v) && v > 0)) {
    throw new FaceReidError(`pairs file: expected a header "<folds> <pairs per fold>", found "${lines[0]}"`, 'CONFIG_INVALID');
  }
  const [folds, pairsPerFold] = header;
  const expected = 1 + folds * pairsPerFold * 2;
  if (lines.length !== expected) {
    throw new FaceReidError(`pairs file: the header promises ${expected - 1} pair lines, found ${lines.length - 1}`, 'CONFIG_INVALID');
  }
  const pairs: LfwPair[] = [];
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    const fold = Math.floor((i - 1) / (2 * pairsPerFold));
    if (f.length === 3) pairs.push({ a: lfwImagePath(f[0], +f[1]), b: lfwImagePath(f[0], +f[2]), same: true, fold });
    else if (f.length === 4) pairs.push({ a: lfwImagePath(f[0], +f[1]), b: lfwImagePath(f[2], +f[3]), same: false, fold });
    else throw new FaceReidError(`pairs file line ${i + 1}: expected 3 or 4 fields, found "${lines[i]}"`, 'CONFIG_INVALID');
  }
  return { folds, pairsPerFold, pairs };
}

/** `relative/path.jpg` then ten numbers (x,y of the five points), scaled by `scale`. */
export function parseLandmarks(text: string, scale = 1): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const f = line.trim().split(/\s+/);
    const values = f.slice(1).map(Number);
    if (f.length !== 11 || !values.every(Number.isFinite)) {
      throw new FaceReidError(`landmarks file line ${i + 1}: expected a path and 10 numbers`, 'CONFIG_INVALID');
    }
    out.set(f[0], Float64Array.from(values, (v) => v * scale));
  });
  return out;
}

export function readPairs(file: string): LfwPairs {
  return parsePairs(readFileSync(file, 'utf8'));
}

export function readLandmarks(file: string, scale = 1): Map<string, Float64Array> {
  return parseLandmarks(readFileSync(file, 'utf8'), scale);
}
