'use strict';
// Whole pipeline on 1920x1080 photos with several faces, JPEG file in, embeddings out:
// ours = FacePipeline.analyze(path) (sharp decode, detector, landmarks batch, direct warps into one
// re-identification batch) vs the Python oracle of the Open Model Zoo demo logic
// (test/oracle/omz_pipeline.py: cv2.imread, detector, landmarks per face, warp + reid per face).
// Both LATENCY hint, FP16, one photo at a time.
const { FacePipeline } = require('../dist');
const { modelsDir } = require('../test/helpers/env');
const { median, PythonOracle, scratch, row } = require('./lib');
const { photos1080 } = require('./photos');

async function run(options = {}) {
  const rounds = options.rounds ?? (options.quick ? 3 : 9);
  const passes = options.passes ?? 5;
  const log = options.log ?? (() => {});
  const files = await photos1080(scratch(), 3);
  const pipeline = await FacePipeline.create({ modelDir: modelsDir() });
  const python = new PythonOracle();
  try {
    const faces = [];
    for (const file of files) faces.push((await pipeline.analyze(file)).length); // warm-up and face counts
    const pyFaces = [];
    for (const file of files) pyFaces.push((await python.call({ cmd: 'pipeline', modelDir: modelsDir(), image: file, runs: 1 })).faces);
    const ours = [];
    const py = [];
    for (let r = 0; r < rounds; r++) {
      const perPhoto = [];
      for (const file of files) {
        const times = [];
        for (let k = 0; k < passes; k++) {
          const start = process.hrtime.bigint();
          await pipeline.analyze(file);
          times.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
        perPhoto.push(median(times));
      }
      ours.push(perPhoto.reduce((a, b) => a + b, 0) / files.length);
      const pyPerPhoto = [];
      for (const file of files) pyPerPhoto.push((await python.call({ cmd: 'pipeline', modelDir: modelsDir(), image: file, runs: passes })).medianMs);
      py.push(pyPerPhoto.reduce((a, b) => a + b, 0) / files.length);
      log(`round ${r + 1}/${rounds}: ours ${ours[r].toFixed(1)} ms/photo, python ${py[r].toFixed(1)} ms/photo`);
    }
    return [
      row({
        bench: 'pipeline', name: 'whole pipeline, 1920x1080 JPEG', ours: median(ours), reference: median(py),
        referenceName: 'Python OMZ demo logic (cv2 + OpenVINO)', unit: 'ms/photo', better: 'lower', goal: 'faster than Python', pass: median(ours) < median(py),
        note: `${files.length} photos with ${faces.join('/')} faces (Python found ${pyFaces.join('/')}); decode included; ${rounds} rounds x ${passes} passes`,
      }),
    ];
  } finally {
    await python.close();
    await pipeline.close();
  }
}

module.exports = { run, title: 'Whole pipeline on 1920x1080 photos (ours vs the Open Model Zoo demo logic in Python)' };
