'use strict';
// The service's camera streams on the real pipeline: a stream of pushed frames (an enrolled
// person's picture moving over a canvas) started over the API, its live tracks, its events over
// Server-Sent Events, its metrics, the errors of the stream routes, and close() ending the SSE
// responses and the streams it started.
const assert = require('node:assert/strict');
const { mkdirSync, readdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { FacePipeline, Gallery } = require('../dist');
const { createServer, serviceConfig, createApiKey, loadServiceConfig } = require('../dist/service');
const { modelsDir, dataDir, outputDir } = require('./helpers/env');
const { movingFaceFrames } = require('./helpers/moving-face');

const WIDTH = 640;
const HEIGHT = 480;

/** Reads Server-Sent Events from a fetch response: resolves each `next(type)` with the first event of that type. */
function sseReader(response) {
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  const events = [];
  let buffer = '';
  let waiting = [];
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const type = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (type && data) events.push({ type, data: JSON.parse(data) });
      }
      for (const w of waiting) w();
      waiting = [];
    }
  })();
  return {
    events,
    ended: pump,
    async next(type, timeoutMs = 120000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((e) => e.type === type);
        if (found) return found.data;
        if (Date.now() > deadline) throw new Error(`no ${type} event within ${timeoutMs} ms; got ${events.map((e) => e.type).join(', ')}`);
        await Promise.race([new Promise((r) => waiting.push(r)), new Promise((r) => setTimeout(r, 200))]);
      }
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

describe('face-reid service: camera streams and Server-Sent Events', function () {
  this.timeout(600000);
  let pipeline;
  let gallery;
  let app;
  let base;
  const keys = {};
  let person;
  let gate;
  let release;
  let framesPushed = 0;

  /** The person's face moving right over a gray canvas, 25 frames a second; pauses after 30 frames until released. */
  async function* frames(picture) {
    let i = 0;
    for await (const frame of movingFaceFrames(picture, { count: 60, width: WIDTH, height: HEIGHT })) {
      if (i === 30) await gate;
      framesPushed++;
      yield { ...frame, timestamp: i++ * 40 };
    }
  }

  before(async function () {
    const dir = join(outputDir('service'), 'streams');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const lfw = join(dataDir(), 'lfw', 'deepfunneled250');
    const name = readdirSync(lfw).find((n) => readdirSync(join(lfw, n)).length >= 4);
    const pictures = readdirSync(join(lfw, name)).sort().map((f) => join(lfw, name, f));
    person = { name, pictures };
    pipeline = await FacePipeline.create({ modelDir: modelsDir() });
    gallery = await Gallery.open(join(dir, 'gallery.sqlite'), { model: pipeline.embeddingModel });
    for (const picture of pictures.slice(0, 2)) {
      const faces = await pipeline.analyze(picture);
      await gallery.add(name, faces[0].embedding, { source: picture }, { model: pipeline.embeddingModel });
    }
    for (const scope of ['recognize', 'manage']) {
      const { key, record } = await createApiKey({ name: scope, scope });
      await gallery.keys.create(record);
      keys[scope] = key;
    }
    gate = new Promise((r) => (release = r));
    app = await createServer({
      pipeline,
      gallery,
      config: serviceConfig({ logLevel: 'silent' }),
      logger: false,
      streams: { door: { source: frames(pictures[2]) } },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${app.server.address().port}`;
  });

  after(async function () {
    release?.();
    await app?.close();
    await gallery?.close();
    await pipeline?.close();
  });

  const get = async (path, scope = 'recognize') => {
    const res = await fetch(base + path, { headers: { 'x-api-key': keys[scope] } });
    return { status: res.status, body: await res.json() };
  };
  const post = async (path, scope = 'manage') => {
    const res = await fetch(base + path, { method: 'POST', headers: { 'x-api-key': keys[scope] } });
    return { status: res.status, body: await res.json() };
  };

  it('starts a stream over the API, lists its live tracks, sends its events over SSE, counts its frames in /metrics', async function () {
    assert.deepEqual((await get('/v1/streams')).body.streams.map((s) => [s.name, s.state]), [['door', 'stopped']]);
    const sse = await fetch(`${base}/v1/events?camera=door`, { headers: { 'x-api-key': keys.recognize } });
    assert.equal(sse.status, 200);
    assert.match(sse.headers.get('content-type'), /text\/event-stream/);
    const events = sseReader(sse);

    const started = await post('/v1/streams/door/start');
    assert.equal(started.status, 200);
    assert.equal(started.body.state, 'running');
    const identified = await events.next('track.identified');
    assert.equal(identified.camera, 'door');
    assert.equal(identified.kind, 'gallery');
    assert.equal(identified.label, person.name);
    assert.ok(identified.similarity >= 0.45);
    const first = await events.next('track.started');
    assert.equal(first.track, identified.track);

    // The source waits at frame 30: the track is live now.
    while (framesPushed < 30) await new Promise((r) => setTimeout(r, 50));
    const tracks = (await get('/v1/streams/door/tracks')).body.tracks;
    assert.equal(tracks.length, 1);
    assert.deepEqual({ track: tracks[0].track, label: tracks[0].label, kind: tracks[0].kind }, { track: identified.track, label: person.name, kind: 'gallery' });
    const info = (await get('/v1/streams')).body.streams[0];
    assert.equal(info.state, 'running');
    assert.ok(info.frames >= 1);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /face_reid_stream_frames\{camera="door"\} [1-9]/);
    assert.match(metrics, /face_reid_stream_dropped_frames\{camera="door"\} 0/);

    release();
    const ended = await events.next('track.ended');
    assert.equal(ended.track, identified.track);
    assert.equal(ended.label, person.name);
    assert.ok(ended.hits >= 30);
    for (let i = 0; i < 100 && (await get('/v1/streams')).body.streams[0].state === 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    const done = (await get('/v1/streams')).body.streams[0];
    assert.equal(done.state, 'ended');
    assert.equal(done.frames, 60);
    assert.deepEqual((await get('/v1/streams/door/tracks')).body.tracks, []);
    const sightings = (await get(`/v1/sightings?source=door`, 'manage')).body.sightings;
    assert.ok(sightings.some((s) => s.label === person.name), 'the stream wrote its sightings');
    await events.cancel();
  });

  it('errors: unknown stream 404, start with a recognize key 403, events without a key 401', async function () {
    const unknown = await post('/v1/streams/garage/start');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.field, 'name');
    assert.equal((await get('/v1/streams/garage/tracks')).status, 404);
    assert.equal((await get('/v1/events?camera=garage')).status, 404);
    const forbidden = await post('/v1/streams/door/start', 'recognize');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.code, 'FORBIDDEN');
    const anonymous = await fetch(`${base}/v1/events`);
    assert.equal(anonymous.status, 401);
  });

  it('close() ends the open SSE responses and the running streams, and resolves', async function () {
    const frames = async function* () {
      for (let i = 0; ; i++) {
        await new Promise((r) => setTimeout(r, 40));
        yield { data: Buffer.alloc(320 * 240 * 3, 90), width: 320, height: 240, channels: 3, order: 'rgb', stride: 960, timestamp: i * 40 };
      }
    };
    const other = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent', startStreams: true }), logger: false, streams: { loop: { source: frames() } } });
    await other.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${other.server.address().port}`;
    const sse = await fetch(`${url}/v1/events`, { headers: { 'x-api-key': keys.recognize } });
    const reader = sseReader(sse);
    const streams = await (await fetch(`${url}/v1/streams`, { headers: { 'x-api-key': keys.recognize } })).json();
    assert.equal(streams.streams[0].state, 'running', 'startStreams starts the configured streams');
    const t0 = Date.now();
    await other.close();
    assert.ok(Date.now() - t0 < 10000, `close took ${Date.now() - t0} ms`);
    await reader.ended; // the SSE body ended
    assert.equal(other.streams.info('loop').state, 'stopped');
  });

  it('configuration: streams name their source and detectEvery; bad entries are CONFIG_INVALID naming the key', function () {
    const config = loadServiceConfig({ flags: { gallery: 'g.sqlite' }, env: {} });
    assert.deepEqual(config.streams, {});
    assert.deepEqual(serviceConfig({ streams: { door: 'rtsp://cam/1', hall: { source: '/dev/video0', detectEvery: 2 } } }).streams, {
      door: { source: 'rtsp://cam/1' },
      hall: { source: '/dev/video0', detectEvery: 2 },
    });
    assert.throws(() => serviceConfig({ streams: { 'a/b': 'x' } }), (e) => e.code === 'CONFIG_INVALID' && /streams\.a\/b/.test(e.message));
    assert.throws(() => serviceConfig({ streams: { door: { source: 'x', every: 2 } } }), (e) => e.code === 'CONFIG_INVALID' && /streams\.door\.every/.test(e.message));
  });
});
