/**
 * `face-reid runtime [status|install]`: the ways to get an OpenVINO runtime with its C API,
 * which of them this machine has, and (with Python) installing the wheel's files into a folder.
 */
import { openvino } from '../engine';
import { userRuntimeDir } from '../engine/runtime';
import { findPython, installRuntime, runtimeAlternatives, TESTED_OPENVINO_VERSION } from '../runtime-setup';
import { parse, printHelp } from './common';

export const summary = 'show the ways to get the OpenVINO runtime and which are here; `runtime install` fetches the wheel with pip';

const usage = `Usage: face-reid runtime [status] [--json]
       face-reid runtime install [--dir DIR] [--version ${TESTED_OPENVINO_VERSION}]

status   (default) the runtime in use and every way to get one, with what this machine has
install  pip-installs the openvino wheel's files into DIR (default ${userRuntimeDir()},
         FACE_REID_RUNTIME_DIR moves it), where the addon finds them; without Python it prints
         the other ways instead and exits 1.`;

function printAlternatives(alternatives: ReturnType<typeof runtimeAlternatives>): void {
  for (const a of alternatives) {
    const state = a.cApiFiles.length ? 'HERE (C API present)' : a.present ? 'here, but without the C API' : 'not here';
    console.log(`\n${a.kind}: ${state}\n  folder:  ${a.place}\n  install: ${a.install}\n  use:     ${a.use}`);
    if (a.note) console.log(`  note:    ${a.note}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const [sub = 'status', ...rest] = argv[0]?.startsWith('-') ? ['status', ...argv] : argv;
  const { values } = parse(
    rest,
    { json: { type: 'boolean' }, dir: { type: 'string' }, version: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    false,
  );
  if (values.help) return printHelp(usage);
  if (sub === 'status') {
    let inUse: { libraryPath: string; version: string; origin: string } | { error: string };
    try {
      inUse = openvino.runtimeInfo();
    } catch (err) {
      inUse = { error: (err as Error).message.split('\n')[0] };
    }
    const alternatives = runtimeAlternatives();
    if (values.json) {
      console.log(JSON.stringify({ inUse, alternatives }, null, 2));
    } else {
      console.log('error' in inUse ? `No runtime in use: ${inUse.error}` : `In use: OpenVINO ${inUse.version} from ${inUse.libraryPath} (${inUse.origin})`);
      printAlternatives(alternatives);
    }
    return 'error' in inUse ? 1 : 0;
  }
  if (sub === 'install') {
    const python = findPython();
    if (!python) {
      console.error('face-reid runtime install: Python 3 with pip was not found. Other ways to get the runtime:');
      printAlternatives(runtimeAlternatives(undefined));
      return 1;
    }
    const { libs, version } = installRuntime({ dir: values.dir, version: values.version, python });
    console.log(`OpenVINO ${version} installed in ${libs}`);
    if (values.dir) console.log(`Point the addon at it: OPENVINO_LIB_PATH=${libs}`);
    return 0;
  }
  console.error(`face-reid runtime: unknown subcommand "${sub}"\n\n${usage}`);
  return 2;
}
