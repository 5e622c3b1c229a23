/** face-reid eval lfw --root DIR --pairs FILE --landmarks FILE [--landmark-scale S] [--out DIR] */
import { resolve } from 'node:path';
import { evaluateLfw } from '../eval/lfw';
import { readLandmarks } from '../eval/lfw-data';
import { FaceReid } from '../reid';
import { Progress } from '../util/progress';
import { modelFlags, parse, printHelp, reidSettingsFrom } from './common';

export const summary = 'LFW verification benchmark (n-fold protocol): accuracy, metrics JSON, ROC curve PNG';

const usage = `Usage: face-reid eval lfw --root DIR --pairs FILE --landmarks FILE [--landmark-scale 0.6]
  [--out DIR] [--hint THROUGHPUT|LATENCY] [--antialias] [--json]
  [--device CPU] [--precision FP16|FP16-INT8|FP32] [--model-dir DIR]`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...modelFlags,
    root: { type: 'string' },
    pairs: { type: 'string' },
    landmarks: { type: 'string' },
    'landmark-scale': { type: 'string' },
    out: { type: 'string' },
    hint: { type: 'string' },
    antialias: { type: 'boolean' },
  });
  if (values.help) return printHelp(usage);
  if (positionals[0] !== 'lfw' || !values.root || !values.pairs || !values.landmarks) {
    console.error(usage);
    return 2;
  }
  const scale = values['landmark-scale'] === undefined ? 1 : Number(values['landmark-scale']);
  const landmarks = readLandmarks(values.landmarks, scale);
  const settings = reidSettingsFrom(values).options;
  const reid = await FaceReid.create({
    ...settings,
    antialias: values.antialias,
    config: { ...settings.config, PERFORMANCE_HINT: values.hint ?? settings.config?.PERFORMANCE_HINT ?? 'THROUGHPUT' },
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
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`LFW: ${report.pairs} pairs in ${report.folds.length} folds, ${report.images} images (${report.seconds.toFixed(1)} s)`);
      for (const f of report.folds) console.log(`  fold ${f.fold}: accuracy ${f.accuracy.toFixed(4)} at threshold ${f.threshold.toFixed(4)}`);
      console.log(`accuracy ${report.accuracyMean.toFixed(4)} ± ${report.accuracyStd.toFixed(4)}, mean threshold ${report.thresholdMean.toFixed(4)}, AUC ${report.auc.toFixed(4)}`);
      if (report.imagesWithoutFace.length) console.log(`images without landmarks or face: ${report.imagesWithoutFace.length}`);
      console.log(`metrics: ${report.metricsFile}\nROC curve: ${report.rocFile}`);
    }
    return 0;
  } finally {
    reid.close();
  }
}
