/**
 * What an installation has and lacks: the addon, the OpenVINO runtime and its devices, the
 * models (with their hashes against the manifest), and the optional pieces. Every gap comes
 * with the command or setting that closes it. `face-reid doctor` prints this.
 */
import { FaceReidError } from './errors';
import { loadAddon, addonOrigin } from './native';
import { openvino, type RuntimeOptions } from './engine';
import { runtimeCandidates, runtimeInstallHint } from './engine/runtime';
import { sqliteDriver, sqliteFixes } from './gallery/stores/sqlite-driver';
import { checkFile, fetchCommand, MODEL_NAMES, modelFiles, resolveModel, searchLocations, type ModelName, type Precision } from './models';

export type CheckStatus = 'ok' | 'missing' | 'broken' | 'optional-missing';

export interface DoctorCheck {
  /** What was checked: "addon", "runtime", "devices", "model <name>", ... */
  name: string;
  status: CheckStatus;
  /** The package cannot embed faces without it. */
  essential: boolean;
  /** One line on what was found (or not). */
  summary: string;
  /** Structured facts (paths, versions, hashes) for --json. */
  details?: Record<string, unknown>;
  /** How to close the gap, when there is one. */
  fix?: string;
}

export interface DoctorReport {
  /** False when an essential check failed. */
  ok: boolean;
  node: { version: string; platform: string; arch: string; napi: string };
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  modelDir?: string;
  /** Precision whose files are checked (default FP16). */
  precision?: Precision;
  runtime?: RuntimeOptions;
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message.split('\n')[0] : String(err));

function checkAddon(): DoctorCheck {
  try {
    loadAddon();
    const origin = addonOrigin()!;
    return { name: 'addon', status: 'ok', essential: true, summary: `${origin.kind}: ${origin.path}`, details: { ...origin } };
  } catch (err) {
    return {
      name: 'addon',
      status: 'missing',
      essential: true,
      summary: firstLine(err),
      details: { message: (err as Error).message },
      fix: 'Use linux-x64 with glibc >= 2.35 (prebuilt), or build from source in the package folder: `npx cmake-js compile --out build` (C++17 compiler, cmake). See docs/install.md.',
    };
  }
}

function checkRuntime(runtime: RuntimeOptions | undefined): DoctorCheck {
  try {
    const info = openvino.runtimeInfo(runtime);
    return { name: 'runtime', status: 'ok', essential: true, summary: `OpenVINO ${info.version} from ${info.origin}: ${info.libraryPath}`, details: { ...info } };
  } catch (err) {
    const code = (err as FaceReidError).code;
    return {
      name: 'runtime',
      status: code === 'RUNTIME_NOT_FOUND' ? 'missing' : 'broken',
      essential: true,
      summary: firstLine(err),
      details: { message: (err as Error).message, code, searched: runtimeCandidates(runtime ?? {}) },
      fix:
        code === 'RUNTIME_NOT_FOUND'
          ? `${runtimeInstallHint()}; or \`face-reid runtime install\` (needs Python 3 and pip), or set OPENVINO_LIB_PATH to a folder holding libopenvino_c.so*; \`face-reid runtime\` lists every way.`
          : 'Install a supported OpenVINO release (2025.1 or later; tested with 2026.4.1): `face-reid runtime install`.',
    };
  }
}

function checkDevices(runtime: RuntimeOptions | undefined): DoctorCheck {
  try {
    const devices = openvino.devices(runtime);
    if (devices.length === 0) {
      return { name: 'devices', status: 'missing', essential: true, summary: 'OpenVINO reports no device', fix: 'Check that the runtime folder holds its plugins (libopenvino_intel_cpu_plugin.so).' };
    }
    return { name: 'devices', status: 'ok', essential: true, summary: devices.map((d) => `${d.name} (${d.fullName})`).join(', '), details: { devices } };
  } catch (err) {
    return { name: 'devices', status: 'broken', essential: true, summary: firstLine(err), fix: 'Fix the runtime first.' };
  }
}

