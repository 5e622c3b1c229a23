'use strict';
// Embeddings per second for 1,000 LFW faces decoded in memory with their landmarks given,
// THROUGHPUT hint: FaceReid (all requests kept busy) against the Open Model Zoo way in Python
// (cv2.warpAffine + AsyncInferQueue), alternating rounds in the same run.
const { join, resolve } = require('node:path');
const { spawnSync } = require('node:child_process');
const { FaceReid } = require('../dist/reid');
const { decodeImage } = require('../dist/image');
const { readLandmarks } = require('../dist/eval/lfw-data');

const root = resolve(__dirname, '..');
const models = process.env.FACE_REID_MODELS || resolve(root, '..', 'shared', 'models');
const data = process.env.FACE_REID_DATA || resolve(root, '..', 'shared', 'data');
const python = process.env.FACE_REID_PYTHON || join(root, '.venv', 'bin', 'python');
const { median } = require('./lib');

async function ours(items, rounds) {
  const reid = await FaceReid.create({ modelDir: models, config: { PERFORMANCE_HINT: 'THROUGHPUT' } });
  try {
    const decoded = await Promise.all(items.map(async (i) => ({ image: await decodeImage(i.path), landmarks: i.landmarks })));
    const rates = [];
    for (let r = 0; r < rounds; r++) {
      const start = process.hrtime.bigint();
      await reid.embedBatch(decoded);
      rates.push(decoded.length / (Number(process.hrtime.bigint() - start) / 1e9));
    }
    return { rates, requests: reid.parallelism };
  } finally {
    reid.close();
  }
}

function theirs(items, rounds) {
  const r = spawnSync(python, [join(root, 'test', 'oracle', 'bench_lfw_embed.py')], {
    input: JSON.stringify({ modelDir: models, items, rounds }),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(r.stderr);
  const out = JSON.parse(r.stdout);
  return { rates: out.facesPerSecond, requests: out.requests };
}

async function main() {
  const landmarks = readLandmarks(join(data, 'lfw', 'landmarks-deepfunneled.txt'));
  const items = [...landmarks.keys()].sort().slice(0, 1000).map((k) => ({ path: join(data, 'lfw', 'deepfunneled250', k), landmarks: Array.from(landmarks.get(k)) }));
  const o = [];
  const p = [];
  for (let round = 0; round < 3; round++) {
    o.push(...(await ours(items, 2)).rates.slice(1));
    p.push(...theirs(items, 2).rates.slice(1));
    console.log(`round ${round + 1}: ours ${o.at(-1).toFixed(0)} faces/s, python ${p.at(-1).toFixed(0)} faces/s`);
  }
  console.log(`1000 LFW faces, THROUGHPUT: ours ${median(o).toFixed(0)} faces/s, python ${median(p).toFixed(0)} faces/s, ratio ${(median(o) / median(p)).toFixed(3)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
