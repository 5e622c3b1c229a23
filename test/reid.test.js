'use strict';
// FaceReid on the real IR and real LFW images: parity with the Open Model Zoo way in Python,
// LFW verification accuracy, concurrency, and a typed error for each kind of bad input.
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');
const { FaceReid, verify, cosineSimilarity, DEFAULT_VERIFY_THRESHOLD } = require('../dist/reid');
const { evaluateLfw } = require('../dist/eval/lfw');
const { readLandmarks, readPairs } = require('../dist/eval/lfw-data');
const { FaceReidError } = require('../dist/errors');
const { modelsDir, dataDir, outputDir, runOracle, projectRoot } = require('./helpers/env');

const lfw = () => join(dataDir(), 'lfw');

/** The first `n` distinct images of the dev pairs, in file order (deterministic). */
function pairImages(n) {
  const seen = new Set();
  for (const p of readPairs(join(lfw(), 'pairs.txt')).pairs) {
    seen.add(p.a);
    seen.add(p.b);
    if (seen.size >= n) break;
  }
  return [...seen].slice(0, n);
}

describe('FaceReid', function () {
  this.timeout(600000);
  let reid;
  let landmarks;
  const root = () => join(lfw(), 'deepfunneled250');

  before(async () => {
    reid = await FaceReid.create({ modelDir: modelsDir() });
    landmarks = readLandmarks(join(lfw(), 'landmarks-deepfunneled.txt'));
  });
  after(() => reid?.close());

  it('embeds a face into an L2-normalised Float32Array(256)', async () => {
    const rel = pairImages(1)[0];
    const e = await reid.embed(join(root(), rel), landmarks.get(rel));
    assert.ok(e instanceof Float32Array);
    assert.equal(e.length, 256);
    const norm = Math.hypot(...e);
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
  });

  it('matches the Open Model Zoo way in Python (cv2.warpAffine + OpenVINO Python API) on 200 LFW images: cosine >= 0.9995', async () => {
    const images = pairImages(200);
    const items = images.map((rel) => ({ path: join(root(), rel), landmarks: Array.from(landmarks.get(rel)) }));
    const oracle = JSON.parse(runOracle('omz_embed.py', [], JSON.stringify({ modelDir: modelsDir(), precision: 'FP16', items })));
    const ours = await reid.embedBatch(items.map((i) => ({ image: i.path, landmarks: i.landmarks })));
    const cosines = ours.map((e, i) => cosineSimilarity(e, oracle.embeddings[i]));
    const worst = Math.min(...cosines);
    const mean = cosines.reduce((s, c) => s + c, 0) / cosines.length;
    console.log(`      parity over ${cosines.length} images: min cosine ${worst.toFixed(6)}, mean ${mean.toFixed(6)}`);
    assert.ok(worst >= 0.9995, `worst cosine ${worst} (image ${images[cosines.indexOf(worst)]})`);
  });

  it('64 concurrent embeds equal 64 sequential ones (THROUGHPUT pool)', async () => {
    const parallel = await FaceReid.create({ modelDir: modelsDir(), config: { PERFORMANCE_HINT: 'THROUGHPUT' } });
    try {
      assert.ok(parallel.parallelism >= 2, `THROUGHPUT should give several requests, got ${parallel.parallelism}`);
      const images = pairImages(64);
      const sequential = [];
      for (const rel of images) sequential.push(await parallel.embed(join(root(), rel), landmarks.get(rel)));
      const concurrent = await Promise.all(images.map((rel) => parallel.embed(join(root(), rel), landmarks.get(rel))));
      concurrent.forEach((e, i) => {
        let maxDiff = 0;
        for (let k = 0; k < 256; k++) maxDiff = Math.max(maxDiff, Math.abs(e[k] - sequential[i][k]));
        assert.ok(maxDiff <= 1e-6, `image ${images[i]}: max difference ${maxDiff}`);
      });
    } finally {
      parallel.close();
    }
  });

  it('verify() uses the LFW-derived default threshold', () => {
    const a = new Array(256).fill(0);
    const b = new Array(256).fill(0);
    a[0] = 1;
    b[0] = DEFAULT_VERIFY_THRESHOLD;
    b[1] = Math.sqrt(1 - DEFAULT_VERIFY_THRESHOLD ** 2);
    assert.ok(verify(a, b).same);
    assert.equal(verify(a, b, { threshold: 0.9 }).same, false);
    assert.throws(() => verify(a, b, { threshold: 2 }), RangeError);
    assert.throws(() => verify(a, new Float32Array(10)), RangeError);
  });

  describe('bad input gives a typed error', () => {
    const good = () => {
      const rel = pairImages(1)[0];
      return { path: join(root(), rel), points: landmarks.get(rel) };
    };
    const rejects = (promise, check) => assert.rejects(promise, check);

    it('missing file', () => rejects(reid.embed('/nonexistent/face.jpg', good().points), (e) => e instanceof FaceReidError && e.code === 'IMAGE_DECODE_FAILED' && e.message.includes('/nonexistent/face.jpg')));
    it('not an image', () => rejects(reid.embed(Buffer.from('definitely not a picture'), good().points), (e) => e.code === 'IMAGE_DECODE_FAILED'));
    it('truncated JPEG', () => {
      const bytes = readFileSync(good().path);
      return rejects(reid.embed(bytes.subarray(0, bytes.length >> 1), good().points), (e) => e.code === 'IMAGE_DECODE_FAILED');
    });
    it('0x0 declared size', () => rejects(reid.embed({ data: new Uint8Array(0), width: 0, height: 0, channels: 3 }, good().points), (e) => e instanceof RangeError));
    it('100000x100000 declared size', () => rejects(reid.embed({ data: new Uint8Array(16), width: 100000, height: 100000, channels: 3 }, good().points), (e) => e.code === 'IMAGE_TOO_LARGE'));
    it('wrong landmark count', () => rejects(reid.embed(good().path, [1, 2, 3, 4, 5, 6, 7, 8]), (e) => e instanceof RangeError && /landmarks/.test(e.message)));
    it('landmarks far outside the image', () => rejects(reid.embed(good().path, [[5000, 100], [5100, 100], [5050, 150], [5010, 200], [5090, 200]]), (e) => e instanceof RangeError && /left eye/.test(e.message)));
    it('degenerate landmarks (all on one point)', () => rejects(reid.embed(good().path, Array(5).fill([50, 50])), (e) => e.code === 'DEGENERATE_LANDMARKS'));
    it('use after close', async () => {
      const closed = await FaceReid.create({ modelDir: modelsDir() });
      closed.close();
      await rejects(closed.embed(good().path, good().points), (e) => e.code === 'CLOSED');
    });
  });
});

