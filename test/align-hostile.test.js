'use strict';
// 10,000 hostile calls straight into the raw addon and the typed API: every failure must be
// a TypeError, RangeError or FaceReidError, never a crash. Run under ASAN/UBSan with
// scripts/asan-hostile.sh (FACE_REID_ADDON points at the sanitised build).
const assert = require('node:assert/strict');
const align = require('../dist/align');
const { loadAddon } = require('../dist/native');
const { FaceReidError } = require('../dist/errors');
const { rng } = require('./helpers/align-data');

const CALLS = Number(process.env.FACE_REID_HOSTILE_CALLS || 10000);

function hostileValues(rand) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const num = () => pick([0, -1, 1, 2, 3, 4, 5, 128, 1024, 1025, 65535, 65536, 2 ** 31, 2 ** 53, -0, 0.5, NaN, Infinity, -Infinity, 1e300, -1e6, 1e6 + 1, Math.floor(rand() * 300)]);
  const bytes = () => {
    const n = pick([0, 1, 2, 11, 300, 3 * 64 * 64, 4 * 70 * 70 + 13, 100000]);
    const buf = new Uint8Array(n + 8);
    return pick([buf.subarray(0, n), buf.subarray(3, 3 + Math.max(0, n - 3)), Buffer.alloc(n), new Uint8ClampedArray(n), new Int8Array(n), new Float32Array(n)]);
  };
  const value = () => pick([undefined, null, true, 'rgb', {}, [], () => 1, Symbol('s'), 10n, num(), bytes()]);
  const landmarks = () => {
    const base = [20, 25, 45, 25, 32, 38, 22, 50, 42, 50].map((v) => v * (0.2 + rand() * 3) + (rand() - 0.5) * 40);
    const k = rand();
    if (k < 0.3) return base;
    if (k < 0.4) return base.map(() => num());
    if (k < 0.5) return Float64Array.from(base);
    if (k < 0.55) return new Float32Array(base);
    if (k < 0.6) return base.slice(0, Math.floor(rand() * 10));
    if (k < 0.65) return base.concat([1]);
    if (k < 0.7) return new Array(10).fill(7);
    if (k < 0.75) return [[1, 2], [3, 4], [5, 6], [7, 8], [9]];
    if (k < 0.8) return base.map((v, i) => (i === 3 ? value() : v));
    return value();
  };
  const image = () => {
    if (rand() < 0.1) return value();
    const channels = pick([1, 3, 4, 3, 2, 0, 5, num()]);
    const width = pick([1, 2, 3, 17, 64, 70, num()]);
    const height = pick([1, 2, 5, 64, 70, num()]);
    const order = pick([undefined, 'rgb', 'bgr', 'rgba', 'bgra', 'gray', 'i420', 'i420', 'I420', 'RGB', '', 3, null]);
    const stride = pick([undefined, undefined, width * channels, width * channels + 1, width * channels - 1, 0, -5, 1e9, num()]);
    // I420: the luma plane's rows, then two chroma planes of ceil(w/2) x ceil(h/2).
    const okSize = order === 'i420'
      ? height * (stride ?? width) + 2 * Math.ceil(width / 2) * Math.ceil(height / 2)
      : (height - 1) * (stride ?? width * channels) + width * channels;
    const data = rand() < 0.5 && Number.isFinite(okSize) && okSize > 0 && okSize < 1e6 ? new Uint8Array(okSize + pick([0, 0, -1, 5])) : bytes();
    const img = { data, width, height, channels };
    if (order !== undefined) img.order = order;
    if (stride !== undefined) img.stride = stride;
    if (rand() < 0.05) delete img[pick(['data', 'width', 'height', 'channels'])];
    return img;
  };
  const out = () => pick([new Float32Array(3 * 128 * 128), new Float32Array(3 * 16 * 16 * 2), new Float32Array(5), new Float32Array(0), new Float64Array(3 * 128 * 128), new Float32Array(new ArrayBuffer(4 * (3 * 128 * 128 + 4)), 8, 3 * 128 * 128), value()]);
  const size = () => pick([128, 16, 1, 0, 1024, 1025, -3, 2.5, num(), value()]);
  const index = () => pick([undefined, 0, 1, -1, 0.5, 2 ** 31, NaN, value()]);
  const roi = () => pick([undefined, { x: 0, y: 0, width: 2, height: 2 }, { x: -1, y: 0, width: 5, height: 5 }, { x: 3, y: 3, width: 1e9, height: 1 }, { x: num(), y: num(), width: num(), height: num() }, value()]);
  return { pick, num, value, landmarks, image, out, size, index, roi };
}

function acceptable(err) {
  return err instanceof TypeError || err instanceof RangeError || err instanceof FaceReidError;
}

