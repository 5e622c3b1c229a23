'use strict';
// Face alignment and pixel packing against real LFW data and the numpy/OpenCV oracle
// (test/oracle/align_oracle.py). No mocks: every number here comes from the addon.
const assert = require('node:assert/strict');
const { join } = require('node:path');
const sharp = require('sharp');
const align = require('../dist/align');
const { FaceReidError } = require('../dist/errors');
const { outputDir } = require('./helpers/env');
const { rng, lfwLandmarks, decode, rawLfwPath, oracleImages, oracleSimilarity, synthetic, maxAbsDiff } = require('./helpers/align-data');

const S = 128;
const PLANE3 = 3 * S * S;
const ORDERS = ['rgb', 'bgr', 'rgba', 'bgra', 'gray'];

function relDiff(a, b) {
  let scale = 1;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  return maxAbsDiff(a, b) / scale;
}

function refFlat(size) {
  return align.REFERENCE_LANDMARKS.flatMap(([x, y]) => [x * size, y * size]);
}

/** A plausible face: the reference pattern under a random similarity, plus noise. */
function randomFace(rand, { extent = 150, noise = 3 } = {}) {
  const scale = (0.3 + rand()) * extent / 128;
  const angle = (rand() - 0.5) * 1.2;
  const tx = rand() * extent * 0.6, ty = rand() * extent * 0.6;
  const c = Math.cos(angle) * scale, s = Math.sin(angle) * scale;
  const ref = refFlat(128);
  const out = [];
  for (let i = 0; i < 5; i++) {
    const x = ref[2 * i], y = ref[2 * i + 1];
    out.push(c * x - s * y + tx + (rand() - 0.5) * noise, s * x + c * y + ty + (rand() - 0.5) * noise);
  }
  return out;
}

/** Streaming |a - b| statistics over many crops (histogram of 0.001-wide bins: 187M values do not fit an array). */
class DiffStats {
  constructor() {
    this.bins = new Float64Array(256001);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }
  add(a, b) {
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      this.bins[Math.min(256000, Math.floor(d * 1000))]++;
      this.sum += d;
      if (!(d <= this.max)) this.max = d;
    }
    this.count += a.length;
  }
  summary() {
    const target = 0.999 * this.count;
    let seen = 0, bin = 0;
    while (bin < this.bins.length - 1 && seen + this.bins[bin] < target) seen += this.bins[bin++];
    return { mean: this.sum / this.count, p999: (bin + 1) / 1000, max: this.max }; // p99.9 rounded up to its bin edge
  }
}

describe('align: similarity fit', () => {
  it('maps the reference points onto themselves with the identity', () => {
    const m = align.referenceTransform(refFlat(S), S);
    const id = [1, 0, 0, 0, 1, 0];
    assert.ok(maxAbsDiff(m, id) < 1e-12, `got ${Array.from(m)}`);
    assert.deepEqual(align.REFERENCE_LANDMARKS[2], [0.5002625, 0.64050536]);
  });

  it('matches the numpy Procrustes oracle on 1,000 random sets and every LFW landmark set (1e-9 relative)', () => {
    const rand = rng(7);
    const pairs = [];
    for (let i = 0; i < 500; i++) pairs.push([refFlat(S), randomFace(rand)]);
    for (let i = 0; i < 500; i++) pairs.push([Array.from({ length: 10 }, () => rand() * 2000 - 1000), Array.from({ length: 10 }, () => rand() * 300)]);
    const lfw = lfwLandmarks();
    for (const { landmarks } of lfw) pairs.push([refFlat(S), landmarks]);
    assert.equal(pairs.length, 1000 + 3811);
    for (const scale of ['rms', 'least-squares']) {
      const expected = oracleSimilarity(pairs, scale);
      let worst = 0;
      pairs.forEach(([src, dst], i) => {
        const ours = align.estimateSimilarity(src, dst, { scale });
        worst = Math.max(worst, relDiff(ours, expected[i]));
      });
      assert.ok(worst <= 1e-9, `${scale}: worst relative difference ${worst}`);
    }
    // referenceTransform is the rms fit of the reference x size onto the landmarks.
    for (const { landmarks } of lfw.slice(0, 50)) {
      assert.ok(maxAbsDiff(align.referenceTransform(landmarks), align.estimateSimilarity(refFlat(S), landmarks)) < 1e-12);
    }
  });

  it('accepts [x, y] pairs and flat arrays alike, and refuses reflections', () => {
    const lm = lfwLandmarks()[0].landmarks;
    const pairs = [0, 1, 2, 3, 4].map((i) => [lm[2 * i], lm[2 * i + 1]]);
    assert.deepEqual(align.referenceTransform(pairs), align.referenceTransform(Float64Array.from(lm)));
    const mirrored = refFlat(S).map((v, i) => (i % 2 === 0 ? S - v : v));
    const m = align.estimateSimilarity(refFlat(S), mirrored);
    assert.ok(m[0] * m[4] - m[1] * m[3] > 0, 'determinant stays positive');
  });

  it('rejects coincident landmarks with DEGENERATE_LANDMARKS', () => {
    const image = synthetic('noise', 32, 32, 'rgb');
    for (const bad of [new Array(10).fill(5), [1, 2, 1, 2, 1, 2, 1, 2, 1, 2]]) {
      assert.throws(() => align.alignFace(image, bad), (e) => e instanceof FaceReidError && e.code === 'DEGENERATE_LANDMARKS');
    }
  });
});

