'use strict';
// Shared by the align tests and bench: LFW landmarks, JPEG decoding, BGR packing, synthetic images,
// a seeded PRNG, and the binary protocol of test/oracle/align_oracle.py.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const sharp = require('sharp');
const { dataDir, runOracle } = require('./env');

const { rng } = require('./random');

/** [{ file, landmarks: number[10] }] from a landmarks file, coordinates multiplied by `scale`. */
function lfwLandmarks(file = 'landmarks.txt', scale = 0.6) {
  const text = readFileSync(join(dataDir(), 'lfw', file), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [name, ...nums] = line.split('\t');
      return { file: name, landmarks: nums.map((v) => Number(v) * scale) };
    });
}

/** Decodes a JPEG to interleaved RGB (or gray when the JPEG is gray). */
async function decode(path) {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const order = info.channels === 1 ? 'gray' : info.channels === 3 ? 'rgb' : 'rgba';
  return { data, width: info.width, height: info.height, channels: info.channels, order, stride: info.width * info.channels };
}

/** Packed RGB pixels (3 channels, no row padding) as packed BGR: what cv2 and the oracles read. */
function packedBgr(raw) {
  const out = Buffer.alloc(raw.width * raw.height * 3);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = raw.data[i + 2];
    out[i + 1] = raw.data[i + 1];
    out[i + 2] = raw.data[i];
  }
  return out;
}

function rawLfwPath(file) {
  return join(dataDir(), 'lfw', 'raw150', file);
}

/**
 * Sends images (+ per-item fields) to the oracle; returns one Float32Array per item.
 * items: [{ image: {data,width,height,channels,order,stride}, ...fields }], floatsPerItem(item).
 */
function oracleImages(command, extraHeader, items, floatsPerItem) {
  const parts = [];
  let offset = 0;
  const headerItems = items.map(({ image, ...rest }) => {
    const need = (image.height - 1) * image.stride + image.width * image.channels;
    const bytes = Buffer.from(image.data.buffer, image.data.byteOffset, need);
    parts.push(bytes);
    const entry = { offset, width: image.width, height: image.height, channels: image.channels, order: image.order, stride: image.stride, ...rest };
    offset += need;
    return entry;
  });
  const header = Buffer.from(JSON.stringify({ ...extraHeader, items: headerItems }) + '\n');
  const stdout = runOracle('align_oracle.py', [command], Buffer.concat([header, ...parts]), { encoding: 'buffer' });
  const out = [];
  let pos = 0;
  for (const item of items) {
    const n = floatsPerItem(item);
    out.push(new Float32Array(stdout.buffer.slice(stdout.byteOffset + pos * 4, stdout.byteOffset + (pos + n) * 4)));
    pos += n;
  }
  if (pos * 4 !== stdout.length) throw new Error(`oracle returned ${stdout.length} bytes, expected ${pos * 4}`);
  return out;
}

/** Procrustes oracle: pairs [[src10, dst10]] -> Float64Array(6) each. */
function oracleSimilarity(pairs, scale = 'rms') {
  const blob = new Float64Array(pairs.length * 20);
  pairs.forEach(([src, dst], i) => {
    blob.set(src, 20 * i);
    blob.set(dst, 20 * i + 10);
  });
  const header = Buffer.from(JSON.stringify({ count: pairs.length, scale }) + '\n');
  const stdout = runOracle('align_oracle.py', ['similarity'], Buffer.concat([header, Buffer.from(blob.buffer)]), { encoding: 'buffer' });
  const all = new Float64Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.length));
  return pairs.map((_, i) => all.slice(6 * i, 6 * i + 6));
}

/** Synthetic test images: noise, gradients, 1-pixel checkerboards, in any layout. */
function synthetic(kind, width, height, order, { pad = 0, offset = 0, seed = 1 } = {}) {
  const channels = { gray: 1, rgb: 3, bgr: 3, rgba: 4, bgra: 4 }[order];
  const stride = width * channels + pad;
  const backing = new Uint8Array(offset + (height - 1) * stride + width * channels);
  const data = backing.subarray(offset);
  const rand = rng(seed);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let v;
        if (kind === 'noise') v = Math.floor(rand() * 256);
        else if (kind === 'gradient') v = Math.round(((x * (c + 1) * 37 + y * (3 - c) * 23) / (width + height)) % 256);
        else v = (x + y + c) % 2 ? 255 : 0;
        data[y * stride + x * channels + c] = v;
      }
    }
    for (let p = 0; p < pad; p++) if (y < height - 1) data[y * stride + width * channels + p] = 77; // padding garbage
  }
  return { data, width, height, channels, order, stride };
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}

module.exports = { rng, lfwLandmarks, decode, packedBgr, rawLfwPath, oracleImages, oracleSimilarity, synthetic, maxAbsDiff };
