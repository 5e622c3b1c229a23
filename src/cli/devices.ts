/** `face-reid devices [--json]`: the OpenVINO devices and the runtime in use. */
import { openvino } from '../engine';

export const summary = 'List OpenVINO devices and the runtime in use';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('Usage: face-reid devices [--json]\n\nLists the devices OpenVINO can use and where its runtime was loaded from.');
    return 0;
  }
  const unknown = argv.filter((arg) => arg !== '--json');
  if (unknown.length) {
    console.error(`face-reid devices: unknown option ${unknown[0]}`);
    return 2;
  }
  const runtime = openvino.runtimeInfo();
  const devices = openvino.devices();
  if (argv.includes('--json')) {
    console.log(JSON.stringify({ runtime, devices }, null, 2));
    return 0;
  }
  const width = Math.max(4, ...devices.map((d) => d.name.length));
  console.log(`${'NAME'.padEnd(width)}  FULL NAME`);
  for (const d of devices) console.log(`${d.name.padEnd(width)}  ${d.fullName}`);
  console.log(`\nOpenVINO ${runtime.version}\n${runtime.libraryPath}`);
  return 0;
}
