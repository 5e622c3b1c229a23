/** face-reid embed <image> --landmarks x1,y1,...,x5,y5 [--json] */
import { FaceReid } from '../reid';
import { modelFlags, parse, parseLandmarkList, printHelp, reidSettingsFrom } from './common';

export const summary = 'print the 256-d identity vector of a face given its five landmarks';

const usage = `Usage: face-reid embed <image> --landmarks x1,y1,...,x5,y5 [--json]
  [--config FILE] [--device CPU] [--precision FP16|FP16-INT8|FP32] [--model-dir DIR]`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...modelFlags, landmarks: { type: 'string' } });
  if (values.help) return printHelp(usage);
  if (positionals.length !== 1) {
    console.error(usage);
    return 2;
  }
  const landmarks = parseLandmarkList(values.landmarks, '--landmarks');
  const reid = await FaceReid.create(reidSettingsFrom(values).options);
  try {
    const embedding = await reid.embed(positionals[0], landmarks);
    if (values.json) console.log(JSON.stringify({ image: positionals[0], embedding: Array.from(embedding) }));
    else console.log(Array.from(embedding, (v) => v.toFixed(6)).join(' '));
    return 0;
  } finally {
    reid.close();
  }
}
