/**
 * better-sqlite3's compiled binary from the npm package `@ov-face-reid/better-sqlite3-<platform>-<arch>`
 * (made by scripts/make-sqlite-package.sh), for installs where better-sqlite3's install script did
 * not run (`--ignore-scripts`, npm 11 without approving it) on a Node without node:sqlite (20).
 * Like sharp's per-platform packages it only carries files: one `better_sqlite3.node` per Node ABI
 * (`process.versions.modules`), because better-sqlite3 is written against V8's API, not N-API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The ov-face-reid package folder (this file is dist/gallery/stores/…). */
const packageRoot = resolve(__dirname, '..', '..', '..');

/** The binary package for this platform (only linux-x64 with glibc is published). */
export function sqliteBinaryPackageName(): string {
  return `@ov-face-reid/better-sqlite3-${process.platform}-${process.arch}`;
}

/** The binary package's version this package pins (its optionalDependencies entry), if it has one for this platform. */
export function pinnedSqliteBinaryPackageVersion(): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
    return manifest.optionalDependencies?.[sqliteBinaryPackageName()];
  } catch {
    return undefined;
  }
}

export interface SqliteBinary {
  /** `@ov-face-reid/better-sqlite3-linux-x64@12.11.1` */
  package: string;
  /** The `better_sqlite3.node` for this Node's ABI. */
  path: string;
}

interface BinaryPackageManifest {
  name: string;
  version: string;
  betterSqlite3?: { version?: string; binaries?: Record<string, string> };
}

/**
 * The binary for this Node's ABI from the package installed beside ov-face-reid (resolved the way
 * Node resolves any of its dependencies), or why there is none. `betterSqliteVersion` is the
 * installed better-sqlite3's: its JavaScript and the binary must come from the same release.
 */
export function findSqliteBinary(betterSqliteVersion: string): SqliteBinary | string {
  const name = sqliteBinaryPackageName();
  if (!pinnedSqliteBinaryPackageVersion()) return `no better-sqlite3 binary package exists for ${process.platform}-${process.arch}`;
  let manifestPath: string;
  try {
    manifestPath = require.resolve(`${name}/package.json`, { paths: [packageRoot] });
  } catch {
    return `the npm package ${name} (its binary for Node 20) is not installed`;
  }
  let manifest: BinaryPackageManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BinaryPackageManifest;
  } catch (err) {
    return `${manifestPath} is unreadable: ${(err as Error).message}`;
  }
  const pkg = `${name}@${manifest.version}`;
  const built = manifest.betterSqlite3?.version;
  if (built !== betterSqliteVersion) return `${pkg} holds the binary of better-sqlite3 ${built ?? '(unknown)'}, but better-sqlite3 ${betterSqliteVersion} is installed`;
  const binaries = manifest.betterSqlite3?.binaries ?? {};
  const abi = process.versions.modules;
  const file = binaries[abi];
  if (!file) {
    const carried = Object.keys(binaries).join(', ') || 'none';
    return `${pkg} has no binary for Node ${process.version} (ABI ${abi}; it carries ABI ${carried})`;
  }
  const path = join(dirname(manifestPath), file);
  if (!existsSync(path)) return `${pkg} lacks its ${file}`;
  return { package: pkg, path };
}
