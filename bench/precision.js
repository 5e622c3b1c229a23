'use strict';
// FP16 against FP16-INT8 of face-reidentification-retail-0095: faces/s with the THROUGHPUT hint
// and every request busy (alternating rounds), and LFW dev accuracy (all 3,000 pairs of pairs.txt,
// deep-funneled images, annotated landmarks) through evaluateLfw, as `face-reid eval lfw` does.
const { join } = require('node:path');
const { openvino, FaceReid, evaluateLfw } = require('../dist');
const { readLandmarks } = require('../dist/eval/lfw-data');
const { modelPath, modelsDir, dataDir } = require('../test/helpers/env');
const { median, callsPerSecond, row } = require('./lib');

const MODEL = 'face-reidentification-retail-0095';

async function lfw(precision, log) {
  const lfwDir = join(dataDir(), 'lfw');
  const landmarks = readLandmarks(join(lfwDir, 'landmarks-deepfunneled.txt'));
  const reid = await FaceReid.create({ modelDir: modelsDir(), precision, config: { PERFORMANCE_HINT: 'THROUGHPUT' } });
  try {
    const report = await evaluateLfw({
      root: join(lfwDir, 'deepfunneled250'),
      pairsFile: join(lfwDir, 'pairs.txt'),
      concurrency: reid.parallelism * 2,
      embed: async (rel, abs) => {
        const points = landmarks.get(rel);
        return points ? reid.embed(abs, points) : null;
      },
    });
    log(`LFW ${precision}: ${report.accuracyMean.toFixed(4)} ± ${report.accuracyStd.toFixed(4)} (threshold ${report.thresholdMean.toFixed(3)}, ${report.images} images in ${report.seconds.toFixed(1)} s)`);
    return report;
  } finally {
    reid.close();
  }
}

async function run(options = {}) {
  const rounds = options.rounds ?? (options.quick ? 2 : 5);
  const seconds = options.seconds ?? 4;
  const log = options.log ?? (() => {});
  const input = new Float32Array(3 * 128 * 128).map((_, i) => (i * 7919) % 256);
  const sets = ['FP16', 'FP16-INT8'].map((precision) => {
    const model = openvino.compileModel({ xml: modelPath(MODEL, precision).xml, config: { PERFORMANCE_HINT: 'THROUGHPUT' } });
    const requests = Array.from({ length: model.optimalInferRequests }, () => {
      const r = model.createInferRequest();
      r.setInput(0, input);
      return r;
    });
    return { precision, model, requests, fps: [] };
  });
  for (const s of sets) await Promise.all(s.requests.map((r) => r.infer()));
  for (let r = 0; r < rounds; r++) {
    for (const s of sets) s.fps.push((await callsPerSecond(seconds, s.requests.length, (i) => s.requests[i].infer())).rate);
    log(`round ${r + 1}/${rounds}: ${sets.map((s) => `${s.precision} ${s.fps[r].toFixed(1)}`).join(', ')} faces/s`);
  }
  for (const s of sets) {
    s.requests.forEach((q) => q.close());
    s.model.close();
  }
  const [fp16, int8] = sets;
  const acc16 = await lfw('FP16', log);
  const acc8 = await lfw('FP16-INT8', log);
  return [
    row({
      bench: 'precision', name: 'FP16-INT8 throughput', ours: median(int8.fps), reference: median(fp16.fps), referenceName: 'FP16 (same engine)', unit: 'faces/s', better: 'higher',
      note: `THROUGHPUT hint, all ${fp16.requests.length} requests busy, ${rounds} alternating rounds x ${seconds} s`,
    }),
    row({
      bench: 'precision', name: 'LFW dev accuracy FP16-INT8', ours: acc8.accuracyMean, reference: acc16.accuracyMean, referenceName: 'FP16', unit: 'accuracy', better: 'higher',
      note: `3,000 pairs, 5 folds, deep-funneled + annotated landmarks; std FP16-INT8 ${acc8.accuracyStd.toFixed(4)} / FP16 ${acc16.accuracyStd.toFixed(4)}; thresholds ${acc8.thresholdMean.toFixed(3)} / ${acc16.thresholdMean.toFixed(3)}; AUC ${acc8.auc.toFixed(4)} / ${acc16.auc.toFixed(4)}`,
    }),
  ];
}

module.exports = { run, title: 'FP16 vs FP16-INT8 (re-identification model)' };
