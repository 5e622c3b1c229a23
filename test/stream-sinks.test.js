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
