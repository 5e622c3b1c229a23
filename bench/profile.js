'use strict';
// Where the time goes in our path (no reference: a breakdown of our own figures, medians):
// per face: alignFace into the input tensor, inferSync (pure OpenVINO), infer() (the same plus
// the binding's hop off and back onto the JS thread), output copy + L2 normalise;
// per 1920x1080 photo: JPEG decode (sharp) vs FacePipeline.analyzeRaw.
const { openvino, alignFace, decodeImage, FacePipeline } = require('../dist');
const { l2NormaliseInPlace } = require('../dist/util/vector');
const { modelPath, modelsDir } = require('../test/helpers/env');
const { median, scratch, row } = require('./lib');
const { photos1080 } = require('./photos');
const { facesOf } = require('./aligned');

async function run(options = {}) {
  const reps = options.quick ? 200 : 1000;
  const files = await photos1080(scratch(), 3);
  const photos = (await facesOf(files)).filter((p) => p.faces.length);
  const frame = await decodeImage(photos[0].file);
  const landmarks = photos[0].faces[0];
  const model = openvino.compileModel({ xml: modelPath('face-reidentification-retail-0095', 'FP16').xml, config: { PERFORMANCE_HINT: 'LATENCY' } });
  const request = model.createInferRequest();
  const input = request.inputBuffer(0);
  const name = model.outputs[0].name;
  const t = { align: [], inferSync: [], inferAsync: [], copy: [] };
  let out;
  for (let i = 0; i < reps + 20; i++) {
    let s = process.hrtime.bigint();
    alignFace(frame, landmarks, { out: input, size: 128 });
    const a = Number(process.hrtime.bigint() - s) / 1e6;
    s = process.hrtime.bigint();
    request.inferSync();
    const b = Number(process.hrtime.bigint() - s) / 1e6;
    s = process.hrtime.bigint();
    out = await request.infer();
    const c = Number(process.hrtime.bigint() - s) / 1e6;
    s = process.hrtime.bigint();
    l2NormaliseInPlace(Float32Array.from(out[name]));
    const d = Number(process.hrtime.bigint() - s) / 1e6;
    if (i >= 20) {
      t.align.push(a);
      t.inferSync.push(b);
      t.inferAsync.push(c);
      t.copy.push(d);
    }
  }
  request.close();
  model.close();
  const pipeline = await FacePipeline.create({ modelDir: modelsDir() });
  const decode = [];
  const analyze = [];
  for (let i = 0; i < (options.quick ? 5 : 15); i++) {
    for (const p of photos) {
      let s = process.hrtime.bigint();
      const raw = await decodeImage(p.file);
      decode.push(Number(process.hrtime.bigint() - s) / 1e6);
      s = process.hrtime.bigint();
      await pipeline.analyzeRaw(raw);
      analyze.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  }
  await pipeline.close();
  const m = (k) => median(t[k]);
  const bench = 'profile';
  return [
    row({ bench, name: 'per face: alignFace into the input tensor', ours: m('align') * 1000, unit: 'µs', note: `median of ${reps}` }),
    row({ bench, name: 'per face: inferSync (OpenVINO alone)', ours: m('inferSync') * 1000, unit: 'µs' }),
    row({ bench, name: 'per face: infer() (OpenVINO + binding hop)', ours: m('inferAsync') * 1000, unit: 'µs', note: `binding hop ~ ${((m('inferAsync') - m('inferSync')) * 1000).toFixed(0)} µs over inferSync` }),
    row({ bench, name: 'per face: output copy + L2 normalise', ours: m('copy') * 1000, unit: 'µs' }),
    row({ bench, name: 'per photo: JPEG decode (sharp)', ours: median(decode), unit: 'ms' }),
    row({ bench, name: 'per photo: analyzeRaw (detect + landmarks + align + embed)', ours: median(analyze), unit: 'ms' }),
  ];
}

module.exports = { run, title: 'Profile of our path (where the time goes)' };
