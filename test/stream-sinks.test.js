'use strict';
// Event sinks against real receivers: a mosquitto broker started here (restarted mid-run), a
// local HTTP server that is down, then failing, then up, and JSON Lines files and stdout.
// Nothing may be lost silently: every event is delivered in order, or counted and announced.
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const http = require('node:http');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const mqtt = require('mqtt');
const { createSink, JsonlSink, WebhookSink, MqttSink } = require('../dist/stream/sinks');
const { Mosquitto } = require('./helpers/mosquitto');
const { freePort } = require('./helpers/ports');
const { childProcesses } = require('./helpers/media');

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const event = (seq, type = 'track.updated', camera = 'door') => ({ type, camera, seq, trackId: `t${seq % 7}`, at: 1000 + seq });

async function until(condition, ms, what) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(20);
  }
}

/** A persistent-session subscriber: it misses nothing across a broker restart (QoS 1, clean: false). */
async function subscriber(url, topic) {
  const received = [];
  const client = await mqtt.connectAsync(url, { clientId: `face-reid-test-sub-${process.pid}`, clean: false, reconnectPeriod: 200 });
  client.on('error', () => undefined);
  client.on('message', (t, payload) => received.push({ topic: t, event: JSON.parse(payload.toString()) }));
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, received };
}

/** Sequence numbers received, duplicates (QoS 1 is at-least-once) removed, order kept. */
function inOrder(received) {
  const seen = new Set();
  return received.map((r) => r.event.seq).filter((seq) => !seen.has(seq) && seen.add(seq));
}

describe('stream sinks: MQTT (real mosquitto)', function () {
  this.timeout(120000);
  let broker;
  // Clients and sinks of a test, closed even when it fails (an open client would hold mocha).
  let open = [];
  const track = (thing, close) => (open.push(close), thing);
  afterEach(async () => {
    await Promise.allSettled(open.map((close) => close()));
    open = [];
  });

  before(async () => {
    broker = await Mosquitto.start();
  });
  after(async () => {
    await broker?.close();
    assert.deepStrictEqual(childProcesses().filter((c) => c.command === 'mosquitto'), []);
  });

  it('publishes every event on face-reid/<camera>/<type> at QoS 1, in order, across a broker restart', async () => {
    const sub = track(await subscriber(broker.url, 'face-reid/#'), () => sub.client.endAsync(true));
    const sink = track(createSink(broker.url, { reconnectMs: 200, backoff: { initialMs: 50, maxMs: 200 } }), () => sink.close());
    assert.ok(sink instanceof MqttSink);
    const dropped = [];
    sink.on('dropped', (d) => dropped.push(d));
    const total = 300;
    for (let i = 0; i < 100; i++) sink.write(event(i, i % 3 ? 'track.updated' : 'track.started', i % 2 ? 'door' : 'hall/2'));
    await sink.flush();
    await broker.stop();
    // The broker is away: these wait in the sink's queue.
    for (let i = 100; i < 200; i++) sink.write(event(i));
    await delay(500);
    assert.ok(sink.stats.queued > 0, 'events wait while the broker is down');
    await broker.restart();
    for (let i = 200; i < total; i++) sink.write(event(i));
    await sink.flush();
    await until(() => inOrder(sub.received).length === total, 20000, 'every event at the subscriber');
    assert.deepStrictEqual(inOrder(sub.received), [...Array(total).keys()]);
    assert.deepStrictEqual(dropped, []);
    assert.strictEqual(sink.stats.delivered, total);
    assert.strictEqual(sink.stats.dropped, 0);
    assert.strictEqual(sink.stats.queued, 0);
    // Topics: prefix, the camera (its '/' made safe), the event type; payload the event itself.
    const first = sub.received.find((r) => r.event.seq === 0);
    assert.strictEqual(first.topic, 'face-reid/hall_2/track.started');
    assert.deepStrictEqual(first.event, event(0, 'track.started', 'hall/2'));
    assert.strictEqual(sub.received.find((r) => r.event.seq === 150).topic, 'face-reid/door/track.updated');
    await sink.close();
    await sub.client.endAsync();
  });

  it('bounds the queue while the broker is down: overflow is counted and announced, the rest delivered in order', async () => {
    const sub = track(await subscriber(broker.url, 'face-reid/#'), () => sub.client.endAsync(true));
    const sink = track(new MqttSink({ url: broker.url, maxQueue: 10, reconnectMs: 200, backoff: { initialMs: 50, maxMs: 200 } }), () => sink.close());
    const dropped = [];
    sink.on('dropped', (d) => dropped.push(d.event.seq));
    sink.write(event(0));
    await sink.flush();
    await broker.stop();
    for (let i = 1; i <= 30; i++) sink.write(event(i));
    assert.strictEqual(sink.stats.queued, 10);
    await broker.restart();
    await sink.flush();
    // Event 1 was in flight (held by the client, resent on reconnect) and counts among the ten
    // queued; of the waiting ones the stalest went.
    assert.deepStrictEqual(dropped, [...Array(20).keys()].map((i) => i + 2));
    assert.strictEqual(sink.stats.dropped, 20);
    const kept = [0, ...[...Array(31).keys()].slice(1).filter((seq) => !dropped.includes(seq))];
    await until(() => inOrder(sub.received).length >= kept.length, 20000, 'the kept events');
    assert.deepStrictEqual(inOrder(sub.received), kept);
    assert.deepStrictEqual(kept.slice(-9), [22, 23, 24, 25, 26, 27, 28, 29, 30], 'the newest are kept');
    await sink.close();
    await sub.client.endAsync();
  });

  it('close() with the broker away gives up after its timeout and counts what was not delivered', async () => {
    await broker.stop();
    const sink = track(new MqttSink({ url: broker.url, reconnectMs: 100, closeTimeoutMs: 300 }), () => sink.close());
    for (let i = 0; i < 5; i++) sink.write(event(i));
    const started = Date.now();
    await sink.close();
    assert.ok(Date.now() - started < 3000);
    assert.strictEqual(sink.stats.dropped, 5);
    assert.strictEqual(sink.stats.delivered, 0);
    sink.write(event(5));
    assert.strictEqual(sink.stats.dropped, 6, 'an event written after close() is counted too');
    await broker.restart();
  });
});

