/** face-reid demo: enroll a small gallery, identify a group photo, write the annotated picture. */
import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { defaultPeopleFolder, runDemo } from '../demo';
import { parse, pipelineFlags, pipelineOptionsFrom, printHelp } from './common';

export const summary = 'the main job on bundled defaults: enroll a demo gallery, identify a group photo, annotate it';

const usage = `Usage: face-reid demo [--people DIR] [--out DIR] [--count N] [--config FILE] [--device D] [--model-dir DIR]
  --people  a folder of <person>/<picture>.jpg (default: the LFW development images in FACE_REID_DATA or ../shared/data)
  --out     where the gallery, the group photo and the annotated picture go (default: demo-output)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...pipelineFlags, people: { type: 'string' }, out: { type: 'string' }, count: { type: 'string' } }, false);
  if (values.help) return printHelp(usage);
  const people = values.people ?? defaultPeopleFolder();
  if (!people) {
    console.error('face-reid demo: no picture folder found; pass --people DIR (a folder of <person>/<picture>.jpg) or set FACE_REID_DATA');
    return 2;
  }
  const outDir = resolve(values.out ?? 'demo-output');
  mkdirSync(outDir, { recursive: true });
  const result = await runDemo({
    people,
    outDir,
    count: values.count === undefined ? undefined : Number(values.count),
    pipeline: pipelineOptionsFrom(values),
    log: (line) => console.log(line),
  });
  console.log(`identified ${result.faces.length} face(s):`);
  for (const f of result.faces) console.log(`  ${f.label.padEnd(24)} similarity ${f.similarity.toFixed(3)} at x=${Math.round(f.box.x)}`);
  console.log(`annotated picture: ${result.annotated}`);
  return 0;
}
