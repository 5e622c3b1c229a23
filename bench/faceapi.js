'use strict';
// The peer a Node user would pick: @vladmandic/face-api on the tfjs WebAssembly backend (the only
// tfjs backend that installs from npm alone here; tfjs-node downloads a native library at
// install). Its model files load from the package's own model/ folder, no network.
//  - time per face descriptor on the same 1920x1080 photos: face-api's aligned chip +
//    computeFaceDescriptor vs our FaceReid.embed on the decoded frame + landmarks;
//  - whole photo: face-api detectAllFaces().withFaceLandmarks().withFaceDescriptors() vs
//    our FacePipeline.analyzeRaw (both from decoded pixels);
//  - LFW dev accuracy with face-api's own detector, 68-point landmarks and alignment, on a
//    deterministic subset of pairs.txt (the first N same + N different pairs of every fold; all
//    3,000 pairs take hours with WebAssembly on 2 cores), next to ours on the very same subset.
const { readFileSync } = require('node:fs');
const { join, dirname } = require('node:path');
const sharp = require('sharp');
const { FaceReid, FacePipeline, decodeImage, crossValidate } = require('../dist');
const { readPairs, readLandmarks } = require('../dist/eval/lfw-data');
const { cosineSimilarity } = require('../dist/util/vector');
const { modelsDir, dataDir } = require('../test/helpers/env');
const { median, scratch, row } = require('./lib');
const { photos1080 } = require('./photos');
const { facesOf } = require('./aligned');

