/**
 * Loads the compiled addon by literal paths (no download, no install script) and
 * hands it the façade's error class. The typed surface lives beside each room
 * (`engine/binding.ts`, `align/binding.ts`); this file only finds the binary.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FaceReidError } from './errors';

const packageRoot = join(__dirname, '..');

/** Where the addon may be, in the order tried. */
export function addonCandidates(): string[] {
  const platformTag = `${process.platform}-${process.arch}`;
  const candidates: string[] = [];
  if (process.env.FACE_REID_ADDON) candidates.push(process.env.FACE_REID_ADDON);
  candidates.push(
    join(packageRoot, 'build', 'Release', 'ov_face_reid.node'),
    join(packageRoot, 'build', 'Debug', 'ov_face_reid.node'),
    join(packageRoot, 'prebuilds', platformTag, 'ov_face_reid.node'),
    join(packageRoot, 'prebuilds', platformTag, 'ov-face-reid.node'),
    join(packageRoot, 'prebuilds', platformTag, 'node.napi.node'),
  );
  return candidates;
}

let cached: unknown;
let loadedFrom: string | undefined;

/** The raw addon exports; callers cast them to their room's typed binding. */
export function loadAddon(): unknown {
  if (cached) return cached;
  const tried: string[] = [];
  for (const candidate of addonCandidates()) {
    tried.push(candidate);
    if (!existsSync(candidate)) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require(candidate) as { setErrorClass(cls: unknown): void };
    addon.setErrorClass(FaceReidError);
    cached = addon;
    loadedFrom = candidate;
    return addon;
  }
  throw new FaceReidError(
    `No ov-face-reid addon fits ${process.platform}-${process.arch} (N-API 8). Tried:\n  ${tried.join('\n  ')}\n` +
      'Build it from source with `npm run build` (needs cmake and a C++17 compiler).',
    'ADDON_NOT_FOUND',
  );
}

/** The path the addon was loaded from, once loaded. */
export function addonPath(): string | undefined {
  return loadedFrom;
}
