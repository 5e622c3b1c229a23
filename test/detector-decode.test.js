'use strict';
// The detector's own SSD decoding (src/pipeline/ssd-head.ts, ssd-decode.ts) against OpenVINO's:
// the IR cut to its head outputs, the clustered priors OpenVINO computes for that IR, and the
// faces of the unedited IR (its SoftMax and DetectionOutput layers) on real photos.
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const { join, dirname } = require('node:path');
const { cutSsdHead } = require('../dist/pipeline/ssd-head');
const { clusteredPriors } = require('../dist/pipeline/ssd-decode');
const { IrGraph } = require('../dist/pipeline/ir-graph');
const { FaceDetector, parseDetections, detectorInputSize, withDetectionThreshold } = require('../dist/pipeline/detector');
const { openvino } = require('../dist');
const { decodeImage } = require('../dist/image');
const { resizeInto } = require('../dist/align');
const { modelPath, modelsDir } = require('./helpers/env');
const { lfwLandmarks, rawLfwPath } = require('./helpers/align-data');

const DETECTOR = 'face-detection-retail-0004';
const demoDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
const irOf = (model, precision) => {
  const files = modelPath(model, precision);
  return { xml: readFileSync(files.xml, 'utf8'), bin: readFileSync(files.bin) };
};

describe('the detector IR cut to its SSD head', function () {
  this.timeout(120000);

  it('keeps the two head convolutions as outputs and reads the priors, variances and NMS settings from the IR', () => {
    for (const precision of ['FP16', 'FP32', 'FP16-INT8']) {
      const { xml, bin } = irOf(DETECTOR, precision);
      const cut = cutSsdHead(xml, bin);
      assert.ok(cut, precision);
      assert.equal(cut.head.loc, 'fc7_mbox_loc');
      assert.equal(cut.head.conf, 'fc7_mbox_conf');
      assert.deepEqual(cut.head.priors.widths, [9.4, 25.1, 14.7, 34.7, 143, 77.4, 128.8, 51.1, 75.6]);
      assert.deepEqual(cut.head.priors.heights, [15, 39.6, 25.5, 63.2, 227.5, 162.9, 124.5, 105.1, 72.6]);
      assert.deepEqual([cut.head.priors.stepX, cut.head.priors.stepY, cut.head.priors.offset, cut.head.priors.clip], [16, 16, 0.5, false]);
      assert.deepEqual(cut.head.priors.variances, [0.1, 0.1, 0.2, 0.2]);
      assert.ok(Math.abs(cut.head.detection.nmsThreshold - 0.45) < 1e-6);
      assert.deepEqual([cut.head.detection.topK, cut.head.detection.keepTopK], [400, 200]);
      for (const gone of ['DetectionOutput', 'SoftMax', 'PriorBoxClustered', 'ShapeOf', 'Transpose']) assert.ok(!cut.xml.includes(`type="${gone}"`), `${precision}: ${gone}`);
      assert.equal(cut.xml.match(/type="Result"/g).length, 2);
    }
  });

  it('compiles to outputs [1, 36, H, W] and [1, 18, H, W] on the 16-pixel grid of the input', () => {
    const { xml, bin } = irOf(DETECTOR, 'FP16');
    const cut = cutSsdHead(xml, bin);
    const model = openvino.compileModel({ xml: new TextEncoder().encode(cut.xml), bin, imageSize: { width: 544, height: 300 } });
    try {
      const shapes = Object.fromEntries(model.outputs.map((o) => [o.name, o.shape]));
      assert.deepEqual(shapes, { fc7_mbox_loc: [1, 36, 19, 34], fc7_mbox_conf: [1, 18, 19, 34] });
    } finally {
      model.close();
    }
  });

  it('leaves an IR of another shape whole', () => {
    const { xml, bin } = irOf(DETECTOR, 'FP16');
    const edit = (from, to) => {
      assert.ok(xml.includes(from), from);
      return xml.replace(from, to);
    };
    for (const model of ['face-reidentification-retail-0095', 'landmarks-regression-retail-0009']) {
      const other = irOf(model, 'FP16');
      assert.equal(cutSsdHead(other.xml, other.bin), undefined, model);
    }
    assert.equal(cutSsdHead(edit('code_type="caffe.PriorBoxParameter.CENTER_SIZE"', 'code_type="caffe.PriorBoxParameter.CORNER"'), bin), undefined);
    assert.equal(cutSsdHead(edit('share_location="true"', 'share_location="false"'), bin), undefined);
    assert.equal(cutSsdHead(edit('normalized="true"', 'normalized="false"'), bin), undefined);
    assert.equal(cutSsdHead(edit('<data axis="2" />', '<data axis="1" />'), bin), undefined);
    assert.equal(cutSsdHead(edit('step="16"', 'step="0"'), bin), undefined);
    assert.equal(cutSsdHead(xml, bin.subarray(0, 1000)), undefined); // the perm constants are unreadable
    assert.equal(cutSsdHead('<net name="x" version="11"><layers></layers><edges></edges></net>', bin), undefined);
    assert.equal(cutSsdHead('not xml at all', bin), undefined);
    // Such an IR keeps DetectionOutput, with its threshold raised instead.
    assert.match(withDetectionThreshold(edit('share_location="true"', 'share_location="false"'), 0.6), /confidence_threshold="0\.59999/);
  });

  it('computes the clustered priors OpenVINO computes for the IR, bit for bit', () => {
    const { xml, bin } = irOf(DETECTOR, 'FP16');
    const graph = IrGraph.parse(xml, bin);
    const [prior] = graph.byType('PriorBoxClustered');
    // The same IR with the PriorBoxClustered output as its only output: OpenVINO's priors.
    const priorsIr = graph.withOutputs([{ layer: prior, port: [...prior.outputs.keys()][0] }]);
    const { head } = cutSsdHead(xml, bin);
    for (const [width, height, grid] of [[544, 300, { width: 34, height: 19 }], [300, 300, { width: 19, height: 19 }], [300, 416, { width: 19, height: 26 }]]) {
      const model = openvino.compileModel({ xml: new TextEncoder().encode(priorsIr), bin, imageSize: { width, height } });
      const request = model.createInferRequest();
      try {
        const reference = Object.values(request.inferSync())[0];
        const ours = clusteredPriors(head.priors, grid, { width, height });
        assert.equal(reference.length, 2 * ours.length, `${width}x${height}`);
        assert.deepEqual(Array.from(reference.subarray(0, ours.length)), Array.from(ours), `${width}x${height}`);
        const variances = reference.subarray(ours.length);
        for (let i = 0; i < variances.length; i++) assert.equal(variances[i], Math.fround(head.priors.variances[i % 4]));
      } finally {
        request.close();
        model.close();
      }
    }
  });
});

describe("the detector's decoding against the unedited IR's DetectionOutput", function () {
  this.timeout(600000);

  // The unedited IR, compiled per input size, its rows filtered at `confidence`.
  async function referenceFaces(references, precision, frame, confidence) {
    const size = detectorInputSize(frame.width, frame.height);
    const key = `${precision} ${size.width}x${size.height}`;
    if (!references.has(key)) references.set(key, openvino.compileModel({ xml: modelPath(DETECTOR, precision).xml, imageSize: size }).createInferRequest());
    const request = references.get(key);
    resizeInto(frame, request.inputBuffer(0), size);
    return parseDetections(Object.values(request.inferSync())[0], frame.width, frame.height, confidence, 0);
  }

  for (const [precision, confidence] of [['FP16', 0.6], ['FP16', 0.05], ['FP16-INT8', 0.3]]) {
    it(`${precision} at confidence ${confidence}: the same boxes bit for bit and scores within 1e-6 on the six photos and 60 LFW images`, async () => {
      const detector = await FaceDetector.create({ modelDir: modelsDir(), precision, confidence });
      const references = new Map();
      const frames = [1, 2, 3, 4, 5, 6].map((i) => join(demoDir, `sample${i}.jpg`)).concat(lfwLandmarks().slice(0, 60).map((e) => rawLfwPath(e.file)));
      let faces = 0;
      try {
        for (const file of frames) {
          const frame = await decodeImage(file);
          const expected = await referenceFaces(references, precision, frame, confidence);
          const found = await detector.detect(frame);
          assert.deepEqual(found.map((d) => d.box), expected.map((d) => d.box), file);
          found.forEach((d, i) => assert.ok(Math.abs(d.score - expected[i].score) <= 1e-6 * expected[i].score, `${file}: ${d.score} vs ${expected[i].score}`));
          faces += found.length;
        }
        assert.ok(faces >= frames.length, `${faces} faces in ${frames.length} images`);
      } finally {
        for (const request of references.values()) request.close();
        await detector.close();
      }
    });
  }
});

describe('decodeSsd on hand-made head outputs', () => {
  const { decodeSsd } = require('../dist/pipeline/ssd-decode');
  // Two 10x10 priors side by side on a 20x10 input: [0, 0, 0.5, 1] and [0.5, 0, 1, 1].
  const head = {
    priors: { widths: [10], heights: [10], stepX: 10, stepY: 10, offset: 0.5, clip: false, variances: [0.1, 0.1, 0.2, 0.2] },
    detection: { nmsThreshold: 0.45, topK: 400, keepTopK: 200, clipBeforeNms: false, clipAfterNms: false },
  };
  const grid = { width: 2, height: 1 };
  const priors = clusteredPriors(head.priors, grid, { width: 20, height: 10 });
  // conf planes: background logits of both cells, then face logits; loc planes: dx, dy, dw, dh.
  const decode = (faceLogits, dx1, confidence, detection = head.detection) =>
    decodeSsd({ ...head, detection }, { loc: Float32Array.from([0, dx1, 0, 0, 0, 0, 0, 0]), conf: Float32Array.from([0, 0, ...faceLogits]), priors }, grid, confidence);
  const sigmoid = (x) => Math.fround(1 / (1 + Math.exp(-x)));

  it('decodes the priors, highest score first, and keeps a face exactly at the confidence', () => {
    assert.deepEqual(Array.from(priors), [0, 0, 0.5, 1, 0.5, 0, 1, 1]);
    const found = decode([2, 3], 0, 0.5);
    assert.deepEqual(found.map((d) => [d.xmin, d.ymin, d.xmax, d.ymax]), [[0.5, 0, 1, 1], [0, 0, 0.5, 1]]);
    assert.ok(Math.abs(found[0].score - sigmoid(3)) < 1e-7 && Math.abs(found[1].score - sigmoid(2)) < 1e-7);
    assert.equal(decode([2, 3], 0, found[1].score).length, 2);
    assert.equal(decode([2, 3], 0, found[1].score + 1e-7).length, 1);
  });

  it('suppresses the lower-scored of two boxes overlapping by more than the NMS threshold, and applies topK / keepTopK', () => {
    // dx = -9 moves the second box to [0.05, 0, 0.55, 1]: IoU 0.45 / 0.55 with the first.
    const shifted = decode([3, 2], -9, 0.5);
    assert.equal(shifted.length, 1);
    assert.ok(Math.abs(shifted[0].score - sigmoid(3)) < 1e-7);
    assert.equal(decode([3, 2], -9, 0.5, { ...head.detection, nmsThreshold: 0.9 }).length, 2);
    assert.equal(decode([3, 2], 0, 0.5, { ...head.detection, topK: 1 }).length, 1);
    assert.equal(decode([3, 2], 0, 0.5, { ...head.detection, keepTopK: 1 }).length, 1);
  });

  it('keeps faces whose float32 score saturates to 1 at confidence 1; NaN logits are no face', () => {
    assert.equal(decode([18, -30], 0, 1).length, 1); // logit 18: 1 - 1.5e-8, 1 in float32
    assert.equal(decode([NaN, 5], 0, 0.5).length, 1);
    assert.equal(decode([-30, -30], 0, 0.5).length, 0);
  });
});