async function checkModel(model: ModelName, precision: Precision, modelDir: string | undefined): Promise<DoctorCheck> {
  const name = `model ${model}`;
  let files;
  try {
    // Found first without hashing, so that a corrupt file is reported with both hashes below.
    files = await resolveModel(model, precision, { modelDir, verify: false });
  } catch (err) {
    return {
      name,
      status: 'missing',
      essential: true,
      summary: `${precision} not found in ${searchLocations(modelDir).map((l) => `${l.dir} (${l.origin})`).join(', ')}`,
      fix: `${fetchCommand(model, precision)}   (or set FACE_REID_MODELS to a folder in Open Model Zoo layout)`,
      details: { message: (err as Error).message },
    };
  }
  const facts = modelFiles(model, precision);
  const [xml, bin] = await Promise.all([checkFile(files.xml, facts.xml), checkFile(files.bin, facts.bin)]);
  const good = xml.status === 'verified' && bin.status === 'verified';
  const hash = (c: typeof xml) => `${c.status}${c.sha384 ? ` sha384 ${c.sha384.slice(0, 16)}…` : ''}`;
  return {
    name,
    status: good ? 'ok' : 'broken',
    essential: true,
    summary: `${precision} in ${files.dir} (${files.origin}); xml ${hash(xml)}, bin ${hash(bin)}`,
    details: { precision, dir: files.dir, origin: files.origin, xml, bin, expected: { xml: facts.xml.sha384, bin: facts.bin.sha384 } },
    fix: good ? undefined : `The files differ from the manifest: fetch them again with ${fetchCommand(model, precision)}`,
  };
}

function checkOptionalModule(name: string, what: string, fix: string): DoctorCheck {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(name);
    return { name, status: 'ok', essential: false, summary: `loads (${what})` };
  } catch (err) {
    return { name, status: 'optional-missing', essential: false, summary: `${firstLine(err)} (${what})`, fix };
  }
}

/** The SQLite driver the gallery's file store will use; not essential (compare, embed and analyze need none). */
function checkSqlite(): DoctorCheck {
  try {
    const { name, binary } = sqliteDriver();
    let version: string | undefined;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      version = name === 'better-sqlite3' ? (require('better-sqlite3/package.json') as { version: string }).version : process.version;
    } catch {
      /* the version is only for the summary */
    }
    // Which binary better-sqlite3 runs on: its own build, or the binary package's for this Node's ABI.
    const from = !binary
      ? ''
      : binary.source === 'npm package'
        ? `: binary from npm package ${binary.package}: ${binary.path}`
        : `: binary from better-sqlite3's own build${binary.path ? `: ${binary.path}` : ''}`;
    const summary = name === 'node:sqlite' ? `node:sqlite, built into Node ${version} (gallery files)` : `better-sqlite3 ${version ?? ''} (gallery files)${from}`;
    return { name: 'sqlite', status: 'ok', essential: false, summary, details: { driver: name, version, ...(binary ? { binary } : {}) } };
  } catch (err) {
    return {
      name: 'sqlite',
      status: 'optional-missing',
      essential: false,
      summary: `${firstLine(err).split(': ').slice(1).join(': ').split('. ')[0]} (gallery files)`,
      details: { message: (err as Error).message },
      fix: sqliteFixes(),
    };
  }
}

/** Runs every check; never throws for a missing piece (that is what the report is for). */
export async function diagnose(options: DoctorOptions = {}): Promise<DoctorReport> {
  const precision = options.precision ?? 'FP16';
  const checks: DoctorCheck[] = [];
  checks.push(checkOptionalModule('sharp', 'image decoding', 'npm install sharp (its platform package @img/sharp-<platform> must install too)'));
  // Image decoding is not optional: every command decodes photos.
  checks[0].essential = true;
  if (checks[0].status !== 'ok') checks[0].status = 'missing';
  const addon = checkAddon();
  checks.push(addon);
  if (addon.status === 'ok') {
    const runtime = checkRuntime(options.runtime);
    checks.push(runtime);
    if (runtime.status === 'ok') checks.push(checkDevices(options.runtime));
  }
  for (const model of MODEL_NAMES) checks.push(await checkModel(model, precision, options.modelDir));
  checks.push(checkSqlite());
  checks.push(
    checkOptionalModule(
      'openvino-node',
      "engine: 'openvino-node'",
      "only needed for engine: 'openvino-node': npm install openvino-node (its install step downloads its runtime)",
    ),
  );
  return {
    ok: checks.every((c) => !c.essential || c.status === 'ok'),
    node: { version: process.version, platform: process.platform, arch: process.arch, napi: process.versions.napi ?? '?' },
    checks,
  };
}

/** The report as lines for a terminal. */
export function formatReport(report: DoctorReport): string {
  const lines = [`node ${report.node.version} ${report.node.platform}-${report.node.arch} (N-API ${report.node.napi})`];
  for (const c of report.checks) {
    const mark = c.status === 'ok' ? 'ok' : c.status === 'optional-missing' ? 'optional' : c.status.toUpperCase();
    lines.push(`${mark.padEnd(9)}${c.name}: ${c.summary}`);
    if (c.fix) lines.push(`${''.padEnd(9)}fix: ${c.fix}`);
  }
  lines.push(report.ok ? 'Ready: everything essential is in place.' : 'Not ready: fix the entries marked MISSING or BROKEN above.');
  return lines.join('\n');
}
