'use strict';
// FacePipeline against LFW: the detector + landmark stages against the annotated landmarks of
// every raw150 development image, and the whole pipeline end to end on the verification
// protocol (face-reid eval lfw --detect, no annotations used).
const assert = require('node:assert/strict');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { FacePipeline, FaceDetector, LandmarksRegressor, landmarkRoi } = require('../dist/pipeline');
const { readLandmarks } = require('../dist/eval/lfw-data');
const { decodeImage } = require('../dist/image');
const { dataDir, modelsDir, outputDir, projectRoot } = require('./helpers/env');

/** The demo's float ROI (box enlarged by 1.15 about its centre, not cut to whole pixels). */
function floatRoi(box, scale = 1.15) {
  return { x: box.x - (box.width * (scale - 1)) / 2, y: box.y - (box.height * (scale - 1)) / 2, width: box.width * scale, height: box.height * scale };
}

describe('FacePipeline on LFW', function () {
  this.timeout(900_000);

  it('landmarks on all raw150 development images: mean error <= 0.08 of the inter-ocular distance', async () => {
    const lfw = join(dataDir(), 'lfw');
    const truth = readLandmarks(join(lfw, 'landmarks.txt'), 0.6); // annotated on 250x250, images are 150x150
    const detector = await FaceDetector.create({ modelDir: modelsDir() });
    const regressor = await LandmarksRegressor.create({ modelDir: modelsDir() });
    const errors = [];
    const demoErrors = [];
    let noFace = 0;
    try {
      for (const [rel, points] of truth) {
        const raw = await decodeImage(join(lfw, 'raw150', rel));
        const subject = FacePipeline.nearestToCentre(await detector.detect(raw), raw.width, raw.height);
        if (!subject) {
          noFace++;
          continue;
        }
        const [found] = await regressor.locate(raw, [subject.box]);
        const iod = Math.hypot(points[2] - points[0], points[3] - points[1]);
        let sum = 0;
        for (let k = 0; k < 5; k++) sum += Math.hypot(found[2 * k] - points[2 * k], found[2 * k + 1] - points[2 * k + 1]);
        errors.push(sum / 5 / iod);
        // The same model outputs mapped back the demo's way (float ROI), for comparison.
        const roi = landmarkRoi(subject.box, raw.width, raw.height);
        const f = floatRoi(subject.box);
        let demoSum = 0;
        for (let k = 0; k < 5; k++) {
          const u = (found[2 * k] - roi.x) / roi.width;
          const v = (found[2 * k + 1] - roi.y) / roi.height;
          demoSum += Math.hypot(f.x + u * f.width - points[2 * k], f.y + v * f.height - points[2 * k + 1]);
        }
        demoErrors.push(demoSum / 5 / iod);
      }
    } finally {
      await Promise.all([detector.close(), regressor.close()]);
    }
    const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
    const sorted = [...errors].sort((a, b) => a - b);
    const summary = {
      images: truth.size,
      withFace: errors.length,
      noFace,
      meanError: mean(errors),
      medianError: sorted[Math.floor(sorted.length / 2)],
      p95Error: sorted[Math.floor(sorted.length * 0.95)],
      over020: errors.filter((e) => e > 0.2).length,
      meanErrorDemoMapping: mean(demoErrors),
    };
    console.log(`      ${JSON.stringify(summary)}`);
    require('node:fs').writeFileSync(join(outputDir('pipeline'), 'lfw-landmarks.json'), JSON.stringify(summary, null, 2));
    assert.equal(summary.images, 3811);
    assert.ok(noFace <= 10, `images without a detected face: ${noFace}`);
    assert.ok(summary.meanError <= 0.08, `mean error ${summary.meanError}`);
    // Mapping through the integer crop the model saw is measurably closer to the annotations.
    assert.ok(summary.meanError < summary.meanErrorDemoMapping);
  });

  it('end to end (face-reid eval lfw --detect, deepfunneled250, no annotations): accuracy >= 0.985', () => {
    const lfw = join(dataDir(), 'lfw');
    const out = outputDir('pipeline/lfw-detect');
    const r = spawnSync(
      process.execPath,
      [join(projectRoot, 'dist', 'cli', 'main.js'), 'eval', 'lfw', '--detect', '--root', join(lfw, 'deepfunneled250'), '--pairs', join(lfw, 'pairs.txt'), '--model-dir', modelsDir(), '--out', out, '--json'],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    console.log(`      accuracy ${report.accuracyMean.toFixed(4)} ± ${report.accuracyStd.toFixed(4)}, AUC ${report.auc.toFixed(4)}, ${report.images} images, ${report.imagesWithoutFace.length} without a face, ${report.seconds.toFixed(0)} s`);
    assert.equal(report.pairs, 3000);
    assert.equal(metrics.pipeline, 'detect');
    assert.ok(report.accuracyMean >= 0.985, `accuracy ${report.accuracyMean}`);
  });
});