describe('stream sinks: webhook (local HTTP server)', function () {
  this.timeout(60000);

  /** An HTTP server on `port` that records bodies; `respond(n)` picks the status of request n. */
  function receiver(port, respond = () => 200) {
    const bodies = [];
    let requests = 0;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const status = respond(requests++, JSON.parse(body));
        if (status === 200) bodies.push({ headers: req.headers, event: JSON.parse(body) });
        res.writeHead(status).end();
      });
    });
    return {
      bodies,
      listen: () => new Promise((resolve) => server.listen(port, '127.0.0.1', resolve)),
      close: () => new Promise((resolve) => server.close(resolve)),
      get requests() {
        return requests;
      },
    };
  }

  it('delivers in order once a receiver that was down comes up, retrying 5xx with backoff', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hook`;
    const sink = createSink(url, { headers: { authorization: 'Bearer abc' }, backoff: { initialMs: 20, maxMs: 100 } });
    assert.ok(sink instanceof WebhookSink);
    const retries = [];
    sink.on('retrying', (r) => retries.push(r));
    for (let i = 0; i < 20; i++) sink.write(event(i));
    await delay(400);
    assert.strictEqual(sink.stats.delivered, 0);
    assert.ok(retries.length >= 2 && /ECONNREFUSED/.test(retries[0].error.message), retries[0]?.error.message);
    // Up, but failing its first three requests.
    const server = receiver(port, (n) => (n < 3 ? 503 : 200));
    await server.listen();
    for (let i = 20; i < 40; i++) sink.write(event(i));
    await sink.flush();
    assert.deepStrictEqual(server.bodies.map((b) => b.event.seq), [...Array(40).keys()]);
    assert.strictEqual(server.bodies[0].headers.authorization, 'Bearer abc');
    assert.strictEqual(server.bodies[0].headers['content-type'], 'application/json');
    assert.strictEqual(sink.stats.delivered, 40);
    assert.strictEqual(sink.stats.dropped, 0);
    assert.ok(sink.stats.retries >= retries.length);
    await sink.close();
    await server.close();
  });

  it('drops an event the receiver refuses (4xx), counted and announced, and goes on', async () => {
    const port = await freePort();
    const server = receiver(port, (n, body) => (body.seq === 2 ? 422 : 200));
    await server.listen();
    const sink = new WebhookSink({ url: `http://127.0.0.1:${port}/`, backoff: { initialMs: 10 } });
    const dropped = [];
    sink.on('dropped', (d) => dropped.push(d));
    for (let i = 0; i < 5; i++) sink.write(event(i));
    await sink.flush();
    assert.deepStrictEqual(server.bodies.map((b) => b.event.seq), [0, 1, 3, 4]);
    assert.strictEqual(dropped.length, 1);
    assert.strictEqual(dropped[0].event.seq, 2);
    assert.match(dropped[0].reason, /refused: .*HTTP 422/);
    assert.deepStrictEqual([sink.stats.delivered, sink.stats.dropped], [4, 1]);
    await sink.close();
    await server.close();
  });

  it('bounds its queue and times out a receiver that never answers', async () => {
    const port = await freePort();
    // Accepts connections and never responds.
    const silent = http.createServer(() => undefined);
    await new Promise((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const sink = new WebhookSink({ url: `http://127.0.0.1:${port}/`, timeoutMs: 200, maxQueue: 3, backoff: { initialMs: 20, maxMs: 50 }, closeTimeoutMs: 500 });
    const retries = [];
    sink.on('retrying', (r) => retries.push(r.error.message));
    for (let i = 0; i < 6; i++) sink.write(event(i));
    assert.strictEqual(sink.stats.dropped, 3);
    await until(() => retries.length >= 1, 5000, 'a timed-out request');
    assert.match(retries[0], /aborted|timeout/i);
    await sink.close();
    assert.strictEqual(sink.stats.dropped, 6, 'the three still queued at close() are counted');
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });
});