describe('align: warp exactness', function () {
  this.timeout(600000);

  it('equals the float64 bilinear oracle (<= 0.01) and tracks cv2.warpAffine on all 3,811 LFW raw150 images', async () => {
    const lfw = lfwLandmarks();
    const cvStats = new DiffStats();
    let crops = 0;
    let worstExact = 0;
    const chunk = 400;
    for (let start = 0; start < lfw.length; start += chunk) {
      const part = lfw.slice(start, start + chunk);
      const items = [];
      const ours = [];
      for (const { file, landmarks } of part) {
        const image = await decode(rawLfwPath(file));
        const { matrix, out } = align.alignFace(image, landmarks);
        ours.push(out);
        items.push({ image, matrix: Array.from(matrix), size: S });
      }
      const exact = oracleImages('warp', { mode: 'bilinear' }, items, () => PLANE3);
      const cv = oracleImages('warp', { mode: 'cv2' }, items, () => PLANE3);
      ours.forEach((o, i) => {
        worstExact = Math.max(worstExact, maxAbsDiff(o, exact[i]));
        cvStats.add(o, cv[i]);
        crops++;
      });
    }
    assert.equal(crops, 3811);
    const stats = cvStats.summary();
    console.log(`      LFW raw150 x 3811: max |ours - float64 oracle| = ${worstExact.toExponential(2)}; vs cv2.warpAffine mean ${stats.mean.toFixed(4)}, p99.9 ${stats.p999.toFixed(3)}, max ${stats.max.toFixed(3)}`);
    assert.ok(worstExact <= 0.01, `max abs vs float64 oracle ${worstExact}`);
    assert.ok(stats.mean <= 0.25 && stats.p999 <= 2 && stats.max <= 5, JSON.stringify(stats));
  });

  it('equals the oracle on synthetic images in every channel order, padded strides and byte offsets', () => {
    const rand = rng(11);
    const items = [];
    const ours = [];
    for (const kind of ['noise', 'gradient', 'checker']) {
      for (const order of ORDERS) {
        for (const layout of [{}, { pad: 5, offset: 3 }, { pad: 64, offset: 1 }]) {
          const w = 40 + Math.floor(rand() * 90), h = 40 + Math.floor(rand() * 90);
          const image = synthetic(kind, w, h, order, { ...layout, seed: items.length + 1 });
          // Faces partly outside the image too, to cover the zero border.
          const lm = randomFace(rand, { extent: Math.max(w, h) * 1.3 }).map((v) => v - Math.max(w, h) * 0.15);
          const size = [S, 64, 37][items.length % 3];
          const { matrix, out } = align.alignFace(image, lm, { size });
          ours.push(out);
          items.push({ image, matrix: Array.from(matrix), size });
        }
      }
    }
    const exact = oracleImages('warp', { mode: 'bilinear' }, items, (it) => 3 * it.size * it.size);
    ours.forEach((o, i) => {
      const d = maxAbsDiff(o, exact[i]);
      assert.ok(d <= 0.01, `item ${i} (${items[i].image.order}, ${items[i].image.width}x${items[i].image.height}, stride ${items[i].image.stride}): ${d}`);
    });
  });

  it('anti-aliased mode equals the oracle supersampling k x k', () => {
    const image = synthetic('checker', 600, 500, 'rgb', { pad: 3 });
    const lm = [190, 230, 410, 230, 300, 320, 210, 410, 390, 410]; // ~3.3 image pixels per crop pixel
    const { matrix, out } = align.alignFace(image, lm, { antialias: true });
    const k = Math.min(8, Math.ceil(Math.sqrt(Math.abs(matrix[0] * matrix[4] - matrix[1] * matrix[3])) - 1e-9));
    const [exact] = oracleImages('warp', { mode: 'bilinear' }, [{ image, matrix: Array.from(matrix), size: S, k }], () => PLANE3);
    assert.ok(k >= 3);
    assert.ok(maxAbsDiff(out, exact) <= 0.01);
    // Plain bilinear on a 1-pixel checkerboard aliases; the box filter lands near mid-grey.
    const plain = align.alignFace(image, lm).out;
    const spread = (a) => Math.max(...a.subarray(0, S * S)) - Math.min(...a.subarray(0, S * S));
    assert.ok(spread(out) < spread(plain), `antialiased spread ${spread(out)} vs plain ${spread(plain)}`);
  });
});