async function hammer(seed, calls, target) {
  const rand = rng(seed);
  const h = hostileValues(rand);
  const tally = { ok: 0, TypeError: 0, RangeError: 0, FaceReidError: 0 };
  for (let i = 0; i < calls; i++) {
    const op = Math.floor(rand() * 8);
    try {
      await target(op, h, rand);
      tally.ok++;
    } catch (err) {
      if (!acceptable(err)) throw new Error(`call ${i} (op ${op}) threw ${err && err.name}: ${err && err.message}`);
      tally[err instanceof FaceReidError ? 'FaceReidError' : err.name]++;
    }
  }
  return tally;
}

describe('align: hostile arguments', function () {
  this.timeout(600000);

  it(`raw addon: ${CALLS} hostile calls give only TypeError/RangeError/FaceReidError`, async () => {
    const raw = loadAddon();
    const tally = await hammer(1, CALLS, async (op, h) => {
      switch (op) {
        case 0: return raw.estimateSimilarity(h.landmarks(), h.landmarks(), h.pick([undefined, 'rms', 'least-squares', 'x', 3]));
        case 1: return raw.referenceTransform(h.landmarks(), h.size());
        case 2: return raw.alignFace(h.image(), h.landmarks(), h.size(), h.out(), h.index(), h.pick([undefined, true, false, 1]));
        case 3: return raw.alignFaces(h.image(), h.pick([h.landmarks(), new Float64Array(20).fill(9), [].concat(h.landmarks(), h.landmarks())]), h.size(), h.out(), h.pick([undefined, true, 'x']));
        case 4: return raw.alignFacesAsync(h.image(), h.landmarks(), h.size(), h.out(), h.pick([undefined, true]));
        case 5: return raw.resizeInto(h.image(), h.out(), h.size(), h.size(), h.index(), h.roi());
        case 6: return raw.resizeIntoAsync(h.image(), h.out(), h.size(), h.size(), h.index(), h.roi());
        default: return raw.alignFace(h.value(), h.value(), h.value(), h.value(), h.value(), h.value());
      }
    });
    console.log(`      raw: ${JSON.stringify(tally)}`);
    assert.ok(tally.ok > 0 && tally.TypeError > 0 && tally.RangeError > 0 && tally.FaceReidError > 0);
  });

  it(`typed API: ${CALLS} hostile calls give only TypeError/RangeError/FaceReidError`, async () => {
    const tally = await hammer(2, CALLS, async (op, h) => {
      switch (op) {
        case 0: return align.estimateSimilarity(h.landmarks(), h.landmarks(), h.pick([undefined, { scale: 'least-squares' }, { scal: 1 }, null]));
        case 1: return align.referenceTransform(h.landmarks(), h.size());
        case 2: return align.alignFace(h.image(), h.landmarks(), h.pick([undefined, { size: h.size(), out: h.out(), index: h.index(), antialias: h.pick([true, false, 0]) }, { sise: 3 }, h.value()]));
        case 3: return align.alignFaces(h.image(), h.pick([[h.landmarks()], [h.landmarks(), h.landmarks()], h.value()]), h.out(), h.pick([undefined, { size: h.size() }, h.value()]));
        case 4: return align.alignFacesAsync(h.image(), [h.landmarks()], h.out(), { size: h.size(), antialias: h.pick([true, undefined]) });
        case 5: return align.resizeInto(h.image(), h.out(), h.pick([{ width: h.size(), height: h.size(), index: h.index(), roi: h.roi() }, undefined, h.value()]));
        case 6: return align.resizeIntoAsync(h.image(), h.out(), { width: h.size(), height: h.size(), roi: h.roi() });
        default: return align.alignFace(h.value(), h.value(), h.value());
      }
    });
    console.log(`      typed: ${JSON.stringify(tally)}`);
    assert.ok(tally.ok > 0 && tally.TypeError > 0 && tally.RangeError > 0);
  });

  it('leaves out untouched when any face of a batch is degenerate', () => {
    const image = { data: new Uint8Array(64 * 64 * 3).fill(200), width: 64, height: 64, channels: 3 };
    const out = new Float32Array(2 * 3 * 128 * 128).fill(-1);
    const good = [20, 25, 45, 25, 32, 38, 22, 50, 42, 50];
    assert.throws(() => align.alignFaces(image, [good, new Array(10).fill(3)], out), (e) => e.code === 'DEGENERATE_LANDMARKS' && /face 1/.test(e.message));
    assert.ok(out.every((v) => v === -1));
  });
});