describe('stream sinks: JSON Lines', () => {
  it('appends one JSON object per line to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'face-reid-jsonl-'));
    try {
      const file = join(dir, 'events.jsonl');
      const sink = createSink(file);
      assert.ok(sink instanceof JsonlSink);
      for (let i = 0; i < 50; i++) sink.write(event(i));
      await sink.close();
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      assert.deepStrictEqual(lines.map((l) => JSON.parse(l)), [...Array(50).keys()].map((i) => event(i)));
      assert.deepStrictEqual([sink.stats.written, sink.stats.delivered, sink.stats.dropped], [50, 50, 0]);
      // Appends, never truncates.
      const again = createSink(`jsonl:${file}`);
      again.write(event(50));
      await again.close();
      assert.strictEqual(readFileSync(file, 'utf8').trimEnd().split('\n').length, 51);
      // A folder that does not exist: the failure is recorded, the events counted as dropped.
      const broken = createSink(join(dir, 'no', 'such', 'dir.jsonl'));
      await delay(50);
      broken.write(event(0));
      await broken.close();
      assert.match(broken.stats.lastError.message, /ENOENT/);
      assert.strictEqual(broken.stats.dropped, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes to stdout with "-"', () => {
    const script = `const { createSink } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'stream', 'sinks'))});
      const sink = createSink('-'); for (let i = 0; i < 3; i++) sink.write({ type: 'track.started', camera: 'c', seq: i }); sink.close();`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.strictEqual(result.status, 0, result.stderr);
    assert.deepStrictEqual(result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).seq), [0, 1, 2]);
  });

  it('rejects what is not an event, and unknown sink specifications', () => {
    const sink = new JsonlSink({ path: '-' });
    assert.throws(() => sink.write(null), { name: 'TypeError', message: 'Expected an event object with type and camera for event but received null' });
    assert.throws(() => sink.write({ type: 'track.started' }), { name: 'TypeError', message: 'Expected a non-empty string for event.camera but received undefined' });
    assert.throws(() => createSink('ftp://x'), { name: 'TypeError', message: /Expected a sink: .* for sink but received "ftp:\/\/x"/ });
    assert.throws(() => new WebhookSink({ url: 'not a url' }), { name: 'TypeError', message: /http:\/\/ or https:\/\/ URL for options.url/ });
  });
});

