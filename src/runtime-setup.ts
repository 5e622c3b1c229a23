/**
 * The ways a user can get an OpenVINO runtime with the C API (libopenvino_c), where each one
 * puts it, and whether it is on this machine. `face-reid runtime` prints these and
 * `face-reid runtime install` performs the one that needs nothing but Python.
 * Loading stays in engine/runtime.ts; this module only looks at folders and runs pip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FaceReidError, invalidType } from './errors';
import { findRuntimePackage, pinnedRuntimePackageVersion, runtimePackageName, userRuntimeDir } from './engine/runtime';

/** The OpenVINO release this package is tested with (the oracle and CI use the same wheel). */
export const TESTED_OPENVINO_VERSION = '2026.4.1';

export interface RuntimeAlternative {
  kind: 'npm package' | 'pip wheel (face-reid runtime install)' | 'pip wheel (Python site-packages)' | 'Intel archive' | 'APT/YUM packages' | 'openvino-node runtime';
  /** Folder that holds (or would hold) the libraries. */
  place: string;
  /** libopenvino_c.so* files found there. */
  cApiFiles: string[];
  /** Whether anything of this kind is installed at `place` (even without the C API). */
  present: boolean;
  /** How to install it. */
  install: string;
  /** What makes ov-face-reid use it. */
  use: string;
  note?: string;
}

function filesMatching(folder: string, prefix: string): string[] {
  try {
    return readdirSync(folder).filter((name) => name.startsWith(prefix)).map((name) => join(folder, name));
  } catch {
    return [];
  }
}

const cApi = (folder: string): string[] => filesMatching(folder, 'libopenvino_c.so');

/** The Python executable to use: PYTHON, else python3 when it runs. */
export function findPython(): string | undefined {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter((c): c is string => !!c)) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info[0])'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.status === 0 && probe.stdout.trim() === '3') return candidate;
  }
  return undefined;
}

