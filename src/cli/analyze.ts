/** face-reid analyze <image> [--out annotated.jpg] [--json] */
import { FacePipeline } from '../pipeline';
import { writeAnnotated } from '../render/annotate';
import { pipelineOptionsFrom, pipelineFlags, parse, printHelp } from './common';

export const summary = 'find every face in a photo: boxes, landmarks, scores, embeddings; annotated picture';

const usage = `Usage: face-reid analyze <image> [--out annotated.jpg] [--json] [--embeddings]
  [--config FILE] [--device D] [--confidence C] [--model-dir DIR]`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...pipelineFlags, out: { type: 'string' }, embeddings: { type: 'boolean' } });
  if (values.help) return printHelp(usage);
  if (positionals.length !== 1) {
    console.error(usage);
    return 2;
  }
  const pipeline = await FacePipeline.create(pipelineOptionsFrom(values));
  try {
    const faces = await pipeline.analyze(positionals[0]);
    if (values.out) {
      await writeAnnotated(
        positionals[0],
        faces.map((f) => ({ box: f.box, landmarks: f.landmarks, caption: f.score.toFixed(2) })),
        values.out,
      );
    }
    if (values.json) {
      const rows = faces.map((f) => ({ box: f.box, score: f.score, landmarks: f.landmarks, ...(values.embeddings ? { embedding: Array.from(f.embedding) } : {}) }));
      console.log(JSON.stringify({ image: positionals[0], faces: rows }, null, 2));
    } else {
      console.log(`${faces.length} face(s) in ${positionals[0]}`);
      faces.forEach((f, i) => {
        const b = f.box;
        console.log(`  #${i + 1} score ${f.score.toFixed(3)} box ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}x${Math.round(b.height)}`);
      });
      if (values.out) console.log(`annotated picture: ${values.out}`);
    }
    return 0;
  } finally {
    await pipeline.close();
  }
}
