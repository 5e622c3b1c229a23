/** face-reid identify <image|dir> --gallery FILE|URL [--out annotated.jpg]: who is in the picture. */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { FaceReidError } from '../errors';
import { Gallery } from '../gallery';
import { identifyFaces, identityAnnotations } from '../identify';
import { FacePipeline } from '../pipeline';
import { writeAnnotated } from '../render/annotate';
import { parse, pipelineFlags, pipelineOptionsFrom, printHelp } from './common';

export const summary = 'name the faces of a photo (or a folder of photos) against a gallery; annotated picture';

const usage = `Usage: face-reid identify <image|dir> --gallery FILE|URL [--out annotated.jpg|DIR] [--threshold T] [--json]
  [--config FILE] [--device D] [--model-dir DIR]`;

const IMAGES = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp']);

function inputsOf(target: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(target).isDirectory();
  } catch {
    throw new FaceReidError(`no picture or folder at ${target}`, 'PATH_NOT_FOUND');
  }
  if (!isDir) return [target];
  return readdirSync(target)
    .filter((f) => IMAGES.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(target, f));
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...pipelineFlags, gallery: { type: 'string' }, out: { type: 'string' }, threshold: { type: 'string' } });
  if (values.help) return printHelp(usage);
  if (positionals.length !== 1 || !values.gallery) {
    console.error(usage);
    return 2;
  }
  const inputs = inputsOf(positionals[0]);
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  const pipeline = await FacePipeline.create(pipelineOptionsFrom(values));
  let gallery: Gallery;
  try {
    gallery = await Gallery.open(values.gallery, { readonly: true, model: pipeline.embeddingModel });
  } catch (err) {
    await pipeline.close();
    throw err;
  }
  try {
    const report = [];
    for (const input of inputs) {
      const faces = await identifyFaces(pipeline, gallery, input, { threshold });
      if (values.out) {
        const out = inputs.length > 1 ? join(values.out, basename(input)) : values.out;
        await writeAnnotated(input, identityAnnotations(faces), out);
      }
      report.push({ image: input, faces: faces.map((f) => ({ label: f.label, similarity: f.similarity, box: f.box, score: f.score })) });
      if (!values.json) {
        console.log(`${input}: ${faces.length} face(s)`);
        for (const f of faces) console.log(`  ${f.label.padEnd(24)} similarity ${f.similarity.toFixed(3)}  box ${Math.round(f.box.x)},${Math.round(f.box.y)} ${Math.round(f.box.width)}x${Math.round(f.box.height)}`);
      }
    }
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else if (values.out) console.log(`annotated: ${values.out}`);
    return 0;
  } finally {
    await gallery.close();
    await pipeline.close();
  }
}
