/**
 * Finds and loads the OpenVINO C runtime (libopenvino_c). Only one runtime can be
 * loaded per process; a Core is created lazily once per environment (thread).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { FaceReidError } from '../errors';
import { engineBinding, NativeCore } from './binding';

export interface RuntimeOptions {
  /** libopenvino_c file, or a folder holding it. When given, it is the only place tried. */
  libraryPath?: string;
}

export interface RuntimeInfo {
  /** Canonical path of the loaded libopenvino_c. */
  libraryPath: string;
  /** OpenVINO build number, e.g. "2026.4.1-22982-...". */
  version: string;
  /** Which discovery step found it, e.g. "OPENVINO_LIB_PATH" or "npm package @ov-face-reid/openvino-linux-x64@2026.4.1". */
  origin: string;
}

const packageRoot = resolve(__dirname, '..', '..');
const systemName = 'libopenvino_c.so';

/** Library files in a folder: the wheel ships only versioned names (libopenvino_c.so.2641). */
function libraryFilesIn(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((name) => name === systemName || name.startsWith(`${systemName}.`))
      .sort((a, b) => b.length - a.length || b.localeCompare(a))
      .map((name) => join(folder, name));
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where `face-reid runtime install` puts the wheel's files when the package is installed from
 * npm: outside node_modules, so that reinstalling the package keeps it.
 */
export function userRuntimeDir(): string {
  const fromEnv = process.env.FACE_REID_RUNTIME_DIR;
  return fromEnv ? resolve(fromEnv) : join(homedir(), '.cache', 'ov-face-reid', 'runtime');
}

/** The npm package that carries the runtime for this platform (only linux-x64 with glibc is published). */
export function runtimePackageName(): string {
  return `@ov-face-reid/openvino-${process.platform}-${process.arch}`;
}

export interface RuntimePackage {
  name: string;
  version: string;
  /** Folder holding libopenvino_c and its plugins. */
  libraryDir: string;
}

/**
 * The runtime package as installed beside (or inside) this package, resolved the way Node
 * resolves any dependency of ov-face-reid; undefined when npm skipped it (another platform,
 * --omit=optional) or it was never installed.
 */
export function findRuntimePackage(): RuntimePackage | undefined {
  let manifestPath: string;
  try {
    manifestPath = require.resolve(`${runtimePackageName()}/package.json`, { paths: [packageRoot] });
  } catch {
    return undefined;
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; version: string; openvino?: { libraryDir?: string } };
  return { name: manifest.name, version: manifest.version, libraryDir: join(dirname(manifestPath), manifest.openvino?.libraryDir ?? 'lib') };
}

/** The runtime package's version this package pins (its optionalDependencies entry). */
export function pinnedRuntimePackageVersion(): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
    return manifest.optionalDependencies?.[runtimePackageName()];
  } catch {
    return undefined;
  }
}

/** How to get the runtime package on this platform, or why there is none. */
export function runtimeInstallHint(): string {
  const version = pinnedRuntimePackageVersion();
  if (!version) return `No runtime npm package exists for ${process.platform}-${process.arch}: install OpenVINO (2025.1 or later) another way`;
  return `Install it with \`npm install ${runtimePackageName()}@${version}\` (npm installs it with ov-face-reid unless optional dependencies are omitted)`;
}

/** Library folders Intel's APT/YUM packages install into (versioned names only, without the -dev package). */
const systemFolders = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/local/lib'];

/** Places to look, in order, each with how it was chosen (for the error message). */
export function runtimeCandidates(options: RuntimeOptions = {}): { place: string; why: string }[] {
  if (options.libraryPath !== undefined) return [{ place: resolve(options.libraryPath), why: 'runtime.libraryPath option' }];
  const places: { place: string; why: string }[] = [];
  const fromEnv = process.env.OPENVINO_LIB_PATH;
  if (fromEnv) places.push({ place: resolve(fromEnv), why: 'OPENVINO_LIB_PATH' });
  // Right after the explicit choices: the runtime npm installed with this package (the default
  // install path needs nothing else), before anything a developer or the system set up.
  const fromNpm = findRuntimePackage();
  if (fromNpm) places.push({ place: fromNpm.libraryDir, why: `npm package ${fromNpm.name}@${fromNpm.version}` });
  else places.push({ place: `${runtimePackageName()} (not installed)`, why: 'npm package' });
  places.push({ place: join(packageRoot, '.openvino', 'openvino', 'libs'), why: 'project-local install' });
  places.push({ place: join(userRuntimeDir(), 'openvino', 'libs'), why: 'face-reid runtime install' });
  try {
    for (const name of readdirSync('/opt/intel').filter((n) => n.startsWith('openvino')).sort().reverse()) {
      places.push({ place: join('/opt/intel', name, 'runtime', 'lib', 'intel64'), why: 'Intel archive' });
    }
  } catch {
    places.push({ place: '/opt/intel/openvino*/runtime/lib/intel64', why: 'Intel archive (none installed)' });
  }
  for (const folder of systemFolders) {
    if (libraryFilesIn(folder).length > 0) places.push({ place: folder, why: 'system package' });
  }
  places.push({ place: systemName, why: 'system library search path' });
  return places;
}

let loaded: RuntimeInfo | undefined;

/** Loads the runtime (once per process) and describes it. */
export function loadRuntime(options: RuntimeOptions = {}): RuntimeInfo {
  if (loaded && options.libraryPath === undefined) return loaded;
  const binding = engineBinding();
  const tried: string[] = [];
  for (const { place, why } of runtimeCandidates(options)) {
    const files = place === systemName ? [systemName] : isDirectory(place) ? libraryFilesIn(place) : existsSync(place) ? [place] : [];
    if (files.length === 0) {
      tried.push(`${place} (${why}): nothing there`);
      continue;
    }
    for (const file of files) {
      try {
        loaded = { ...binding.openRuntime(file), origin: why };
        return loaded;
      } catch (err) {
        const code = (err as FaceReidError).code;
        // A runtime that exists but cannot be used is reported as such, not skipped.
        if (code !== 'RUNTIME_NOT_FOUND') throw err;
        tried.push(`${file} (${why}): ${(err as Error).message}`);
      }
    }
  }
  throw new FaceReidError(
    `The OpenVINO runtime (libopenvino_c) was not found. Tried:\n  ${tried.join('\n  ')}\n` +
      `${runtimeInstallHint()}, or \`face-reid runtime install\` (needs Python 3 and pip; \`npm run setup:runtime\` in a checkout), or set OPENVINO_LIB_PATH to the folder holding libopenvino_c.so*.`,
    'RUNTIME_NOT_FOUND',
  );
}

let core: NativeCore | undefined;

/** The environment's OpenVINO core, created on first use. */
export function getCore(options: RuntimeOptions = {}): NativeCore {
  loadRuntime(options);
  if (!core) core = new (engineBinding().Core)();
  return core;
}
