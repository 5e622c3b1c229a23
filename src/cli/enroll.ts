/** face-reid enroll <dir> --gallery FILE|URL: every picture's largest face into the gallery. */
import { Gallery, enrollFolder } from '../gallery';
import { checkFolder } from '../gallery/enroll';
import { largestFaceEmbedding } from '../identify';
import { FacePipeline } from '../pipeline';
import { Progress } from '../util/progress';
import { parse, pipelineFlags, pipelineOptionsFrom, printHelp } from './common';

export const summary = 'enroll a folder of pictures (<label>-<n>.jpg or <label>/<file>) into a gallery (file or postgres:// URL)';

const usage = `Usage: face-reid enroll <dir> --gallery FILE|URL [--json]
  [--config FILE] [--device D] [--model-dir DIR]
Layouts: <dir>/<label>-<n>.jpg or <dir>/<label>/<any>.jpg; the largest face of each picture is enrolled.
Reruns skip pictures already enrolled.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...pipelineFlags, gallery: { type: 'string' } });
  if (values.help) return printHelp(usage);
  if (positionals.length !== 1 || !values.gallery) {
    console.error(usage);
    return 2;
  }
  // A mistyped folder fails before the models load.
  checkFolder(positionals[0]);
  const pipeline = await FacePipeline.create(pipelineOptionsFrom(values));
  let gallery: Gallery;
  try {
    // Opened for the pipeline's model: a new gallery records it, another model's gallery refuses.
    gallery = await Gallery.open(values.gallery, { model: pipeline.embeddingModel });
  } catch (err) {
    await pipeline.close();
    throw err;
  }
  const progress = new Progress({ label: 'enrolling', unit: 'images', quiet: values.json });
  try {
    const result = await enrollFolder(gallery, positionals[0], (path) => largestFaceEmbedding(pipeline, path), {
      model: pipeline.embeddingModel,
      onProgress: (p) => {
        progress.setTotal(p.total);
        progress.tick();
      },
    });
    progress.done();
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      console.log(`enrolled ${result.enrolled}, already there ${result.skipped}, no face ${result.noFace.length}, failed ${result.failed.length}; gallery now holds ${await gallery.count()} identities`);
      for (const path of result.noFace) console.log(`  no face: ${path}`);
      for (const f of result.failed) console.log(`  failed: ${f.path}: ${f.error}`);
    }
    return result.failed.length ? 1 : 0;
  } finally {
    await gallery.close();
    await pipeline.close();
  }
}