/** `openvino/libs` of a wheel already installed in Python's site-packages, if any. */
function pythonWheelLibs(python: string | undefined): string | undefined {
  if (!python) return undefined;
  const probe = spawnSync(python, ['-c', 'import importlib.util as u, os; s = u.find_spec("openvino"); print(os.path.dirname(s.origin) if s and s.origin else "")'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  const dir = probe.status === 0 ? probe.stdout.trim() : '';
  return dir ? join(dir, 'libs') : undefined;
}

/** Where openvino-node keeps the runtime its install step downloads (next to its addon). */
function openvinoNodeRuntime(): string | undefined {
  try {
    return join(dirname(require.resolve('openvino-node/package.json')), 'bin');
  } catch {
    return undefined;
  }
}

/** Every known way to get the runtime, with what is on this machine. Runs Python once, briefly. */
export function runtimeAlternatives(python = findPython()): RuntimeAlternative[] {
  const alternatives: RuntimeAlternative[] = [];
  const npmPackage = findRuntimePackage();
  const pinned = pinnedRuntimePackageVersion();
  alternatives.push({
    kind: 'npm package',
    place: npmPackage?.libraryDir ?? `node_modules/${runtimePackageName()}/lib`,
    cApiFiles: npmPackage ? cApi(npmPackage.libraryDir) : [],
    present: npmPackage !== undefined,
    install: pinned
      ? `npm install ${runtimePackageName()}@${pinned}   (an optional dependency of ov-face-reid: npm installs it unless optional dependencies are omitted)`
      : `none is published for ${process.platform}-${process.arch}`,
    use: 'found automatically, right after runtime.libraryPath and OPENVINO_LIB_PATH',
  });
  const userLibs = join(userRuntimeDir(), 'openvino', 'libs');
  alternatives.push({
    kind: 'pip wheel (face-reid runtime install)',
    place: userLibs,
    cApiFiles: cApi(userLibs),
    present: existsSync(userLibs),
    install: python
      ? `face-reid runtime install   (runs: ${python} -m pip install --no-deps --target ${userRuntimeDir()} openvino==${TESTED_OPENVINO_VERSION})`
      : 'needs Python 3 with pip; without Python use one of the other ways',
    use: 'found automatically (FACE_REID_RUNTIME_DIR moves it)',
  });
  const siteLibs = pythonWheelLibs(python);
  if (siteLibs) {
    alternatives.push({
      kind: 'pip wheel (Python site-packages)',
      place: siteLibs,
      cApiFiles: cApi(siteLibs),
      present: existsSync(siteLibs),
      install: `${python} -m pip install openvino==${TESTED_OPENVINO_VERSION}`,
      use: `OPENVINO_LIB_PATH=${siteLibs}`,
    });
  }
  let archives: string[] = [];
  try {
    archives = readdirSync('/opt/intel').filter((n) => n.startsWith('openvino')).map((n) => join('/opt/intel', n, 'runtime', 'lib', 'intel64'));
  } catch {
    /* no archive installed */
  }
  for (const place of archives.length ? archives : ['/opt/intel/openvino_<version>/runtime/lib/intel64']) {
    alternatives.push({
      kind: 'Intel archive',
      place,
      cApiFiles: cApi(place),
      present: existsSync(place),
      install: 'download openvino_toolkit_<os>_<version>_x86_64.tgz from Intel\'s storage (storage.openvinotoolkit.org) and unpack it under /opt/intel',
      use: 'found automatically under /opt/intel/openvino*',
    });
  }
  const systemFolder = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/local/lib'].find((f) => cApi(f).length > 0);
  const aptPlace = systemFolder ?? '/usr/lib/x86_64-linux-gnu';
  alternatives.push({
    kind: 'APT/YUM packages',
    place: aptPlace,
    cApiFiles: cApi(aptPlace),
    present: cApi(aptPlace).length > 0 || filesMatching(aptPlace, 'libopenvino.so').length > 0,
    install: "add Intel's OpenVINO APT repository (apt.repos.intel.com/openvino) and `apt install openvino` (the runtime package holds libopenvino_c)",
    use: 'found automatically in the system library folders',
  });
  const nodeRuntime = openvinoNodeRuntime();
  if (nodeRuntime) {
    const files = cApi(nodeRuntime);
    alternatives.push({
      kind: 'openvino-node runtime',
      place: nodeRuntime,
      cApiFiles: files,
      present: filesMatching(nodeRuntime, 'libopenvino.so').length > 0,
      install: 'npm install openvino-node (its install step downloads the runtime)',
      use: files.length ? `OPENVINO_LIB_PATH=${nodeRuntime}` : "engine: 'openvino-node' only",
      note: files.length
        ? undefined
        : "openvino-node's runtime leaves out the C API (libopenvino_c), so the addon cannot use it; FaceReid and FacePipeline can run on openvino-node itself with engine: 'openvino-node'",
    });
  }
  return alternatives;
}

export interface InstallRuntimeOptions {
  /** Target folder (default: userRuntimeDir()). The libraries land in <dir>/openvino/libs. */
  dir?: string;
  version?: string;
  python?: string;
  /** Receives pip's output lines; default: inherited stdio. */
  quiet?: boolean;
}

/** Installs the OpenVINO wheel's files into a folder with pip (no virtualenv, nothing system-wide). */
export function installRuntime(options: InstallRuntimeOptions = {}): { libs: string; version: string } {
  if (options === null || typeof options !== 'object') throw invalidType('an object', 'options', options);
  const dir = resolve(options.dir ?? userRuntimeDir());
  const version = options.version ?? TESTED_OPENVINO_VERSION;
  if (!/^\d{4}\.\d+\.\d+$/.test(version)) throw invalidType('a version like 2026.4.1', 'version', version);
  const python = options.python ?? findPython();
  if (!python) {
    throw new FaceReidError('Python 3 with pip was not found, so the wheel cannot be installed; see `face-reid runtime` for the other ways', 'RUNTIME_INSTALL_FAILED');
  }
  mkdirSync(dir, { recursive: true });
  const result = spawnSync(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-deps', '--upgrade', '--target', dir, `openvino==${version}`], {
    stdio: options.quiet ? 'pipe' : 'inherit',
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new FaceReidError(`pip could not install openvino==${version} into ${dir} (exit ${result.status})${options.quiet ? `: ${result.stderr}` : ''}`, 'RUNTIME_INSTALL_FAILED');
  }
  const libs = join(dir, 'openvino', 'libs');
  if (cApi(libs).length === 0) throw new FaceReidError(`pip finished but ${libs} holds no libopenvino_c.so*`, 'RUNTIME_INSTALL_FAILED');
  writeFileSync(join(dir, '.version'), `${version}\n`);
  return { libs, version };
}