async function loadFaceApi() {
  const tf = require('@tensorflow/tfjs');
  require('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  return { tf, faceapi, version: `face-api ${faceapi.version}, tfjs ${tf.version_core} ${tf.getBackend()}${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ' SIMD' : ''}${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? ' threads' : ''}` };
}

async function rgbTensor(tf, file) {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return tf.tensor3d(data, [info.height, info.width, 3], 'int32');
}

/** The first `perSide` same and `perSide` different pairs of every fold: deterministic, balanced. */
function pairSubset(all, perSide) {
  const picked = [];
  for (let fold = 0; fold < all.folds; fold++) {
    for (const same of [true, false]) picked.push(...all.pairs.filter((p) => p.fold === fold && p.same === same).slice(0, perSide));
  }
  return picked;
}

/** 5-fold protocol on `pairs` with one score function over per-image vectors (null: no face). */
function verification(pairs, folds, vectors, score) {
  const scored = pairs.map((p) => {
    const a = vectors.get(p.a);
    const b = vectors.get(p.b);
    return { similarity: a && b ? score(a, b) : -Infinity, same: p.same, fold: p.fold };
  });
  return crossValidate(scored, folds);
}

async function run(options = {}) {
  const rounds = options.rounds ?? 3;
  const perSide = Number(process.env.FACE_REID_BENCH_FACEAPI_PAIRS ?? (options.quick ? 5 : 30));
  const log = options.log ?? (() => {});
  const { tf, faceapi, version } = await loadFaceApi();
  log(version);
  const files = await photos1080(scratch(), 3);
  const ourFaces = await facesOf(files);
  const frames = await Promise.all(files.map((f) => decodeImage(f)));
  const reid = await FaceReid.create({ modelDir: modelsDir() });
  const pipeline = await FacePipeline.create({ modelDir: modelsDir() });
  const rows = [];
  try {
    // Per-face descriptor and whole photo, alternating rounds.
    const tensors = await Promise.all(files.map((f) => rgbTensor(tf, f)));
    const ssd = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
    const theirFaces = [];
    for (const t of tensors) theirFaces.push(await faceapi.detectAllFaces(t, ssd).withFaceLandmarks());
    const theirCount = theirFaces.reduce((n, f) => n + f.length, 0);
    const ourCount = ourFaces.reduce((n, p) => n + p.faces.length, 0);
    const oursDesc = [];
    const theirsDesc = [];
    const oursPhoto = [];
    const theirsPhoto = [];
    for (let r = 0; r < rounds; r++) {
      let start = process.hrtime.bigint();
      for (let p = 0; p < files.length; p++) for (const lm of ourFaces[p].faces) await reid.embed(frames[p], lm);
      oursDesc.push(Number(process.hrtime.bigint() - start) / 1e6 / ourCount);
      start = process.hrtime.bigint();
      for (let p = 0; p < files.length; p++) {
        for (const face of theirFaces[p]) {
          const [chip] = await faceapi.extractFaceTensors(tensors[p], [face.alignedRect]);
          await faceapi.computeFaceDescriptor(chip);
          chip.dispose();
        }
      }
      theirsDesc.push(Number(process.hrtime.bigint() - start) / 1e6 / theirCount);
      start = process.hrtime.bigint();
      for (const frame of frames) await pipeline.analyzeRaw(frame);
      oursPhoto.push(Number(process.hrtime.bigint() - start) / 1e6 / files.length);
      start = process.hrtime.bigint();
      for (const t of tensors) await faceapi.detectAllFaces(t, ssd).withFaceLandmarks().withFaceDescriptors();
      theirsPhoto.push(Number(process.hrtime.bigint() - start) / 1e6 / files.length);
      log(`round ${r + 1}/${rounds}: descriptor ours ${oursDesc[r].toFixed(2)} vs face-api ${theirsDesc[r].toFixed(1)} ms/face; photo ours ${oursPhoto[r].toFixed(1)} vs face-api ${theirsPhoto[r].toFixed(0)} ms`);
    }
    tensors.forEach((t) => t.dispose());
    rows.push(
      row({
        bench: 'faceapi', name: 'descriptor per face (frame + landmarks)', ours: median(oursDesc), reference: median(theirsDesc), referenceName: `@vladmandic/face-api (${version})`,
        unit: 'ms/face', better: 'lower', note: `faces: ours ${ourCount}, face-api ${theirCount}; ${rounds} rounds; face-api: extractFaceTensors(alignedRect) + computeFaceDescriptor (150x150 ResNet-34)`,
      }),
      row({
        bench: 'faceapi', name: 'whole photo from pixels, 1920x1080', ours: median(oursPhoto), reference: median(theirsPhoto), referenceName: '@vladmandic/face-api (SSD + 68 landmarks + descriptors)',
        unit: 'ms/photo', better: 'lower', note: `${files.length} photos, ${rounds} rounds`,
      }),
    );

    // LFW dev accuracy on a deterministic subset, both systems on the same pairs.
    const root = join(dataDir(), 'lfw', 'deepfunneled250');
    const all = readPairs(join(dataDir(), 'lfw', 'pairs.txt'));
    const pairs = pairSubset(all, perSide);
    const images = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
    const landmarks = readLandmarks(join(dataDir(), 'lfw', 'landmarks-deepfunneled.txt'));
    const theirs = new Map();
    const ours = new Map();
    let theirSeconds = 0;
    let done = 0;
    for (const rel of images) {
      const t = await rgbTensor(tf, join(root, rel));
      const start = process.hrtime.bigint();
      const found = await faceapi.detectSingleFace(t, ssd).withFaceLandmarks().withFaceDescriptor();
      theirSeconds += Number(process.hrtime.bigint() - start) / 1e9;
      t.dispose();
      theirs.set(rel, found ? found.descriptor : null);
      const points = landmarks.get(rel);
      ours.set(rel, points ? await reid.embed(join(root, rel), points) : null);
      if (++done % 50 === 0) log(`LFW subset: ${done}/${images.length} images (face-api ${(theirSeconds / done).toFixed(2)} s/image)`);
    }
    // face-api's own metric is the Euclidean distance between descriptors; ours is the cosine.
    const theirReport = verification(pairs, all.folds, theirs, (a, b) => -faceapi.euclideanDistance(a, b));
    const ourReport = verification(pairs, all.folds, ours, cosineSimilarity);
    const missed = [...theirs.values()].filter((v) => v === null).length;
    rows.push(
      row({
        bench: 'faceapi', name: `LFW dev accuracy, ${pairs.length}-pair subset`, ours: ourReport.accuracyMean, reference: theirReport.accuracyMean,
        referenceName: '@vladmandic/face-api (own detector, landmarks, alignment)', unit: 'accuracy', better: 'higher',
        note: `first ${perSide} same + ${perSide} different pairs of each of the ${all.folds} folds (${images.length} deep-funneled images); std ours ${ourReport.accuracyStd.toFixed(4)}, face-api ${theirReport.accuracyStd.toFixed(4)}; face-api found no face in ${missed} images (scored as different); face-api ${(theirSeconds / images.length).toFixed(2)} s/image`,
      }),
    );
    return rows;
  } finally {
    reid.close();
    await pipeline.close();
  }
}

module.exports = { run, title: 'The npm peer: @vladmandic/face-api on tfjs WebAssembly' };
