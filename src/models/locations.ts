/**
 * Where model files may live. Kept apart from lookup and fetch so both agree on the same places
 * and `models list` can show them.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export type LocationOrigin = 'modelDir option' | 'FACE_REID_MODELS' | 'cache';

export interface ModelLocation {
  dir: string;
  origin: LocationOrigin;
}

/** `FACE_REID_CACHE_DIR`, else ~/.cache/ov-face-reid/models. */
export function cacheDir(): string {
  const fromEnv = process.env.FACE_REID_CACHE_DIR;
  return fromEnv ? resolve(fromEnv) : join(homedir(), '.cache', 'ov-face-reid', 'models');
}

/** The places `resolveModel` looks in, in order; empty environment variables count as unset. */
export function searchLocations(modelDir?: string): ModelLocation[] {
  const locations: ModelLocation[] = [];
  if (modelDir) locations.push({ dir: resolve(modelDir), origin: 'modelDir option' });
  if (process.env.FACE_REID_MODELS) locations.push({ dir: resolve(process.env.FACE_REID_MODELS), origin: 'FACE_REID_MODELS' });
  locations.push({ dir: cacheDir(), origin: 'cache' });
  return locations;
}

/** Where `models fetch` writes when no destination is given: FACE_REID_MODELS, else the cache. */
export function defaultFetchDestination(): string {
  return process.env.FACE_REID_MODELS ? resolve(process.env.FACE_REID_MODELS) : cacheDir();
}