// releasePixels frees a frame's memory early (src/image/release.ts). It must never free memory a
// native job or a bound tensor still reads, and a job given released pixels must fail cleanly.
describe('releasePixels: hostile arguments and buffers in use', function () {
  this.timeout(600000);
  const { releasePixels } = require('../dist/image');

  const frame = (width = 320, height = 240) => ({ data: new Uint8Array(width * height * 3).fill(90), width, height, channels: 3, order: 'bgr' });

  it('answers a boolean or a TypeError for anything, and frees only whole, unshared, idle buffers', () => {
    const raw = loadAddon();
    const rand = rng(3);
    const h = hostileValues(rand);
    const tally = { true: 0, false: 0, TypeError: 0 };
    for (let i = 0; i < CALLS / 5; i++) {
      const args = h.pick([[], [h.value()], [h.value(), h.value()], [new Uint8Array(h.pick([0, 1, 4096]))], [new Uint8ClampedArray(64)]]);
      try {
        const answer = raw.releasePixels(...args);
        assert.equal(typeof answer, 'boolean');
        tally[answer]++;
      } catch (err) {
        if (!(err instanceof TypeError)) throw new Error(`call ${i} threw ${err && err.name}: ${err && err.message}`);
        tally.TypeError++;
      }
    }
    console.log(`      releasePixels: ${JSON.stringify(tally)}`);
    assert.ok(tally.true > 0 && tally.false > 0 && tally.TypeError > 0);

    const whole = new Uint8Array(1000);
    const alias = new Uint8Array(whole.buffer);
    assert.equal(releasePixels(whole.subarray(1)), false, 'a slice is not the owner of its buffer');
    assert.equal(releasePixels(new Uint8Array(whole.buffer, 0, 999)), false, 'nor is a view of part of it');
    assert.equal(releasePixels(Buffer.from('pooled')), false, 'a small Buffer lives in a shared pool');
    assert.equal(releasePixels(new Uint8Array(new SharedArrayBuffer(64))), false, 'a SharedArrayBuffer is never detached');
    assert.equal(releasePixels(new Uint8Array(0)), false, 'nothing to free');
    assert.equal(releasePixels(whole), true);
    assert.equal(whole.byteLength, 0);
    assert.equal(alias.byteLength, 0, 'every view of a released buffer is empty');
    assert.equal(releasePixels(whole), false, 'already released');
    assert.throws(() => releasePixels(new Float32Array(4)), TypeError);
    assert.throws(() => releasePixels({ data: new Uint8Array(4) }), TypeError);
  });

  it('refuses to free pixels a job on the libuv pool is reading, and frees them once it is done', async () => {
    const image = frame(1280, 720);
    const out = new Float32Array(3 * 300 * 300);
    const jobs = [align.resizeIntoAsync(image, out, { width: 300, height: 300 }), align.alignFacesAsync(image, [[600, 300, 680, 300, 640, 350, 610, 400, 670, 400]], new Float32Array(3 * 128 * 128))];
    assert.equal(releasePixels(image.data), false, 'two jobs hold it');
    await Promise.all(jobs);
    assert.equal(releasePixels(image.data), true);
    // A job given released pixels is refused before any memory is read.
    await assert.rejects(align.resizeIntoAsync(image, out, { width: 300, height: 300 }), RangeError);
    assert.throws(() => align.alignFaces(image, [[600, 300, 680, 300, 640, 350, 610, 400, 670, 400]], new Float32Array(3 * 128 * 128)), RangeError);
  });

  it('survives a storm of jobs and releases racing on the same buffers: every job succeeds or fails cleanly', async () => {
    const rand = rng(4);
    const frames = Array.from({ length: 6 }, () => frame(160 + Math.floor(rand() * 200), 120 + Math.floor(rand() * 150)));
    const outputs = { ok: 0, refused: 0, released: 0, kept: 0 };
    const running = [];
    for (let i = 0; i < 3000; i++) {
      const f = frames[Math.floor(rand() * frames.length)];
      if (rand() < 0.3) {
        if (releasePixels(f.data)) {
          outputs.released++;
          f.data = new Uint8Array(f.width * f.height * 3).fill(i & 255); // the next frame into the slot
        } else outputs.kept++;
        continue;
      }
      running.push(
        align.resizeIntoAsync(f, new Float32Array(3 * 64 * 64), { width: 64, height: 64 }).then(
          () => outputs.ok++,
          (err) => {
            if (!(err instanceof RangeError)) throw err;
            outputs.refused++;
          },
        ),
      );
      if (running.length > 16) await running.shift();
    }
    await Promise.all(running);
    console.log(`      storm: ${JSON.stringify(outputs)}`);
    assert.ok(outputs.released > 0 && outputs.kept > 0 && outputs.ok > 0, JSON.stringify(outputs));
    assert.equal(outputs.refused, 0, 'a buffer that was released is replaced before any job sees it');
  });
});
