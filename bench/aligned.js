'use strict';
// Aligned embedding from an already decoded frame plus five landmarks per face:
// ours = the FaceReid path (alignFace written straight into the request's input tensor, infer()
// off the JS thread, copy + L2 normalise) vs the Python oracle (cv2.warpAffine + compiled() +
// numpy normalise). Faces come from our pipeline on 1920x1080 photos; both sides use the same
// landmarks and the same JPEG, decoded once outside the timing.
const { openvino, alignFace, decodeImage, FacePipeline } = require('../dist');
const { l2NormaliseInPlace, cosineSimilarity } = require('../dist/util/vector');
const { modelPath, modelsDir } = require('../test/helpers/env');
const { median, medianAsyncMs, PythonOracle, scratch, row } = require('./lib');
const { photos1080 } = require('./photos');

const MODEL = 'face-reidentification-retail-0095';

/** Five landmarks per face of each photo, found by our pipeline (any detector would do). */
async function facesOf(files) {
  const pipeline = await FacePipeline.create({ modelDir: modelsDir() });
  try {
    const out = [];
    for (const file of files) out.push({ file, faces: (await pipeline.analyze(file)).map((f) => Float64Array.from(f.landmarks.flat())) });
    return out;
  } finally {
    await pipeline.close();
  }
}

async function run(options = {}) {
  const rounds = options.rounds ?? (options.quick ? 5 : 15);
  const passes = options.passes ?? 20;
  const log = options.log ?? (() => {});
  const files = await photos1080(scratch(), 3);
  const photos = (await facesOf(files)).filter((p) => p.faces.length > 0);
  const faceCount = photos.reduce((n, p) => n + p.faces.length, 0);
  const { xml } = modelPath(MODEL, 'FP16');

  const model = openvino.compileModel({ xml, config: { PERFORMANCE_HINT: 'LATENCY' } });
  const request = model.createInferRequest();
  const input = request.inputBuffer(0);
  const outputName = model.outputs[0].name;
  const frames = await Promise.all(photos.map((p) => decodeImage(p.file)));
  const embedOne = async (raw, landmarks) => {
    alignFace(raw, landmarks, { out: input, size: 128 });
    const outputs = await request.infer();
    return l2NormaliseInPlace(Float32Array.from(outputs[outputName]));
  };

  const python = new PythonOracle();
  try {
    await python.call({ cmd: 'compile', key: 'reid', xml, hint: 'LATENCY' });
    // Parity first: the two paths must compute the same vectors, or the timing means nothing.
    let worst = 1;
    for (let p = 0; p < photos.length; p++) {
      const py = await python.call({ cmd: 'aligned', key: 'reid', image: photos[p].file, faces: photos[p].faces.map((f) => [...f]), runs: 1 });
      for (let i = 0; i < photos[p].faces.length; i++) {
        worst = Math.min(worst, cosineSimilarity(await embedOne(frames[p], photos[p].faces[i]), py.embeddings[i]));
      }
    }
    const ours = [];
    const py = [];
    for (let r = 0; r < rounds; r++) {
      const passMs = await medianAsyncMs(passes, async () => {
        for (let p = 0; p < photos.length; p++) for (const f of photos[p].faces) await embedOne(frames[p], f);
      });
      ours.push(passMs / faceCount);
      const perPhoto = [];
      for (const photo of photos) {
        const answer = await python.call({ cmd: 'aligned', key: 'reid', image: photo.file, faces: photo.faces.map((f) => [...f]), runs: passes });
        perPhoto.push(answer.medianMsPerFace * photo.faces.length);
      }
      py.push(perPhoto.reduce((a, b) => a + b, 0) / faceCount);
      log(`round ${r + 1}/${rounds}: ours ${ours[r].toFixed(3)} ms/face, python ${py[r].toFixed(3)} ms/face`);
    }
    request.close();
    model.close();
    return [
      row({
        bench: 'aligned', name: 'aligned embedding (frame + landmarks)', ours: median(ours), reference: median(py),
        referenceName: 'Python cv2.warpAffine + compiled()', unit: 'ms/face', better: 'lower', goal: 'faster than Python', pass: median(ours) < median(py),
        note: `${faceCount} faces on ${photos.length} 1920x1080 photos, ${rounds} rounds x ${passes} passes; min cosine ours vs Python ${worst.toFixed(5)}`,
      }),
    ];
  } finally {
    await python.close();
  }
}

module.exports = { run, facesOf, title: 'Aligned embedding from a decoded frame + landmarks (ours vs OpenCV + OpenVINO Python)' };
