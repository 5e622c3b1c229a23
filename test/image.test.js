'use strict';
// decodeImage on real LFW pictures and on raw pixel objects. Files the tests make go to os.tmpdir().
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sharp = require('sharp');
const { dataDir } = require('./helpers/env');
const { decodeImage, checkRawImage } = require('../dist/image');
const { FaceReidError } = require('../dist/errors');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'face-reid-image-'));
const lfw = (name, n) => path.join(dataDir(), 'lfw', 'raw150', name, `${name}_${String(n).padStart(4, '0')}.jpg`);
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const isCode = (code) => (err) => err instanceof FaceReidError && err.code === code;

describe('decodeImage: encoded input', () => {
  const jpeg = lfw('Aaron_Sorkin', 1);

  it('decodes a real LFW JPEG to 150x150 packed 8-bit RGB, the same from a path and from its bytes', async () => {
    const fromPath = await decodeImage(jpeg);
    assert.equal(fromPath.width, 150);
    assert.equal(fromPath.height, 150);
    assert.equal(fromPath.channels, 3);
    assert.equal(fromPath.order, 'rgb');
    assert.equal(fromPath.stride, 450);
    assert.ok(Buffer.isBuffer(fromPath.data));
    assert.equal(fromPath.data.length, 150 * 150 * 3);
    // A photo, not a flat fill: many distinct values and a mid-range mean.
    const mean = fromPath.data.reduce((a, b) => a + b, 0) / fromPath.data.length;
    assert.ok(mean > 40 && mean < 215, `mean ${mean}`);
    assert.ok(new Set(fromPath.data).size > 100);

    const fromBytes = await decodeImage(fs.readFileSync(jpeg));
    assert.ok(fromBytes.data.equals(fromPath.data));
    const fromUint8 = await decodeImage(new Uint8Array(fs.readFileSync(jpeg)));
    assert.ok(fromUint8.data.equals(fromPath.data));
  });

  it('honours EXIF orientation (orientation 6: width and height swap)', async () => {
    const oriented = await sharp(jpeg).resize(90, 60).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const meta = await sharp(oriented).metadata();
    assert.equal(meta.orientation, 6);
    assert.equal(meta.width, 90);
    const image = await decodeImage(oriented);
    assert.equal(image.width, 60);
    assert.equal(image.height, 90);
    // Rotated 90° clockwise: the stored top-left pixel ends up at the top-right.
    const plain = await decodeImage(await sharp(jpeg).resize(90, 60).jpeg().toBuffer());
    const px = (img, x, y) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];
    const a = px(plain, 0, 0);
    const b = px(image, 59, 0);
    assert.ok(a.every((v, i) => Math.abs(v - b[i]) < 30), `${a} vs ${b}`);
  });

  it('converts grayscale and alpha inputs to 3-channel RGB', async () => {
    const gray = await sharp(jpeg).toColourspace('b-w').png().toBuffer();
    assert.equal((await sharp(gray).metadata()).channels, 1);
    const g = await decodeImage(gray);
    assert.equal(g.channels, 3);
    assert.equal(g.data[0], g.data[1]);
    const rgba = await sharp({ create: { width: 4, height: 2, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 1 } } }).png().toBuffer();
    const c = await decodeImage(rgba);
    assert.deepEqual([c.channels, ...c.data.subarray(0, 3)], [3, 10, 200, 30]);
  });

  it('fails with IMAGE_DECODE_FAILED naming a missing file', async () => {
    const missing = path.join(tmp, 'no-such-face.jpg');
    await assert.rejects(decodeImage(missing), (err) => isCode('IMAGE_DECODE_FAILED')(err) && err.message.includes(missing) && /no such file/.test(err.message));
  });

  it('fails with IMAGE_DECODE_FAILED and sharp\'s reason for a file that is not an image', async () => {
    const text = path.join(tmp, 'notes.jpg');
    fs.writeFileSync(text, 'these are not pixels\n'.repeat(10));
    await assert.rejects(decodeImage(text), (err) => isCode('IMAGE_DECODE_FAILED')(err) && err.message.includes(text) && /unsupported image format/i.test(err.message));
    await assert.rejects(decodeImage(Buffer.from('GIF89a nope')), isCode('IMAGE_DECODE_FAILED'));
    await assert.rejects(decodeImage(Buffer.alloc(0)), (err) => isCode('IMAGE_DECODE_FAILED')(err) && /empty/.test(err.message));
    await assert.rejects(decodeImage(tmp), (err) => isCode('IMAGE_DECODE_FAILED')(err) && /not a regular file/.test(err.message));
  });

  it('refuses a truncated JPEG instead of decoding it with a gray bottom', async () => {
    const bytes = fs.readFileSync(jpeg);
    const cut = path.join(tmp, 'truncated.jpg');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    // The premise: with failOn 'none' sharp does "decode" it.
    const lenient = await sharp(cut, { failOn: 'none' }).raw().toBuffer({ resolveWithObject: true });
    assert.equal(lenient.info.height, 150);
    await assert.rejects(decodeImage(cut), (err) => isCode('IMAGE_DECODE_FAILED')(err) && /premature end/i.test(err.message) && err.message.includes(cut));
  });

  it('refuses an encoded image above maxPixels with IMAGE_TOO_LARGE', async () => {
    await assert.rejects(decodeImage(jpeg, { maxPixels: 150 * 150 - 1 }), isCode('IMAGE_TOO_LARGE'));
    assert.equal((await decodeImage(jpeg, { maxPixels: 150 * 150 })).width, 150);
    await assert.rejects(decodeImage(jpeg, { maxPixels: 0 }), RangeError);
  });

  it('rejects inputs of the wrong type', async () => {
    await assert.rejects(decodeImage(42), (err) => err instanceof TypeError && /Expected .* for image but received 42/.test(err.message));
    await assert.rejects(decodeImage(new Float32Array(4)), TypeError);
  });
});