describe('align: batches and async', () => {
  it('alignFaces equals N single alignFace calls, and async equals sync', async () => {
    const lfw = lfwLandmarks().slice(0, 6);
    const frame = await decode(rawLfwPath(lfw[0].file));
    const list = lfw.map((e) => e.landmarks);
    const batch = align.alignFaces(frame, list);
    assert.equal(batch.out.length, list.length * PLANE3);
    const singles = new Float32Array(list.length * PLANE3);
    list.forEach((lm, i) => {
      const r = align.alignFace(frame, lm, { out: singles, index: i });
      assert.deepEqual(r.matrix, batch.matrices[i]);
    });
    assert.deepEqual(batch.out, singles);
    const given = new Float32Array(list.length * PLANE3 + 7);
    const asyncResult = await align.alignFacesAsync(frame, list, given);
    assert.equal(asyncResult.out, given);
    assert.deepEqual(given.subarray(0, list.length * PLANE3), batch.out);
    assert.deepEqual(asyncResult.matrices, batch.matrices);
    const empty = align.alignFaces(frame, []);
    assert.equal(empty.out.length, 0);
  });

  it('rejects from the async API instead of throwing', async () => {
    await assert.rejects(align.alignFacesAsync({ data: new Uint8Array(3), width: 2, height: 2, channels: 3 }, [[1, 2]]), RangeError);
  });
});

describe('align: resizeInto', function () {
  this.timeout(120000);

  it('matches cv2.resize INTER_LINEAR within one level (whole image and ROI, down and up, every order)', async () => {
    const lfw = lfwLandmarks().slice(0, 20);
    const items = [];
    const ours = [];
    const rand = rng(5);
    const push = (image, roi, dst, opts = {}) => {
      const out = new Float32Array(((opts.index ?? 0) + 1) * 3 * dst[0] * dst[1]);
      align.resizeInto(image, out, { width: dst[0], height: dst[1], index: opts.index, roi: roi && { x: roi[0], y: roi[1], width: roi[2], height: roi[3] } });
      ours.push(out.subarray((opts.index ?? 0) * 3 * dst[0] * dst[1]));
      items.push({ image, roi: roi ?? [0, 0, image.width, image.height], dst });
    };
    for (const { file } of lfw) {
      const image = await decode(rawLfwPath(file));
      push(image, undefined, [48, 48]);
      push(image, [20, 30, 100, 90], [48, 48], { index: 2 });
      push(image, [10, 10, 37, 41], [300, 300]);
    }
    for (const order of ORDERS) {
      const image = synthetic('noise', 320, 180, order, { pad: 7, offset: 5, seed: 9 });
      push(image, undefined, [300, 300]);
      push(image, [Math.floor(rand() * 100), Math.floor(rand() * 50), 150, 100], [61, 47]);
      push(synthetic('checker', 256, 200, order), undefined, [128, 100]); // exact 2x
    }
    const frame = synthetic('gradient', 1920, 1080, 'rgb');
    push(frame, undefined, [300, 300]);
    const expected = oracleImages('resize', {}, items, (it) => 3 * it.dst[0] * it.dst[1]);
    ours.forEach((o, i) => {
      const d = maxAbsDiff(o, expected[i]);
      assert.ok(d <= 1.0, `item ${i} ${items[i].image.order} roi ${items[i].roi} -> ${items[i].dst}: ${d}`);
    });
    const out = new Float32Array(3 * 300 * 300);
    await align.resizeIntoAsync(frame, out, { width: 300, height: 300 });
    assert.deepEqual(out, ours[ours.length - 1]);
  });
});