describe('LFW verification (development folds 1-5, FP16)', function () {
  this.timeout(900000);
  for (const set of [
    { name: 'deepfunneled250 (full resolution, headline)', dir: 'deepfunneled250', landmarks: 'landmarks-deepfunneled.txt', scale: 1, floor: 0.99 },
    { name: 'raw150 (original crops, landmarks x 0.6)', dir: 'raw150', landmarks: 'landmarks.txt', scale: 0.6, floor: 0.98 },
  ]) {
    it(`${set.name}: accuracy >= ${set.floor}`, async () => {
      const reid = await FaceReid.create({ modelDir: modelsDir(), config: { PERFORMANCE_HINT: 'THROUGHPUT' } });
      try {
        const points = readLandmarks(join(lfw(), set.landmarks), set.scale);
        const report = await evaluateLfw({
          root: join(lfw(), set.dir),
          pairsFile: join(lfw(), 'pairs.txt'),
          concurrency: reid.parallelism * 2,
          outDir: outputDir(`lfw-${set.dir}`),
          describe: { precision: 'FP16', set: set.dir },
          embed: (rel, abs) => reid.embed(abs, points.get(rel)),
        });
        console.log(`      accuracy ${report.accuracyMean.toFixed(4)} ± ${report.accuracyStd.toFixed(4)}, threshold ${report.thresholdMean.toFixed(4)}, AUC ${report.auc.toFixed(4)} (${report.images} images, ${report.seconds.toFixed(1)} s)`);
        assert.equal(report.pairs, 3000);
        assert.equal(report.imagesWithoutFace.length, 0);
        assert.ok(report.accuracyMean >= set.floor, `accuracy ${report.accuracyMean}`);
      } finally {
        reid.close();
      }
    });
  }
});

describe('CLI: embed and compare', function () {
  this.timeout(120000);
  const cli = (args) => execFileSync(process.execPath, [join(projectRoot, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FACE_REID_MODELS: modelsDir() } });

  it('compare says same for two photos of one person and different for two people, matching the library', async () => {
    const points = readLandmarks(join(lfw(), 'landmarks-deepfunneled.txt'));
    const pair = readPairs(join(lfw(), 'pairs.txt')).pairs;
    const same = pair.find((p) => p.same);
    const diff = pair.find((p) => !p.same);
    const run = (p) => JSON.parse(cli(['compare', join(lfw(), 'deepfunneled250', p.a), join(lfw(), 'deepfunneled250', p.b), '--landmarks-a', Array.from(points.get(p.a)).join(','), '--landmarks-b', Array.from(points.get(p.b)).join(','), '--json']));
    const s = run(same);
    const d = run(diff);
    assert.equal(s.same, true);
    assert.equal(d.same, false);
    const reid = await FaceReid.create({ modelDir: modelsDir() });
    try {
      const [a, b] = await reid.embedBatch([{ image: join(lfw(), 'deepfunneled250', same.a), landmarks: points.get(same.a) }, { image: join(lfw(), 'deepfunneled250', same.b), landmarks: points.get(same.b) }]);
      assert.ok(Math.abs(verify(a, b).similarity - s.similarity) < 1e-6);
    } finally {
      reid.close();
    }
  });

  it('embed --json prints 256 numbers; a bad --landmarks value is a clear error', () => {
    const rel = pairImages(1)[0];
    const points = readLandmarks(join(lfw(), 'landmarks-deepfunneled.txt')).get(rel);
    const out = JSON.parse(cli(['embed', join(lfw(), 'deepfunneled250', rel), '--landmarks', Array.from(points).join(','), '--json']));
    assert.equal(out.embedding.length, 256);
    assert.throws(() => cli(['embed', join(lfw(), 'deepfunneled250', rel), '--landmarks', '1,2,3']), (e) => e.status === 1 && /ten numbers/.test(e.stderr));
  });
});
