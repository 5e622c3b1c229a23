'use strict';
// Synthetic faces for the tracking and identity tests: people as random unit 256-d vectors, each
// observation of a person that vector plus noise (the similarity of an observation to its person
// is about 1/sqrt(1 + sigma²)), boxes moving along straight lines. Real enough for the logic
// (re-identification similarities of one person across frames sit around 0.6-0.9 and of
// different people around 0-0.3), and every failure reproduces from its seed.
const { rng } = require('./random');

function gaussian(rand) {
  const u = Math.max(1e-12, rand());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function normalise(v) {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

function randomUnit(rand, dim = 256) {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = gaussian(rand);
  return normalise(v);
}

/** base + sigma * (a random unit vector), renormalised. */
function noisy(base, sigma, rand) {
  const n = randomUnit(rand, base.length);
  const v = new Float32Array(base.length);
  for (let i = 0; i < v.length; i++) v[i] = base[i] + sigma * n[i];
  return normalise(v);
}

const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);

/** A box of side `size` centred at (cx, cy). */
const boxAt = (cx, cy, size) => ({ x: cx - size / 2, y: cy - size / 2, width: size, height: size });

/** Frontal landmarks inside a box (eyes, nose, mouth corners at the usual proportions). */
function landmarksIn(box) {
  const { x, y, width: w, height: h } = box;
  return [
    [x + 0.3 * w, y + 0.38 * h],
    [x + 0.7 * w, y + 0.38 * h],
    [x + 0.5 * w, y + 0.55 * h],
    [x + 0.35 * w, y + 0.75 * h],
    [x + 0.65 * w, y + 0.75 * h],
  ];
}

module.exports = { rng, randomUnit, noisy, dot, boxAt, landmarksIn, gaussian };
