'use strict';
// BatchedModel: a frame's n items as one inference of batch exactly n, sizes not compiled yet
// covered by the compiled ones meanwhile, and every chunking giving what batch-1 inferences give.
const assert = require('node:assert/strict');
const { BatchedModel, resolveModel, alignFaces, decodeImage } = require('../dist');
const { cosineSimilarity } = require('../dist/reid');
const { modelsDir, dataDir } = require('./helpers/env');
const { lfwLandmarks } = require('./helpers/align-data');
const { join } = require('node:path');

const REID = 'face-reidentification-retail-0095';

describe('BatchedModel (face-reidentification-retail-0095, real LFW faces)', function () {
  this.timeout(300_000);
  let files;
  let faces; // [{ image, landmarks }] of 7 LFW pictures
  let single; // each face's embedding from its own batch-1 inference

  before(async () => {
    files = await resolveModel(REID, 'FP16', { modelDir: modelsDir() });
    faces = [];
    for (const { file, landmarks } of lfwLandmarks('landmarks-deepfunneled.txt', 1).slice(0, 7)) {
      faces.push({ image: await decodeImage(join(dataDir(), 'lfw', 'deepfunneled250', file)), landmarks });
    }
    const model = new BatchedModel({ ...files, device: 'CPU', maxBatch: 1 });
    single = [];
    for (const f of faces) single.push((await model.run(1, (input) => void alignFaces(f.image, [f.landmarks], input))).output);
    await model.close();
  });

  // Chunks run concurrently (each batch size has its own requests): compare them in item order.
  const byStart = (calls) => [...calls].sort((a, b) => a[0] - b[0]);
  const fillFaces = (calls) => (input, start, length) => {
    calls?.push([start, length]);
    for (let k = 0; k < length; k++) alignFaces(faces[start + k].image, [faces[start + k].landmarks], input.subarray(k * 3 * 128 * 128, (k + 1) * 3 * 128 * 128));
  };

  /** Every face's output equals its batch-1 output (bf16 kernels may round a batch differently). */
  function assertSameAsSingle(all) {
    assert.equal(all.length, faces.length * 256);
    faces.forEach((_, i) => {
      const c = cosineSimilarity(all.subarray(i * 256, (i + 1) * 256), single[i]);
      assert.ok(c >= 0.9999, `face ${i}: cosine ${c} with its batch-1 output`);
    });
  }

  it('runs 7 faces as one batch-7 inference once that size is compiled, equal to 7 batch-1 inferences', async () => {
    const model = new BatchedModel({ ...files, device: 'CPU' });
    try {
      assert.equal(model.maxBatch, 16);
      await model.prepare([1, 7]);
      const calls = [];
      assertSameAsSingle(await model.runAll(faces.length, fillFaces(calls)));
      assert.deepEqual(calls, [[0, 7]]);
    } finally {
      await model.close();
    }
  });

  it('before a size is compiled, covers it with the sizes that are (never waits for a compile); maxBatch caps every chunk', async () => {
    const model = new BatchedModel({ ...files, device: 'CPU', maxBatch: 4 });
    try {
      await model.prepare([1, 2]);
      const first = [];
      assertSameAsSingle(await model.runAll(faces.length, fillFaces(first)));
      // wanted 4 then 3: neither compiled yet, so 2+2 then 2+1 (4 and 3 start compiling)
      assert.deepEqual(byStart(first), [[0, 2], [2, 2], [4, 2], [6, 1]]);
      await model.prepare([3, 4]);
      const later = [];
      assertSameAsSingle(await model.runAll(faces.length, fillFaces(later)));
      assert.deepEqual(byStart(later), [[0, 4], [4, 3]]);
    } finally {
      await model.close();
    }
  });

  it('bad arguments are typed errors; a closed model refuses work', async () => {
    const model = new BatchedModel({ ...files, device: 'CPU', maxBatch: 4 });
    await assert.rejects(model.run(0, () => {}), (e) => e.code === 'ERR_OUT_OF_RANGE' && /n/.test(e.message));
    await assert.rejects(model.run(5, () => {}), (e) => e.code === 'ERR_OUT_OF_RANGE' && /from 1 to 4/.test(e.message));
    await assert.rejects(model.runAll(-1, () => {}), (e) => e.code === 'ERR_OUT_OF_RANGE' && /count/.test(e.message));
    await assert.rejects(model.runAll(2, 'fill'), (e) => e.code === 'ERR_INVALID_ARG_TYPE' && /fill/.test(e.message));
    await assert.rejects(model.prepare([2.5]), (e) => e.code === 'ERR_OUT_OF_RANGE');
    assert.equal((await model.runAll(0, () => {})).length, 0);
    await model.close();
    await assert.rejects(model.run(1, () => {}), (e) => e.code === 'CLOSED');
  });
});
