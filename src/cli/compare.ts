/** face-reid compare <a> <b> --landmarks-a ... --landmarks-b ... */
import { FaceReid, verify } from '../reid';
import { modelFlags, parse, parseLandmarkList, printHelp, reidSettingsFrom } from './common';

export const summary = 'say whether two faces are the same person (cosine similarity and verdict)';

const usage = `Usage: face-reid compare <imageA> <imageB> --landmarks-a x1,y1,...,x5,y5 --landmarks-b x1,y1,...,x5,y5
  [--threshold T] [--json] [--config FILE] [--device CPU] [--precision FP16|FP16-INT8|FP32] [--model-dir DIR]`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...modelFlags,
    'landmarks-a': { type: 'string' },
    'landmarks-b': { type: 'string' },
    threshold: { type: 'string' },
  });
  if (values.help) return printHelp(usage);
  if (positionals.length !== 2) {
    console.error(usage);
    return 2;
  }
  const landmarksA = parseLandmarkList(values['landmarks-a'], '--landmarks-a');
  const landmarksB = parseLandmarkList(values['landmarks-b'], '--landmarks-b');
  const settings = reidSettingsFrom(values);
  const reid = await FaceReid.create(settings.options);
  try {
    const [a, b] = await reid.embedBatch([
      { image: positionals[0], landmarks: landmarksA },
      { image: positionals[1], landmarks: landmarksB },
    ]);
    const threshold = values.threshold === undefined ? settings.thresholds?.verify : Number(values.threshold);
    const result = verify(a, b, { threshold });
    if (values.json) console.log(JSON.stringify({ a: positionals[0], b: positionals[1], ...result }));
    else console.log(`similarity ${result.similarity.toFixed(4)}: ${result.same ? 'same person' : 'different people'}`);
    return 0;
  } finally {
    reid.close();
  }
}
