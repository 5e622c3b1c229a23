/** `face-reid doctor [--json]`: what this installation has, what it lacks, and how to fix each gap. */
import { diagnose, formatReport } from '../doctor';
import { parse, printHelp } from './common';
import type { Precision } from '../config';

export const summary = 'check the installation: addon, OpenVINO runtime, devices, models (exit 1 when something essential is missing)';

const usage = `Usage: face-reid doctor [--json] [--model-dir DIR] [--precision FP16|FP16-INT8|FP32] [--runtime PATH]

Checks the addon (prebuilt or built from source), the OpenVINO runtime (path and version), its
devices, the three models (SHA-384 against the manifest) and optional pieces, printing the fix
for each gap. Exit code 1 when something essential is missing.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { json: { type: 'boolean' }, 'model-dir': { type: 'string' }, precision: { type: 'string' }, runtime: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    false,
  );
  if (values.help) return printHelp(usage);
  const report = await diagnose({
    modelDir: values['model-dir'],
    precision: values.precision as Precision | undefined,
    runtime: values.runtime ? { libraryPath: values.runtime } : undefined,
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? 0 : 1;
}
