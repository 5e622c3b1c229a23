/**
 * LFW verification benchmark: embed every image the pairs use once, score the pairs by cosine
 * similarity, run the n-fold protocol, write a metrics JSON and an ROC curve PNG.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSvgAsPng, lineChartSvg } from '../util/chart';
import { cosineSimilarity } from '../util/vector';
import { readPairs, type LfwPairs } from './lfw-data';
import { crossValidate, rocCurve, type ScoredPair, type VerificationReport } from './verification';

/** Embeds one image of the set; null when no face could be embedded (the pair is then scored -1). */
export type ImageEmbedder = (relativePath: string, absolutePath: string) => Promise<Float32Array | null>;

export interface LfwEvalOptions {
  root: string;
  pairsFile: string;
  embed: ImageEmbedder;
  /** How many images are in flight at once (keep every infer request busy). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** Folder for metrics.json and roc.png. */
  outDir?: string;
  /** Free-form facts written into the metrics (model, precision, dataset...). */
  describe?: Record<string, unknown>;
}

export interface LfwReport extends VerificationReport {
  pairs: number;
  images: number;
  imagesWithoutFace: string[];
  seconds: number;
  metricsFile?: string;
  rocFile?: string;
}

async function embedAll(paths: string[], options: LfwEvalOptions): Promise<Map<string, Float32Array | null>> {
  const result = new Map<string, Float32Array | null>();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < paths.length) {
      const rel = paths[next++];
      result.set(rel, await options.embed(rel, join(options.root, rel)));
      options.onProgress?.(++done, paths.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return result;
}

export function scorePairs(pairs: LfwPairs, embeddings: Map<string, Float32Array | null>): ScoredPair[] {
  return pairs.pairs.map((p) => {
    const a = embeddings.get(p.a);
    const b = embeddings.get(p.b);
    return { similarity: a && b ? cosineSimilarity(a, b) : -1, same: p.same, fold: p.fold };
  });
}

export async function evaluateLfw(options: LfwEvalOptions): Promise<LfwReport> {
  const started = process.hrtime.bigint();
  const pairs = readPairs(options.pairsFile);
  const images = [...new Set(pairs.pairs.flatMap((p) => [p.a, p.b]))];
  const embeddings = await embedAll(images, options);
  const scored = scorePairs(pairs, embeddings);
  const report: LfwReport = {
    ...crossValidate(scored, pairs.folds),
    pairs: scored.length,
    images: images.length,
    imagesWithoutFace: images.filter((i) => embeddings.get(i) === null),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true });
    report.metricsFile = join(options.outDir, 'metrics.json');
    report.rocFile = join(options.outDir, 'roc.png');
    writeFileSync(report.metricsFile, JSON.stringify({ ...options.describe, ...report }, null, 2));
    const roc = rocCurve(scored).map((p) => ({ x: p.fpr, y: p.tpr }));
    const svg = lineChartSvg({
      title: `LFW ROC: accuracy ${(report.accuracyMean * 100).toFixed(2)}% ± ${(report.accuracyStd * 100).toFixed(2)}, AUC ${report.auc.toFixed(4)}`,
      xLabel: 'false positive rate (log scale)',
      yLabel: 'true positive rate',
      series: [{ name: String(options.describe?.label ?? 'face-reidentification-retail-0095'), points: roc }],
      logX: true,
      xRange: [1e-3, 1],
      yRange: [0.9, 1],
    });
    await writeSvgAsPng(svg, report.rocFile);
  }
  return report;
}
