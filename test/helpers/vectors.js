'use strict';
// Embedding-shaped test vectors for the gallery suites: random unit vectors, unit vectors with
// chosen coordinates (so similarities are known exactly), axes.
const EMBEDDING_SIZE = 256;

function randomUnit(rand) {
  const v = new Float32Array(EMBEDDING_SIZE);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = rand() * 2 - 1;
    n += v[i] * v[i];
  }
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

/** Unit vector with the given coordinates on the first axes and the rest of the norm on axis `pad`. */
function vec(coords, pad = 200) {
  const v = new Float32Array(EMBEDDING_SIZE);
  let sq = 0;
  coords.forEach((c, i) => {
    v[i] = c;
    sq += c * c;
  });
  if (sq < 1) v[pad] = Math.sqrt(1 - sq);
  return v;
}

function axis(i) {
  const v = new Float32Array(EMBEDDING_SIZE);
  v[i] = 1;
  return v;
}

const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);

/** Checks an error's class (`type`), and `code`/`message` (string or RegExp). */
function matches(check) {
  return (err) => {
    for (const [k, v] of Object.entries(check)) {
      if (k === 'type') {
        if (!(err instanceof v)) throw new Error(`expected ${v.name}, got ${err.constructor.name}: ${err.message}`);
      } else if (v instanceof RegExp) {
        if (!v.test(err[k])) throw new Error(`${k} ${JSON.stringify(err[k])} does not match ${v}`);
      } else if (err[k] !== v) {
        throw new Error(`expected ${k} ${JSON.stringify(v)}, got ${JSON.stringify(err[k])} (${err.message})`);
      }
    }
    return true;
  };
}

module.exports = { EMBEDDING_SIZE, randomUnit, vec, axis, dot, matches };
