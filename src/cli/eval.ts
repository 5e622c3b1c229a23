/**
 * face-reid eval lfw --root DIR --pairs FILE (--landmarks FILE [--landmark-scale S] | --detect) [--out DIR]
 * --detect runs the whole FacePipeline instead of the annotations: the face nearest the image
 * centre is the subject; an image without a face scores -1 in its pairs.
 */
import { resolve } from 'node:path';
import { evaluateLfw } from '../eval/lfw';
import { readLandmarks } from '../eval/lfw-data';
import { FacePipeline } from '../pipeline';
import { FaceReid } from '../reid';
import { withDecodedImage } from '../image';
import { Progress } from '../util/progress';
import { modelFlags, parse, pipelineFlags, pipelineOptionsFrom, printHelp, reidSettingsFrom } from './common';

export const summary = 'LFW verification benchmark (n-fold protocol): accuracy, metrics JSON, ROC curve PNG';

const usage = `Usage: face-reid eval lfw --root DIR --pairs FILE --landmarks FILE [--landmark-scale 0.6]
  [--out DIR] [--hint THROUGHPUT|LATENCY] [--antialias] [--json]
  [--device CPU] [--precision FP16|FP16-INT8|FP32] [--model-dir DIR] [--config FILE]
       face-reid eval lfw --root DIR --pairs FILE --detect [--confidence C] [--min-face PX] ...
  (--detect: detector + landmarks + re-identification, no annotations; the face nearest the centre)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...modelFlags,
    ...pipelineFlags,
    detect: { type: 'boolean' },
    root: { type: 'string' },
    pairs: { type: 'string' },
    landmarks: { type: 'string' },
    'landmark-scale': { type: 'string' },
    out: { type: 'string' },
    hint: { type: 'string' },
    antialias: { type: 'boolean' },
  });
  if (values.help) return printHelp(usage);
  if (positionals[0] !== 'lfw' || !values.root || !values.pairs || (!values.landmarks && !values.detect) || (values.landmarks && values.detect)) {
    console.error(usage);
    return 2;
  }
  const hint = values.hint ?? 'THROUGHPUT';
  if (hint !== 'THROUGHPUT' && hint !== 'LATENCY') {
    console.error(`--hint must be THROUGHPUT or LATENCY, not ${hint}`);
    return 2;
  }
  if (values.detect) return runDetect(values as typeof values & { root: string; pairs: string }, hint);
  const scale = values['landmark-scale'] === undefined ? 1 : Number(values['landmark-scale']);
  const landmarks = readLandmarks(values.landmarks as string, scale);
  const settings = reidSettingsFrom(values).options;
  const reid = await FaceReid.create({
    ...settings,
    antialias: values.antialias,
    config: { ...settings.config, PERFORMANCE_HINT: values.hint ? hint : settings.config?.PERFORMANCE_HINT ?? hint },
  });
  const progress = new Progress({ label: 'embedding', unit: 'images', quiet: values.json });
  try {
    const report = await evaluateLfw({
      root: resolve(values.root),
      pairsFile: values.pairs,
      concurrency: reid.parallelism * 2,
      outDir: values.out ?? 'lfw-eval',
      describe: { model: 'face-reidentification-retail-0095', precision: reid.precision, device: reid.device, root: values.root, landmarks: values.landmarks, landmarkScale: scale },
      onProgress: (_done, total) => {
        progress.setTotal(total);
        progress.tick();
      },
      embed: async (rel, abs) => {
        const points = landmarks.get(rel);
        if (!points) return null;
        return reid.embed(abs, points);
      },
    });
    progress.done();
    printReport(report, values.json, 'images without landmarks or face');
    return 0;
  } finally {
    reid.close();
  }
}

type EvalValues = Parameters<typeof pipelineOptionsFrom>[0] & { root: string; pairs: string; out?: string; json?: boolean };

function printReport(report: Awaited<ReturnType<typeof evaluateLfw>>, json: boolean | undefined, noFace: string): void {
  if (json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(`LFW: ${report.pairs} pairs in ${report.folds.length} folds, ${report.images} images (${report.seconds.toFixed(1)} s)`);
  for (const f of report.folds) console.log(`  fold ${f.fold}: accuracy ${f.accuracy.toFixed(4)} at threshold ${f.threshold.toFixed(4)}`);
  console.log(`accuracy ${report.accuracyMean.toFixed(4)} ± ${report.accuracyStd.toFixed(4)}, mean threshold ${report.thresholdMean.toFixed(4)}, AUC ${report.auc.toFixed(4)}`);
  if (report.imagesWithoutFace.length) console.log(`${noFace}: ${report.imagesWithoutFace.length}`);
  console.log(`metrics: ${report.metricsFile}\nROC curve: ${report.rocFile}`);
}

/** The end-to-end variant: every image through FacePipeline, no annotations. */
async function runDetect(values: EvalValues, hint: 'THROUGHPUT' | 'LATENCY'): Promise<number> {
  const options = pipelineOptionsFrom(values);
  for (const key of ['detector', 'landmarks', 'reid'] as const) {
    options[key] = { ...options[key], config: { PERFORMANCE_HINT: hint, ...options[key]?.config } };
  }
  const pipeline = await FacePipeline.create(options);
  const progress = new Progress({ label: 'analysing', unit: 'images', quiet: values.json });
  try {
    const report = await evaluateLfw({
      root: resolve(values.root),
      pairsFile: values.pairs,
      concurrency: 4,
      outDir: values.out ?? 'lfw-eval',
      describe: { pipeline: 'detect', devices: pipeline.devices, config: pipeline.config, root: values.root },
      onProgress: (_done, total) => {
        progress.setTotal(total);
        progress.tick();
      },
      embed: (_rel, abs) =>
        withDecodedImage(abs, {}, async (raw) => {
          const face = FacePipeline.nearestToCentre(await pipeline.analyzeRaw(raw), raw.width, raw.height);
          return face ? face.embedding : null;
        }),
    });
    progress.done();
    printReport(report, values.json, 'images without a detected face (scored -1)');
    return 0;
  } finally {
    await pipeline.close();
  }
}
