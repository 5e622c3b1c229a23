'use strict';
// Run by .ci/run against the node-gyp build (FACE_REID_ADDON=build-gyp/ov_face_reid.node), so that
// binding.gyp's binary is exercised and not only the cmake-js one: engine parity with OpenVINO
// Python, alignment against OpenCV on LFW photos, and an embedding against the Open Model Zoo way.
// Under plain `npm test` it checks whichever addon the loader finds.
const assert = require('node:assert');
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { modelPath, modelsDir, dataDir, runOracle } = require('./helpers/env');
const { openvino, alignFace, FaceReid } = require('../dist');
const { addonOrigin } = require('../dist/native');
const { cosineSimilarity } = require('../dist/reid');

const REID = 'face-reidentification-retail-0095';
const NAMES = ['Aaron_Sorkin/Aaron_Sorkin_0001.jpg', 'Abdullah_Gul/Abdullah_Gul_0001.jpg', 'Zico/Zico_0001.jpg'];

function lfwItems() {
  const lfw = join(dataDir(), 'lfw');
  const table = new Map(
    readFileSync(join(lfw, 'landmarks-deepfunneled.txt'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, ...rest] = line.split('\t');
        return [name, rest.map(Number)];
      }),
  );
  return NAMES.map((name) => {
    assert.ok(table.has(name), `${name} missing from landmarks-deepfunneled.txt`);
    return { path: join(lfw, 'deepfunneled250', name), landmarks: table.get(name) };
  });
}

describe(`addon build under test (${process.env.FACE_REID_ADDON ? 'FACE_REID_ADDON' : 'default lookup'})`, function () {
  this.timeout(120_000);

  it('is the binary FACE_REID_ADDON names, when set', function () {
    openvino.version();
    const origin = addonOrigin();
    if (process.env.FACE_REID_ADDON) {
      assert.strictEqual(origin.kind, 'FACE_REID_ADDON');
      assert.strictEqual(resolve(origin.path), resolve(process.env.FACE_REID_ADDON));
    } else {
      assert.ok(origin.path.endsWith('.node'));
    }
  });

  it('infers like OpenVINO Python (reid model, batch 2, 1e-5 relative)', function () {
    const { xml } = modelPath(REID);
    const model = openvino.compileModel({ xml, batch: 2 });
    const request = model.createInferRequest();
    const input = request.inputBuffer(0);
    let seed = 12345;
    for (let i = 0; i < input.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      input[i] = (seed >>> 8) % 256;
    }
    const ours = Object.values(request.inferSync())[0];
    const raw = runOracle('ov_infer.py', [xml, '2'], Buffer.from(input.buffer), { encoding: 'buffer' });
    const theirs = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    assert.strictEqual(ours.length, theirs.length);
    let scale = 0;
    for (const v of theirs) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(ours[i] - theirs[i]) <= 1e-5 * scale + 1e-6, `output ${i}: ${ours[i]} vs ${theirs[i]}`);
    request.close();
    model.close();
  });

  it('aligns LFW faces like cv2.warpAffine on the same decoded pixels', function () {
    const items = lfwItems();
    const oracle = JSON.parse(runOracle('align_crops.py', [], JSON.stringify({ items })));
    items.forEach((item, k) => {
      const ref = oracle.items[k];
      const bgr = Buffer.from(ref.bgr, 'base64');
      const theirs = new Float32Array(new Uint8Array(Buffer.from(ref.crop, 'base64')).buffer);
      const out = new Float32Array(3 * 128 * 128);
      alignFace({ data: bgr, width: ref.width, height: ref.height, channels: 3, order: 'bgr' }, item.landmarks, { out });
      let sum = 0, max = 0;
      for (let i = 0; i < out.length; i++) {
        const d = Math.abs(out[i] - theirs[i]);
        sum += d;
        max = Math.max(max, d);
      }
      // OpenCV interpolates with 5-bit fixed-point weights; ours are exact: small level differences only.
      assert.ok(sum / out.length < 0.5, `${item.path}: mean abs difference ${sum / out.length}`);
      assert.ok(max <= 4, `${item.path}: max abs difference ${max}`);
    });
  });

  it('embeds LFW faces like the Open Model Zoo way (cosine > 0.999)', async function () {
    const items = lfwItems();
    const theirs = JSON.parse(runOracle('omz_embed.py', [], JSON.stringify({ modelDir: modelsDir(), precision: 'FP16', items }))).embeddings;
    const reid = await FaceReid.create({ precision: 'FP16' });
    try {
      const ours = await reid.embedBatch(items.map((i) => ({ image: i.path, landmarks: i.landmarks })));
      ours.forEach((e, k) => {
        assert.strictEqual(e.length, 256);
        const c = cosineSimilarity(e, theirs[k]);
        assert.ok(c > 0.999, `${items[k].path}: cosine ${c}`);
      });
    } finally {
      reid.close();
    }
  });
});