describe('decodeImage: raw input', () => {
  it('passes a raw image through without copying its pixels', async () => {
    const data = Buffer.alloc(8 * 4 * 3, 7);
    const out = await decodeImage({ data, width: 8, height: 4, channels: 3 });
    assert.equal(out.data, data);
    assert.equal(out.order, 'rgb');
    assert.equal(out.stride, 24);
    const clamped = new Uint8ClampedArray(10 * 5 * 4 + 6);
    const bgra = await decodeImage({ data: clamped, width: 5, height: 2, channels: 4, order: 'bgra', stride: 26 });
    assert.equal(bgra.data, clamped);
    assert.equal(bgra.data.buffer, clamped.buffer);
    assert.equal(bgra.order, 'bgra');
    const gray = await decodeImage({ data: new Uint8Array(6), width: 3, height: 2, channels: 1 });
    assert.equal(gray.order, 'gray');
  });

  it('a declared 0x0 size is a RangeError', async () => {
    await assert.rejects(
      decodeImage({ data: new Uint8Array(0), width: 0, height: 0, channels: 3 }),
      (err) => err instanceof RangeError && err.code === 'ERR_OUT_OF_RANGE' && err.message === 'Expected a positive integer for image.width but received 0',
    );
  });

  it('a declared 100000x100000 size is IMAGE_TOO_LARGE before the data is looked at', async () => {
    // The data getter proves the check happens before anything touches the pixels.
    const image = { width: 100000, height: 100000, channels: 3 };
    Object.defineProperty(image, 'data', { enumerable: true, get: () => assert.fail('data was read') });
    await assert.rejects(decodeImage(image), (err) => isCode('IMAGE_TOO_LARGE')(err) && /100000x100000/.test(err.message));
  });

  it('validates data type, channels, order, stride and length', () => {
    const ok = { data: new Uint8Array(12), width: 2, height: 2, channels: 3 };
    assert.throws(() => checkRawImage({ ...ok, data: new Float32Array(12) }), (e) => e instanceof TypeError && /for image.data/.test(e.message));
    assert.throws(() => checkRawImage({ ...ok, data: [1, 2, 3] }), TypeError);
    assert.throws(() => checkRawImage({ ...ok, width: 1.5 }), RangeError);
    assert.throws(() => checkRawImage({ ...ok, height: '2' }), TypeError);
    assert.throws(() => checkRawImage({ ...ok, channels: 2 }), (e) => e instanceof RangeError && /for image.channels/.test(e.message));
    assert.throws(() => checkRawImage({ ...ok, order: 'rgba' }), (e) => e instanceof RangeError && /for image.order/.test(e.message));
    assert.throws(() => checkRawImage({ ...ok, stride: 5 }), (e) => e instanceof RangeError && /for image.stride/.test(e.message));
    assert.throws(() => checkRawImage({ ...ok, data: new Uint8Array(11) }), (e) => e instanceof RangeError && /at least 12 bytes/.test(e.message));
    // With a stride the last row needs only width * channels bytes.
    assert.equal(checkRawImage({ ...ok, stride: 8, data: new Uint8Array(14) }).stride, 8);
  });
});