describe('stream outputs: annotated video and face snapshots', function () {
  this.timeout(120000);
  const { VideoWriter } = require('../dist/stream/video-writer');
  const { faceSnapshot } = require('../dist/stream/snapshot');
  const { openSource } = require('../dist/stream/source');
  const { makeTestClip, runFfmpeg } = require('./helpers/media');
  const sharp = require('sharp');
  const { createHash } = require('node:crypto');
  let dir;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'face-reid-outputs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const pixelFormat of ['i420', 'bgr']) it(`writes every ${pixelFormat} frame with its boxes and captions drawn, leaving the source frames untouched`, async () => {
    const clip = makeTestClip(join(dir, 'in.mp4'), { width: 320, height: 240, fps: 25, seconds: 1 });
    const out = join(dir, `annotated-${pixelFormat}.mp4`);
    const writer = VideoWriter.open(out, { width: 320, height: 240, fps: 25, order: pixelFormat });
    const box = { x: 100, y: 80, width: 90, height: 100 };
    let unchanged = 0;
    for await (const frame of openSource(clip, { pixelFormat })) {
      const before = createHash('sha1').update(frame.data).digest('hex');
      await writer.write(frame, [
        { box, caption: `visitor-3 ${frame.index}`, color: '#ff9100' },
        { box: { x: 10, y: 150, width: 40, height: 40 }, caption: 'Kate_Hudson 0.81' },
      ]);
      if (createHash('sha1').update(frame.data).digest('hex') === before) unchanged++;
      frame.release();
    }
    await writer.close();
    assert.strictEqual(writer.framesWritten, 25);
    assert.strictEqual(unchanged, 25);
    const raw = runFfmpeg(['-i', out, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1']);
    const plain = runFfmpeg(['-i', clip, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1']);
    assert.strictEqual(raw.length, 25 * 320 * 240 * 3);
    const at = (buffer, f, x, y) => [...buffer.subarray(((f * 240 + y) * 320 + x) * 3, ((f * 240 + y) * 320 + x) * 3 + 3)];
    const distance = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    for (const f of [0, 12, 24]) {
      // Inside the caption bands (solid colour, large enough to survive 4:2:0 chroma): the colours asked for.
      assert.ok(distance(at(raw, f, 104, 80 - 16), [255, 145, 0]) < 40, `frame ${f} orange caption band: ${at(raw, f, 104, 64)}`);
      assert.ok(distance(at(raw, f, 14, 150 - 16), [0, 200, 83]) < 40, `frame ${f} green caption band: ${at(raw, f, 14, 134)}`);
      // The box outline changes the picture along its edge and nowhere far from the drawing.
      assert.ok(distance(at(raw, f, 100, 130), at(plain, f, 100, 130)) > 60, `frame ${f}: the box's left edge is drawn`);
      assert.ok(distance(at(raw, f, 145, 130), at(plain, f, 145, 130)) < 30, `frame ${f}: inside the box is the picture`);
      assert.ok(distance(at(raw, f, 280, 40), at(plain, f, 280, 40)) < 30, `frame ${f}: away from the drawing, the picture`);
    }
  });

  it('reports a missing ffmpeg as SINK_FAILED naming the install script', async () => {
    const writer = VideoWriter.open(join(dir, 'never.mp4'), { width: 64, height: 64, order: 'bgr', ffmpegPath: join(dir, 'no-ffmpeg') });
    const frame = { data: Buffer.alloc(64 * 64 * 3), width: 64, height: 64, channels: 3, order: 'bgr' };
    await delay(100);
    await assert.rejects(writer.write(frame), { code: 'SINK_FAILED', message: /ffmpeg was not found: install it \(scripts\/install-media\.sh\)/ });
    await assert.rejects(writer.close(), { code: 'SINK_FAILED' });
    assert.throws(() => writer.write({ ...frame, width: 32 }), { name: 'RangeError' });
    assert.throws(() => VideoWriter.open(join(dir, 'x.mp4'), { width: 63, height: 64 }), { name: 'RangeError', message: /even frame sides/ });
  });

  it('cuts a face snapshot JPEG from a BGR frame: the box plus a margin, in true colours', async () => {
    const width = 200;
    const height = 100;
    const data = Buffer.alloc(width * height * 3, 255);
    // A pure blue square (B, G, R = 255, 0, 0) at 50..90 x 30..70.
    for (let y = 30; y < 70; y++) for (let x = 50; x < 90; x++) data.set([255, 0, 0], (y * width + x) * 3);
    const jpeg = await faceSnapshot({ data, width, height, channels: 3, order: 'bgr' }, { x: 50, y: 30, width: 40, height: 40 }, { margin: 0.25 });
    const { data: rgb, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    assert.deepStrictEqual([info.width, info.height, info.format], [60, 60, 'raw']);
    const centre = [...rgb.subarray((30 * 60 + 30) * 3, (30 * 60 + 30) * 3 + 3)];
    assert.ok(centre[2] > 200 && centre[0] < 50 && centre[1] < 50, `blue stays blue: ${centre}`);
    const corner = [...rgb.subarray(0, 3)];
    assert.ok(corner.every((v) => v > 200), `the margin shows the white around: ${corner}`);
    // Clipped at the frame's edge, scaled to maxSide.
    const edge = await sharp(await faceSnapshot({ data, width, height, channels: 3, order: 'bgr' }, { x: 170, y: 60, width: 40, height: 60 }, { maxSide: 20 })).metadata();
    assert.ok(edge.width <= 20 && edge.height <= 20);
    await assert.rejects(faceSnapshot({ data, width, height, channels: 3, order: 'bgr' }, { x: 500, y: 0, width: 10, height: 10 }), { name: 'RangeError' });
  });

  it('cuts the same snapshot from an I420 frame (ffmpeg converts the BGR frame): the colours agree', async () => {
    const width = 200;
    const height = 100;
    const bgr = Buffer.alloc(width * height * 3, 255);
    for (let y = 30; y < 70; y++) for (let x = 50; x < 90; x++) bgr.set([255, 0, 0], (y * width + x) * 3);
    for (let y = 30; y < 70; y++) for (let x = 120; x < 160; x++) bgr.set([40, 160, 220], (y * width + x) * 3);
    const i420 = runFfmpeg(['-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', `${width}x${height}`, '-i', 'pipe:0', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'], { input: bgr });
    assert.strictEqual(i420.length, width * height * 1.5);
    const frame = { data: i420, width, height, channels: 1, order: 'i420' };
    for (const box of [{ x: 50, y: 30, width: 40, height: 40 }, { x: 120, y: 30, width: 40, height: 40 }]) {
      const planar = await sharp(await faceSnapshot(frame, box, { quality: 100 })).raw().toBuffer();
      const interleaved = await sharp(await faceSnapshot({ data: bgr, width, height, channels: 3, order: 'bgr' }, box, { quality: 100 })).raw().toBuffer();
      const centre = (30 * 60 + 30) * 3;
      const a = [...planar.subarray(centre, centre + 3)];
      const b = [...interleaved.subarray(centre, centre + 3)];
      assert.ok(a.every((v, i) => Math.abs(v - b[i]) <= 6), `the centre of box ${box.x}: I420 ${a}, BGR ${b}`);
    }
    await assert.rejects(faceSnapshot({ ...frame, data: i420.subarray(0, width * height) }, { x: 0, y: 0, width: 10, height: 10 }), { name: 'RangeError', message: /i420/ });
  });
});
