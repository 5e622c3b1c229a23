'use strict';
// A stand-in for the face embedder in gallery tests: a deterministic 256-d vector derived from a
// file's bytes (SHA-256 seeds a xorshift generator), so a rerun or another process computes the
// very same embedding for the same picture. Files whose name contains "noface" have no face.
const { createHash } = require('node:crypto');
const { readFile } = require('node:fs/promises');
const { basename } = require('node:path');

function embeddingFromBytes(bytes) {
  const seed = createHash('sha256').update(bytes).digest();
  let s = seed.readUInt32LE(0) | 1;
  const out = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 0x80000000 - 1;
  }
  return out;
}

function fakeEmbedFile(delayMs = 0) {
  return async (path) => {
    if (basename(path).includes('noface')) return null;
    if (basename(path).includes('broken')) throw new Error('cannot decode');
    const bytes = await readFile(path);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    return embeddingFromBytes(bytes);
  };
}

module.exports = { embeddingFromBytes, fakeEmbedFile };