describe('align: contact sheet', () => {
  it('writes 16 LFW faces with their landmarks next to the aligned crops with the reference points', async () => {
    const lfw = lfwLandmarks();
    const picks = Array.from({ length: 16 }, (_, i) => lfw[Math.floor((i * lfw.length) / 16)]);
    const tile = 150, gap = 6, cols = 4;
    const sheetW = cols * (2 * tile + 3 * gap), sheetH = 4 * (tile + gap) + gap;
    const sheet = Buffer.alloc(sheetW * sheetH * 3, 40);
    const dot = (x, y, color, ox, oy) => {
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
        const px = Math.round(x) + dx + ox, py = Math.round(y) + dy + oy;
        if (px >= 0 && py >= 0 && px < sheetW && py < sheetH) sheet.set(color, (py * sheetW + px) * 3);
      }
    };
    for (const [n, { file, landmarks }] of picks.entries()) {
      const image = await decode(rawLfwPath(file));
      const ox = (n % cols) * (2 * tile + 3 * gap) + gap, oy = Math.floor(n / cols) * (tile + gap) + gap;
      for (let y = 0; y < image.height; y++) for (let x = 0; x < image.width; x++) {
        const s = y * image.stride + x * image.channels;
        sheet.set(image.channels === 1 ? [image.data[s], image.data[s], image.data[s]] : [image.data[s], image.data[s + 1], image.data[s + 2]], ((oy + y) * sheetW + ox + x) * 3);
      }
      for (let i = 0; i < 5; i++) dot(landmarks[2 * i], landmarks[2 * i + 1], [255, 40, 40], ox, oy);
      const { out } = align.alignFace(image, landmarks);
      const ax = ox + tile + gap;
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
        const i = y * S + x;
        sheet.set([out[2 * S * S + i], out[S * S + i], out[i]].map((v) => Math.max(0, Math.min(255, Math.round(v)))), ((oy + y) * sheetW + ax + x) * 3);
      }
      for (const [x, y] of align.REFERENCE_LANDMARKS) dot(x * S, y * S, [40, 255, 40], ax, oy);
    }
    const path = join(outputDir('align'), 'contact-sheet.png');
    await sharp(sheet, { raw: { width: sheetW, height: sheetH, channels: 3 } }).png().toFile(path);
    console.log(`      contact sheet: ${path}`);
  });
});

