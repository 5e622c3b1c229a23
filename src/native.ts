/**
 * Loads the compiled addon by literal paths (no download, no install script) and
 * hands it the façade's error class. The typed surface lives beside each room
 * (`engine/binding.ts`, `align/binding.ts`); this file only finds the binary.
 *
 * Order: FACE_REID_ADDON, a source build in the package (build/Release, build/Debug: whoever
 * built from source wants that build), then the prebuilt binary shipped in the npm package
 * (prebuilds/<platform>-<arch>/ov-face-reid.napi[.<libc>].node, prebuildify's naming).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FaceReidError } from './errors';

const packageRoot = join(__dirname, '..');
const prebuiltName = 'ov-face-reid.napi';

export type AddonKind = 'FACE_REID_ADDON' | 'source build' | 'prebuilt';

export interface AddonCandidate {
  path: string;
  kind: AddonKind;
}

/** 'glibc' or 'musl' on Linux (their binaries are not interchangeable), undefined elsewhere. */
export function libcFamily(): 'glibc' | 'musl' | undefined {
  if (process.platform !== 'linux') return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** Where the addon may be, in the order tried. */
export function addonCandidates(): AddonCandidate[] {
  const platformDir = join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`);
  const candidates: AddonCandidate[] = [];
  if (process.env.FACE_REID_ADDON) candidates.push({ path: process.env.FACE_REID_ADDON, kind: 'FACE_REID_ADDON' });
  candidates.push(
    { path: join(packageRoot, 'build', 'Release', 'ov_face_reid.node'), kind: 'source build' },
    { path: join(packageRoot, 'build', 'Debug', 'ov_face_reid.node'), kind: 'source build' },
  );
  const libc = libcFamily();
  if (libc) candidates.push({ path: join(platformDir, `${prebuiltName}.${libc}.node`), kind: 'prebuilt' });
  candidates.push({ path: join(platformDir, `${prebuiltName}.node`), kind: 'prebuilt' });
  return candidates;
}

let cached: unknown;
let loadedFrom: AddonCandidate | undefined;

/** The raw addon exports; callers cast them to their room's typed binding. */
export function loadAddon(): unknown {
  if (cached) return cached;
  const tried: string[] = [];
  for (const candidate of addonCandidates()) {
    if (!existsSync(candidate.path)) {
      tried.push(`${candidate.path} (${candidate.kind}): not there`);
      continue;
    }
    let addon: { setErrorClass(cls: unknown): void };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      addon = require(candidate.path) as typeof addon;
    } catch (err) {
      // A binary that exists but does not load (older glibc, other architecture) is reported
      // with the loader's reason, and the next candidate is tried.
      tried.push(`${candidate.path} (${candidate.kind}): ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    addon.setErrorClass(FaceReidError);
    cached = addon;
    loadedFrom = candidate;
    return addon;
  }
  const libc = libcFamily();
  throw new FaceReidError(
    `No ov-face-reid addon fits ${process.platform}-${process.arch}${libc ? ` (${libc})` : ''}, N-API 8. Tried:\n  ${tried.join('\n  ')}\n` +
      'Prebuilt binaries ship for linux-x64 with glibc 2.35 or newer. Elsewhere, build from source in the package folder ' +
      `(${packageRoot}): \`npx cmake-js compile --out build\` or \`npx node-gyp rebuild\` (needs a C++17 compiler and Node headers), ` +
      'or point FACE_REID_ADDON at a built ov_face_reid.node. See docs/install.md.',
    'ADDON_NOT_FOUND',
  );
}

/** The path the addon was loaded from, once loaded. */
export function addonPath(): string | undefined {
  return loadedFrom?.path;
}

/** Where the addon was loaded from and how it got there, once loaded. */
export function addonOrigin(): AddonCandidate | undefined {
  return loadedFrom ? { ...loadedFrom } : undefined;
}
