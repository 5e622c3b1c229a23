'use strict';
// Frame sources against the real ffmpeg: a file decoded into pooled buffers byte-identical to
// ffmpeg's own output, backpressure and drops, typed failures as events, restarts after a killed
// decoder, pushed frames, and close() leaving no process or descriptor behind.
const assert = require('node:assert');
const { createHash } = require('node:crypto');
const { mkdtempSync, writeFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { openSource, sourceOptionsFromConfig, resolveSourceOptions } = require('../dist/stream/source');
const { classifySource } = require('../dist/stream/source-input');
const { decodeArgs } = require('../dist/stream/ffmpeg-decode-args');
const { loadConfig } = require('../dist/config');
const { ffmpegPath, runFfmpeg, makeTestClip, childProcesses, openFds } = require('./helpers/media');
const { FfmpegServer } = require('./helpers/ffmpeg-server');

const W = 320;
const H = 240;
const FPS = 25;
const SECONDS = 2;

const sha = (data) => createHash('sha1').update(data).digest('hex');
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects every frame's hash, index and timestamp; `hold` ms per frame simulates a slow consumer. */
async function consume(source, { hold = 0, onFrame } = {}) {
  const frames = [];
  const buffers = new Set();
  for await (const frame of source) {
    frames.push({ index: frame.index, timestamp: frame.timestamp, hash: sha(frame.data), width: frame.width, height: frame.height, order: frame.order, channels: frame.channels, stride: frame.stride, bytes: frame.data.length });
    buffers.add(frame.data.buffer);
    if (onFrame) await onFrame(frame, frames.length);
    if (hold) await delay(hold);
    frame.release();
  }
  return { frames, buffers };
}

async function waitForNoChildren(ms = 3000) {
  const until = Date.now() + ms;
  while (Date.now() < until && childProcesses().length) await delay(50);
  return childProcesses();
}

describe('stream sources (ffmpeg)', function () {
  this.timeout(120000);
  let dir;
  let clip;
  let reference;
  let referenceBgr;

  before(function () {
    ffmpegPath();
    dir = mkdtempSync(join(tmpdir(), 'face-reid-source-'));
    clip = makeTestClip(join(dir, 'clip.mp4'), { width: W, height: H, fps: FPS, seconds: SECONDS });
    // ffmpeg's own decode of the same file, one hash per frame: what our frames must equal.
    const hashes = (pixFmt, bytes) => {
      const raw = runFfmpeg(['-i', clip, '-pix_fmt', pixFmt, '-f', 'rawvideo', 'pipe:1']);
      const out = [];
      for (let at = 0; at + bytes <= raw.length; at += bytes) out.push(sha(raw.subarray(at, at + bytes)));
      return out;
    };
    reference = hashes('yuv420p', W * H * 1.5);
    referenceBgr = hashes('bgr24', W * H * 3);
    assert.strictEqual(reference.length, FPS * SECONDS);
    assert.strictEqual(referenceBgr.length, FPS * SECONDS);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  afterEach(async () => {
    const left = await waitForNoChildren();
    assert.deepStrictEqual(left, [], 'a test left child processes behind');
  });

  it('decodes a file into I420 frames identical to ffmpeg, in a pool of reused buffers', async () => {
    const source = openSource(clip, { poolSize: 3 });
    const infos = [];
    source.on('info', (info) => infos.push(info));
    const { frames, buffers } = await consume(source);
    assert.ok(frames.every((f) => f.order === 'i420' && f.channels === 1 && f.stride === W && f.bytes === W * H * 1.5));
    assert.deepStrictEqual(infos, [{ width: W, height: H, fps: FPS }]);
    assert.deepStrictEqual(frames.map((f) => f.hash), reference);
    assert.deepStrictEqual(frames.map((f) => f.index), reference.map((_, i) => i));
    frames.forEach((f, i) => assert.ok(Math.abs(f.timestamp - (i * 1000) / FPS) < 1e-6, `timestamp of frame ${i}: ${f.timestamp}`));
    assert.ok(buffers.size <= 3, `frames lived in ${buffers.size} buffers, more than the pool of 3`);
    assert.strictEqual(source.stats.framesDropped, 0);
    assert.strictEqual(source.stats.state, 'ended');
    assert.strictEqual(source.kind, 'file');
    assert.strictEqual(source.live, false);
  });

  it('decodes into BGR frames identical to ffmpeg when asked (pixelFormat: bgr)', async () => {
    const { frames } = await consume(openSource(clip, { poolSize: 3, pixelFormat: 'bgr' }));
    assert.ok(frames.every((f) => f.order === 'bgr' && f.channels === 3 && f.stride === W * 3 && f.bytes === W * H * 3));
    assert.deepStrictEqual(frames.map((f) => f.hash), referenceBgr);
    assert.throws(() => openSource(clip, { pixelFormat: 'nv12' }), { name: 'RangeError', message: /options\.pixelFormat/ });
  });

  it('makes a file wait for a slow consumer (no frame lost) and scales when asked', async () => {
    const source = openSource(clip, { poolSize: 2, width: 160, height: 120 });
    const { frames } = await consume(source, { hold: 15 });
    assert.strictEqual(frames.length, FPS * SECONDS);
    assert.ok(frames.every((f) => f.width === 160 && f.height === 120));
    assert.strictEqual(source.stats.framesDropped, 0);
  });

  it('drops the stalest frames of a realtime source when the consumer is behind, and counts them', async () => {
    const source = openSource(clip, { realtime: true, poolSize: 2 });
    assert.strictEqual(source.live, true);
    const { frames } = await consume(source, { hold: 120 });
    const { framesDecoded, framesDelivered, framesDropped } = source.stats;
    assert.strictEqual(framesDecoded, FPS * SECONDS);
    assert.ok(framesDropped > 0, 'a consumer at ~8 fps behind a 25 fps source must cause drops');
    assert.strictEqual(framesDelivered + framesDropped, framesDecoded);
    assert.strictEqual(frames.length, framesDelivered);
    // Delivered frames are still the right ones, in order, with gaps where frames were dropped.
    for (const f of frames) assert.strictEqual(f.hash, reference[f.index], `frame ${f.index}`);
    for (let i = 1; i < frames.length; i++) assert.ok(frames[i].index > frames[i - 1].index);
  });

  it('paces a realtime file at its own frame rate', async () => {
    const started = Date.now();
    const { frames } = await consume(openSource(clip, { realtime: true, poolSize: 8 }));
    const seconds = (Date.now() - started) / 1000;
    assert.strictEqual(frames.length, FPS * SECONDS, 'a consumer that keeps up loses nothing');
    // ffmpeg -re releases frames no faster than their timestamps (the first ones come at once).
    assert.ok(seconds >= SECONDS * 0.85, `${FPS * SECONDS} frames of a ${SECONDS} s clip took only ${seconds} s`);
  });

  it('reports a missing file, a corrupt file and a missing ffmpeg as typed error events', async () => {
    const cases = [
      [openSource(join(dir, 'missing.mp4')), 'STREAM_SOURCE_FAILED', /missing\.mp4: no such file/],
      [openSource((writeFileSync(join(dir, 'corrupt.mp4'), Buffer.alloc(20000, 7)), join(dir, 'corrupt.mp4'))), 'STREAM_DECODER_FAILED', /corrupt\.mp4: ffmpeg exited with code 1.*Invalid data/],
      [openSource(clip, { ffmpegPath: join(dir, 'no-ffmpeg-here') }), 'STREAM_DECODER_FAILED', /not found at .*no-ffmpeg-here.*scripts\/install-media\.sh/],
    ];
    for (const [source, code, message] of cases) {
      const errors = [];
      source.on('error', (err) => errors.push(err));
      const { frames } = await consume(source);
      assert.strictEqual(frames.length, 0);
      assert.strictEqual(errors.length, 1, `${source.name}: one error event`);
      assert.strictEqual(errors[0].name, 'FaceReidError');
      assert.strictEqual(errors[0].code, code);
      assert.match(errors[0].message, message);
      assert.strictEqual(source.stats.state, 'failed');
      assert.strictEqual(source.stats.lastError, errors[0]);
    }
  });

  it('keeps a failure in stats when nobody listens for errors (no crash, no unhandled rejection)', async () => {
    const source = openSource(join(dir, 'missing-too.mp4'));
    const { frames } = await consume(source);
    assert.strictEqual(frames.length, 0);
    assert.strictEqual(source.stats.lastError.code, 'STREAM_SOURCE_FAILED');
  });

  it('restarts a decoder killed mid-file and resumes where it stopped', async () => {
    const source = openSource(clip, { poolSize: 3, reconnect: { initialMs: 10 } });
    const reconnects = [];
    source.on('reconnecting', (r) => reconnects.push(r));
    const { frames } = await consume(source, {
      onFrame: async (frame, n) => {
        if (n !== 10) return;
        const [decoder] = childProcesses().filter((c) => c.command === 'ffmpeg');
        assert.ok(decoder, 'the decoder runs as a child process');
        process.kill(decoder.pid, 'SIGKILL');
      },
    });
    assert.strictEqual(reconnects.length, 1);
    assert.strictEqual(reconnects[0].reason.code, 'STREAM_DECODER_FAILED');
    assert.match(reconnects[0].reason.message, /killed \(SIGKILL\)/);
    assert.strictEqual(source.stats.restarts, 1);
    // Frames go on after the restart, in order and with the content ffmpeg gives for their index.
    assert.ok(frames.length >= reference.length - 4, `${frames.length} frames of ${reference.length}`);
    for (let i = 1; i < frames.length; i++) assert.ok(frames[i].index > frames[i - 1].index);
    const after = frames.filter((f) => f.index > 20);
    assert.ok(after.length > 20);
    for (const f of after) assert.strictEqual(f.hash, reference[f.index], `frame ${f.index} after the restart`);
  });

  it('close() mid-stream ends the decoder and releases every descriptor', async () => {
    const fdsBefore = openFds().length;
    for (const options of [{ loop: true }, { realtime: true }]) {
      const source = openSource(clip, options);
      let n = 0;
      for await (const frame of source) {
        frame.release();
        if (++n === 5) break; // leaving the loop closes the source
      }
      await source.close();
      assert.strictEqual(source.stats.state, 'closed');
      assert.deepStrictEqual(await waitForNoChildren(), []);
    }
    // A source closed before it ever started, and one closed twice.
    const idle = openSource(clip);
    await idle.close();
    await idle.close();
    await delay(100);
    assert.strictEqual(openFds().length, fdsBefore, `descriptors: ${openFds().length} after, ${fdsBefore} before`);
  });

  it('a live source served by ffmpeg, killed mid-stream and restarted, resumes by itself', async () => {
    const server = await FfmpegServer.start(clip);
    const source = openSource(server.url, {
      // A short probe: the served stream starts quickly (the default probes 5 s of it).
      inputOptions: ['-analyzeduration', '1000000'],
      reconnect: { initialMs: 100, maxMs: 400 },
      stallTimeoutMs: 2000,
    });
    const reconnects = [];
    source.on('reconnecting', (r) => reconnects.push(r));
    const known = new Set(reference);
    let before = 0;
    let after = 0;
    let matching = 0;
    let restartedAt;
    try {
      for await (const frame of source) {
        if (known.has(sha(frame.data))) matching++;
        frame.release();
        if (restartedAt === undefined) {
          if (++before === 30) {
            await server.kill();
            // Down for a while: the source retries (connection refused) until it is back.
            setTimeout(() => (restartedAt = Date.now()) && server.restart(), 1500);
            restartedAt = null;
          }
        } else if (restartedAt && ++after === 30) break;
      }
    } finally {
      await source.close();
      await server.close();
    }
    assert.strictEqual(after, 30, 'frames go on after the server came back');
    assert.ok(reconnects.length >= 2, `${reconnects.length} reconnection attempts`);
    assert.ok(reconnects.every((r) => r.reason.code === 'STREAM_SOURCE_FAILED'));
    assert.ok(reconnects.some((r) => /Connection refused/.test(r.reason.message)), 'attempts while the server was down were refused');
    assert.ok(source.stats.restarts >= 2);
    assert.ok(matching >= 0.9 * (before + after), `${matching} of ${before + after} frames decoded as ffmpeg decodes the file`);
    assert.strictEqual(source.stats.state, 'closed');
  });

  it('an unreachable URL is retried with backoff, then a typed error event', async () => {
    const source = openSource('tcp://127.0.0.1:9/none', { reconnect: { initialMs: 20, maxAttempts: 2 } });
    assert.strictEqual(source.kind, 'url');
    assert.strictEqual(source.live, true);
    const reconnects = [];
    const errors = [];
    source.on('reconnecting', (r) => reconnects.push(r));
    source.on('error', (e) => errors.push(e));
    await consume(source);
    assert.deepStrictEqual(reconnects.map((r) => [r.attempt, r.delayMs, r.reason.code]), [[1, 20, 'STREAM_SOURCE_FAILED'], [2, 40, 'STREAM_SOURCE_FAILED']]);
    assert.strictEqual(errors.length, 1);
    assert.strictEqual(errors[0].code, 'STREAM_SOURCE_FAILED');
    assert.match(errors[0].message, /Connection refused.*gave up after 3 attempts/);
  });

  it('validates options with precise TypeError and RangeError messages', () => {
    assert.throws(() => openSource(42), { name: 'TypeError', message: 'Expected a file path, a stream URL or a /dev/video device for source but received 42' });
    assert.throws(() => openSource('ftp://x/y'), { name: 'TypeError', message: /Expected a URL with one of the schemes rtsp, .* for source but received "ftp:\/\/x\/y"/ });
    assert.throws(() => openSource(clip, { poolSize: 1 }), { name: 'RangeError', message: 'Expected a whole number in [2, 64] for options.poolSize but received 1' });
    assert.throws(() => openSource(clip, { width: 640 }), { name: 'TypeError', message: /both width and height, or neither for options.height/ });
    assert.throws(() => openSource(clip, { width: 641, height: 480 }), { name: 'RangeError', message: /even number .* for options.width but received 641/ });
    assert.throws(() => openSource(clip, { realtme: true }), { name: 'TypeError', message: 'Expected no option "realtme" (did you mean "realtime"?) for options.realtme but received true' });
    assert.throws(() => openSource(clip, { colour: 1 }), { name: 'TypeError', message: /Expected one of the options ffmpegPath, .* for options.colour but received 1/ });
    assert.throws(() => openSource(clip, { inputOptions: '-hwaccel vaapi' }), { name: 'TypeError', message: /an array of strings for options.inputOptions/ });
    assert.throws(() => openSource(clip, { live: true }), { name: 'TypeError', message: /for options.live/ });
  });

  it('takes ffmpeg settings from the configuration (file, environment, options)', () => {
    const config = loadConfig({ env: { FACE_REID_FFMPEG: '/opt/ffmpeg/bin/ffmpeg' }, overrides: { ffmpeg: { hwaccel: 'vaapi', hwaccelDevice: '/dev/dri/renderD128', inputOptions: ['-rtsp_transport', 'udp'] } } });
    assert.deepStrictEqual(sourceOptionsFromConfig(config), {
      ffmpegPath: '/opt/ffmpeg/bin/ffmpeg',
      hwaccel: 'vaapi',
      hwaccelDevice: '/dev/dri/renderD128',
      inputOptions: ['-rtsp_transport', 'udp'],
    });
    assert.throws(() => loadConfig({ env: {}, overrides: { ffmpeg: { inputOptions: '-re' } } }), { code: 'CONFIG_INVALID', message: /ffmpeg.inputOptions: expected an array of strings/ });
    assert.throws(() => loadConfig({ env: {}, overrides: { ffmpeg: { hwacel: 'qsv' } } }), { code: 'CONFIG_INVALID', message: /did you mean "hwaccel"/ });
    // Passed through to ffmpeg before -i: hardware decoding first, the caller's options last (they win).
    const args = decodeArgs(classifySource('rtsp://cam/1'), { ...resolveSourceOptions(sourceOptionsFromConfig(config)), ioTimeoutMs: 5000 });
    const input = args.indexOf('-i');
    assert.deepStrictEqual(args.slice(args.indexOf('-hwaccel'), args.indexOf('-hwaccel') + 4), ['-hwaccel', 'vaapi', '-hwaccel_device', '/dev/dri/renderD128']);
    assert.deepStrictEqual(args.slice(input - 2, input + 2), ['-rtsp_transport', 'udp', '-i', 'rtsp://cam/1']);
    assert.deepStrictEqual(args.slice(-5), ['-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1']);
  });

  it('hides a URL password in the source name', () => {
    assert.strictEqual(openSource('rtsp://admin:secret@10.0.0.2:554/stream1').name, 'rtsp://admin:***@10.0.0.2:554/stream1');
    assert.strictEqual(openSource('/dev/video0').kind, 'device');
  });
});

describe('stream sources (pushed frames)', () => {
  const frame = (i, extra = {}) => ({ data: Buffer.alloc(8 * 6 * 3, i), width: 8, height: 6, channels: 3, order: 'bgr', timestamp: i * 40, ...extra });

  it('hands out pushed frames in order without copying, pulling only when asked', async () => {
    const pulled = [];
    const inputs = [0, 1, 2, 3].map((i) => frame(i));
    async function* producer() {
      for (const f of inputs) {
        pulled.push(f.timestamp);
        yield f;
      }
    }
    const source = openSource(producer());
    const seen = [];
    for await (const f of source) {
      assert.strictEqual(pulled.length, seen.length + 1, 'one frame pulled per frame consumed');
      seen.push(f);
      f.release();
    }
    assert.deepStrictEqual(seen.map((f) => [f.index, f.timestamp]), [[0, 0], [1, 40], [2, 80], [3, 120]]);
    seen.forEach((f, i) => assert.strictEqual(f.data, inputs[i].data, 'shared, not copied'));
    assert.strictEqual(source.stats.state, 'ended');
  });

  it('live: copies into the pool (strided rows packed) and drops the stalest when behind', async () => {
    const strided = { data: Buffer.alloc(10 * 2 * 3), width: 2, height: 2, channels: 3, order: 'rgb', stride: 10, timestamp: 0 };
    strided.data.set([1, 2, 3, 4, 5, 6], 0);
    strided.data.set([7, 8, 9, 10, 11, 12], 10);
    const many = [strided, ...Array.from({ length: 30 }, (_, i) => ({ ...strided, timestamp: i + 1 }))];
    const source = openSource(many, { live: true, poolSize: 2 });
    const got = [];
    for await (const f of source) {
      got.push({ index: f.index, bytes: [...f.data], stride: f.stride, order: f.order });
      await delay(5);
      f.release();
    }
    assert.deepStrictEqual(got[0], { index: 0, bytes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], stride: 6, order: 'rgb' });
    const { framesDecoded, framesDelivered, framesDropped } = source.stats;
    assert.strictEqual(framesDecoded, 31);
    assert.ok(framesDropped > 0);
    assert.strictEqual(framesDelivered + framesDropped, 31);
    assert.strictEqual(got[got.length - 1].index, 30, 'the newest frame is never the one dropped');
  });

  it('a bad pushed frame or a throwing iterable is a typed error event, and the stream ends', async () => {
    const cases = [
      [[frame(0), frame(1, { channels: 2 })], /frame 1\.channels/],
      [[frame(0), frame(1, { timestamp: -5 })], /Expected a finite timestamp >= the previous frame's \(0\) for frame 1\.timestamp but received -5/],
      [[frame(0, { timestamp: undefined })], /Expected a timestamp in milliseconds for frame 0\.timestamp but received undefined/],
      [[frame(0, { data: Buffer.alloc(3) })], /frame 0\.data\.length/],
      [
        (async function* () {
          yield frame(0);
          throw new Error('camera unplugged');
        })(),
        /iterable threw: camera unplugged/,
      ],
    ];
    for (const [input, message] of cases) {
      for (const live of [false, true]) {
        const source = openSource(input[Symbol.asyncIterator] ? input : [...input], { live });
        const errors = [];
        source.on('error', (e) => errors.push(e));
        const got = [];
        for await (const f of source) got.push(f.index);
        assert.strictEqual(errors.length, 1, String(message));
        assert.strictEqual(errors[0].code, 'STREAM_SOURCE_FAILED');
        assert.match(errors[0].message, message);
        assert.strictEqual(source.stats.state, 'failed');
        if (input[Symbol.asyncIterator]) break; // a generator runs once
      }
    }
  });

  it('close() ends the iteration of a producer that never finishes', async () => {
    let returned = false;
    const endless = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next: async () => ({ done: false, value: frame(i++) }),
          return: async () => {
            returned = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const source = openSource(endless, { live: true });
    let n = 0;
    for await (const f of source) {
      f.release();
      if (++n === 3) break;
    }
    assert.strictEqual(source.stats.state, 'closed');
    assert.ok(returned, "the producer's iterator was told to stop");
  });
});