describe('align: I420 frames (planar YUV 4:2:0, what video decoders give)', function () {
  this.timeout(120000);
  const { runFfmpeg } = require('./helpers/media');
  const { i420CropToRgb } = require('../dist/image');
  let frames;

  // LFW photos made into I420 by ffmpeg (an independent converter) and back into BGR by ffmpeg.
  before(async () => {
    frames = [];
    for (const { file, landmarks } of lfwLandmarks().slice(0, 12)) {
      const rgb = await decode(rawLfwPath(file));
      const size = `${rgb.width}x${rgb.height}`;
      const i420 = runFfmpeg(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', size, '-i', 'pipe:0', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'], { input: rgb.data });
      const bgr = runFfmpeg(['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', size, '-i', 'pipe:0', '-pix_fmt', 'bgr24', '-f', 'rawvideo', 'pipe:1'], { input: i420 });
      const planar = { data: i420, width: rgb.width, height: rgb.height, channels: 1, order: 'i420' };
      frames.push({ planar, bgr: { data: bgr, width: rgb.width, height: rgb.height, channels: 3, order: 'bgr' }, landmarks });
    }
  });

  const meanAbs = (a, b) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
  // The calls under test, each given the same two images: the I420 frame and a BGR form of it.
  const calls = [
    ['resize 48x48', (img) => { const o = new Float32Array(3 * 48 * 48); align.resizeInto(img, o, { width: 48, height: 48 }); return o; }],
    ['resize ROI up to 300x300', (img) => { const o = new Float32Array(3 * 300 * 300); align.resizeInto(img, o, { width: 300, height: 300, roi: { x: 21, y: 33, width: 77, height: 61 } }); return o; }],
    ['aligned face 128', (img, lm) => align.alignFace(img, lm, { size: 128 }).out],
    ['aligned face 48, anti-aliased', (img, lm) => align.alignFace(img, lm.map((v) => v * 0.6), { size: 48, antialias: true }).out],
    ['face crossing the corner', (img, lm) => align.alignFace(img, lm.map((v) => v - 60), { size: 64 }).out],
  ];

  it('samples exactly the pixels of its BT.601 conversion (geometry and chroma siting)', () => {
    for (const { planar, landmarks } of frames) {
      // The frame converted whole, pixel by pixel, then read by the interleaved path.
      const rgb = { data: i420CropToRgb(planar, 0, 0, planar.width, planar.height), width: planar.width, height: planar.height, channels: 3, order: 'rgb' };
      for (const [what, run] of calls) {
        const a = run(planar, landmarks);
        const b = run(rgb, landmarks);
        // The reference rounds each pixel to a byte: half a level. The resize mixes Y, U and V and
        // converts once, which differs where a tap's colour clips (native/kernels/resize.cpp).
        const diffs = Array.from(a, (v, i) => Math.abs(v - b[i])).sort((x, y) => x - y);
        const p99 = diffs[Math.floor(0.99 * (diffs.length - 1))];
        assert.ok(meanAbs(a, b) < 0.3, `${what}: mean |diff| ${meanAbs(a, b)}`);
        if (what.startsWith('resize')) {
          assert.ok(p99 <= 1.0 && diffs[diffs.length - 1] <= 12, `${what}: |diff| 99th percentile ${p99}, max ${diffs[diffs.length - 1]}`);
        } else {
          assert.ok(diffs[diffs.length - 1] <= 0.51, `${what}: max |diff| ${diffs[diffs.length - 1]}`);
        }
      }
    }
  });

  it("agrees with ffmpeg's own conversion to BGR within its rounding", () => {
    for (const { planar, bgr, landmarks } of frames) {
      for (const [what, run] of calls) {
        const a = run(planar, landmarks);
        const b = run(bgr, landmarks);
        // swscale's fast converter truncates: its BGR is about one level darker than exact (and the
        // resize's mix differs where colours clip, as above).
        assert.ok(meanAbs(a, b) < 2, `${what}: mean |diff| ${meanAbs(a, b)}`);
        assert.ok(maxAbsDiff(a, b) <= (what.startsWith('resize') ? 14 : 6), `${what}: max |diff| ${maxAbsDiff(a, b)}`);
      }
    }
  });

  it('checks the planes are all there, and that i420 means one channel', () => {
    const { planar } = frames[0];
    const out = new Float32Array(3 * 48 * 48);
    assert.throws(() => align.resizeInto({ ...planar, data: planar.data.subarray(1) }, out, { width: 48, height: 48 }), { name: 'RangeError', message: /2 \* ceil\(width \/ 2\) \* ceil\(height \/ 2\)/ });
    assert.throws(() => align.resizeInto({ ...planar, channels: 3 }, out, { width: 48, height: 48 }), { name: 'RangeError', message: /order/ });
    const raw = require('../dist/native').loadAddon();
    assert.throws(() => raw.resizeInto({ ...planar, data: planar.data.subarray(0, planar.width * planar.height) }, out, 48, 48, 0, undefined), { name: 'RangeError', message: /image\.data/ });
    // Odd sides: the chroma planes round up.
    const odd = { data: Buffer.alloc(7 * 5 + 2 * 4 * 3, 128), width: 7, height: 5, channels: 1, order: 'i420' };
    align.resizeInto(odd, out, { width: 48, height: 48 });
    assert.ok(out.every((v) => Math.abs(v - 1.16438356 * 112) < 1e-3));
  });
});
