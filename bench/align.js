'use strict';
// µs per face to produce 128x128 B, G, R float planes from a 1920x1080 RGB frame, ours vs
// OpenCV (Python, same machine, same run), and the same for a 1920x1080 -> 300x300 resize.
// Usage: npm run build && node bench/align.js [rounds]
const align = require('../dist/align');
const { runOracle } = require('../test/helpers/env');
const { rng } = require('../test/helpers/align-data');

const W = 1920, H = 1080, S = 128;
const rounds = Number(process.argv[2] || 4000);

function medianUs(fn, n) {
  fn();
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    times[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  return times.sort()[n >> 1];
}

const rand = rng(3);
const data = Buffer.alloc(W * H * 3);
for (let i = 0; i < data.length; i++) data[i] = (rand() * 256) | 0; // noise: no cache-friendly flat areas
const frame = { data, width: W, height: H, channels: 3, order: 'rgb' };
// A ~150-pixel face near the centre, slightly rolled.
const landmarks = [905, 500, 965, 506, 933, 535, 910, 566, 955, 570];
const out = new Float32Array(3 * S * S);
const matrix = align.referenceTransform(landmarks, S);

const oursAlign = medianUs(() => align.alignFace(frame, landmarks, { out }), rounds);
const batchOut = new Float32Array(16 * 3 * S * S);
const batch16 = medianUs(() => align.alignFaces(frame, new Array(16).fill(landmarks), batchOut), rounds / 16) / 16;
const detOut = new Float32Array(3 * 300 * 300);
const oursResize = medianUs(() => align.resizeInto(frame, detOut, { width: 300, height: 300 }), rounds / 4);

const header = Buffer.from(JSON.stringify({ width: W, height: H, matrix: Array.from(matrix), rounds }) + '\n');
const cv = JSON.parse(runOracle('bench_align.py', [], Buffer.concat([header, data])));

const line = (name, ours, theirs) =>
  console.log(`${name.padEnd(38)} ours ${ours.toFixed(1).padStart(7)} µs   OpenCV ${theirs.toFixed(1).padStart(7)} µs   ratio ${(ours / theirs).toFixed(2)}`);
console.log(`1920x1080 RGB frame, median of ${rounds} rounds (OpenCV threads: ${cv.threads})`);
line('align 128x128 BGR planes (1 face)', oursAlign, cv.align_us);
line('align 128x128 BGR planes (16-face batch)', batch16, cv.align_us);
line('resize 1920x1080 -> 300x300 BGR planes', oursResize, cv.resize_us);
