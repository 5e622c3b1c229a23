'use strict';
// FaceStream end to end with real components: the short generated test video (make-video.js),
// real models, a real mosquitto broker restarted in the middle of the video, a live source served
// by ffmpeg over a loopback port and killed mid-stream, and the ffmpeg settings of the configuration.
const assert = require('node:assert/strict');
const { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } = require('node:fs');
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const mqtt = require('mqtt');
const { FacePipeline, FaceStream, Gallery, EVENT_SCHEMAS } = require('../dist');
const { MqttSink } = require('../dist/stream/sinks');
const { makeVideo, SHORT_VIDEO } = require('./helpers/make-video');
const { validate } = require('./helpers/json-schema');
const { Mosquitto } = require('./helpers/mosquitto');
const { FfmpegServer } = require('./helpers/ffmpeg-server');
const { ffmpegPath, mosquittoPath } = require('./helpers/media');
const { modelsDir, dataDir } = require('./helpers/env');
const { enrol } = require('../bench/stream-accuracy');

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition, ms, what) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(20);
  }
}

/** An event's identity: no two events of a stream share it. */
const keyOf = (e) => `${e.camera}/${e.track}/${e.type}/${e.frame}`;

/** Every ffmpeg process on the machine whose command line names `needle` (orphans included: they are not our children). */
function ffmpegProcessesNaming(needle) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (/ffmpeg$/.test(argv[0]) && argv.some((a) => a.includes(needle))) found.push({ pid: Number(entry), argv });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

describe('FaceStream end to end', function () {
  this.timeout(600_000);
  let work;
  let pipeline;
  let gallery;
  let video;
  /** The events of one run over the video (the MQTT test's), for the tests that need known ids. */
  let videoEvents;

  async function eventsOfVideo() {
    if (videoEvents) return videoEvents;
    const stream = new FaceStream(pipeline, { gallery, sightings: false });
    const events = [];
    stream.on('event', (e) => events.push(e));
    stream.addSource('door', video);
    await stream.done();
    await stream.close();
    return (videoEvents = events);
  }

  before(async function () {
    ffmpegPath();
    mosquittoPath();
    dataDir();
    work = mkdtempSync(join(tmpdir(), 'face-stream-e2e-'));
    const made = await makeVideo(SHORT_VIDEO);
    video = made.video;
    pipeline = await FacePipeline.create({ modelDir: modelsDir() });
    gallery = await Gallery.open(join(work, 'gallery.sqlite'));
    await enrol(pipeline, gallery, made.enrolment);
  });
  after(async function () {
    await gallery?.close();
    await pipeline?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('opens sources with the configuration\'s ffmpeg settings, the stream\'s source options over them', async function () {
    const configured = await FacePipeline.create({ modelDir: modelsDir(), ffmpeg: { path: join(work, 'no-ffmpeg-here') } });
    try {
      const stream = new FaceStream(configured);
      const errors = [];
      stream.on('error', (e) => errors.push(e.error));
      stream.addSource('cam', video);
      await stream.done();
      await stream.close();
      assert.ok(errors.length >= 1, 'the configured ffmpeg path is used');
      assert.match(errors[0].message, /no-ffmpeg-here/);

      // An option given to the stream wins; one left undefined (a CLI flag not given) does not erase the configured one.
      const overridden = new FaceStream(configured, { source: { ffmpegPath: ffmpegPath(), realtime: undefined } });
      let frames = 0;
      overridden.on('frame', () => frames++ >= 5 && overridden.close());
      overridden.addSource('cam', video);
      await overridden.done();
      await overridden.close();
      assert.ok(frames >= 5, `frames decoded with the stream's ffmpeg: ${overridden.errors.map((e) => e.error.message)}`);
      const unset = new FaceStream(configured, { source: { ffmpegPath: undefined } });
      const unsetErrors = [];
      unset.on('error', (e) => unsetErrors.push(e.error));
      unset.addSource('cam', video);
      await unset.done();
      await unset.close();
      assert.match(unsetErrors[0]?.message ?? '', /no-ffmpeg-here/);
    } finally {
      await configured.close();
    }
  });

  it('MQTT: a subscriber receives every event of the video, each matching its schema, across a broker restart mid-video', async function () {
    const broker = await Mosquitto.start();
    let sub;
    let sink;
    try {
      // A persistent session at QoS 1: the subscriber misses nothing while the broker restarts.
      const received = [];
      sub = await mqtt.connectAsync(broker.url, { clientId: `face-reid-e2e-${process.pid}`, clean: false, reconnectPeriod: 200 });
      sub.on('error', () => undefined);
      sub.on('message', (topic, payload) => received.push({ topic, event: JSON.parse(payload.toString()) }));
      await sub.subscribeAsync('face-reid/#', { qos: 1 });

      sink = new MqttSink({ url: broker.url, reconnectMs: 200, backoff: { initialMs: 50, maxMs: 300 } });
      const dropped = [];
      sink.on('dropped', (d) => dropped.push(d));
      const stream = new FaceStream(pipeline, { gallery, sightings: false });
      const sent = [];
      let restart;
      stream.on('event', (e) => {
        sent.push(e);
        sink.write(e);
        // Take the broker away after the first events, bring it back a second later, mid-video.
        if (sent.length === 5) restart = broker.stop().then(() => delay(1000)).then(() => broker.restart());
      });
      stream.addSource('door', video);
      const queuedWhileDown = [];
      const probe = setInterval(() => broker.child || queuedWhileDown.push(sink.stats.queued), 50);
      await stream.done();
      clearInterval(probe);
      await stream.close();
      await restart;
      await sink.flush();

      assert.ok(sent.length >= 20, `the video makes events (${sent.length})`);
      assert.ok(sent.findIndex((e) => e.type === 'track.ended') > 5, 'the broker went down in the middle of the video');
      assert.ok(Math.max(0, ...queuedWhileDown) > 0, 'events waited in the queue while the broker was down');
      // At least once: duplicates allowed, every event present, in the order sent.
      await until(() => new Set(received.map((r) => keyOf(r.event))).size >= sent.length, 30000, 'every event at the subscriber');
      const seen = new Set();
      const firsts = received.filter((r) => !seen.has(keyOf(r.event)) && seen.add(keyOf(r.event)));
      assert.deepEqual(
        firsts.map((r) => keyOf(r.event)),
        sent.map(keyOf),
      );
      for (const { topic, event } of firsts) {
        assert.deepEqual(validate(EVENT_SCHEMAS[event.type], event), [], `${event.type} ${JSON.stringify(event)}`);
        assert.equal(topic, `face-reid/door/${event.type}`);
      }
      assert.deepEqual(
        firsts.map((r) => r.event),
        JSON.parse(JSON.stringify(sent)),
      );
      videoEvents = sent;
      assert.deepEqual(dropped, []);
      assert.equal(sink.stats.dropped, 0);
      assert.equal(sink.stats.delivered, sent.length);
    } finally {
      await sink?.close();
      await sub?.endAsync(true);
      await broker.close();
    }
  });

  it('a live source served by ffmpeg, killed mid-stream and restarted: the stream resumes by itself, events go on, close() leaves no ffmpeg', async function () {
    const server = await FfmpegServer.start(video);
    const stream = new FaceStream(pipeline, {
      gallery,
      sightings: false,
      // A short probe (the served stream starts at once) and quick retries while the server is down.
      source: { inputOptions: ['-analyzeduration', '1000000'], reconnect: { initialMs: 100, maxMs: 400 }, stallTimeoutMs: 2000 },
    });
    const events = [];
    const errors = [];
    let frames = 0;
    stream.on('event', (e) => events.push({ ...e, wall: Date.now() }));
    stream.on('frame', () => frames++);
    stream.on('error', (e) => errors.push(e.error));
    try {
      stream.addSource('live', server.url);
      await until(() => events.some((e) => e.type === 'track.started') && frames >= 60, 120000, 'tracks on the live stream');
      assert.ok(ffmpegProcessesNaming(server.url).length >= 2, 'the server and the decoder run');
      await server.kill();
      await delay(1500);
      const framesWhileDown = frames;
      const restartedAt = Date.now();
      await server.restart();
      await until(() => events.some((e) => e.type === 'track.started' && e.wall > restartedAt) && frames > framesWhileDown + 30, 120000, 'new tracks after the restart');
      const source = stream.stats.cameras.live.source;
      assert.ok(source.restarts >= 1, `the source was reopened (${source.restarts})`);
      assert.notEqual(source.state, 'failed');
      assert.ok(errors.every((e) => e.code === 'STREAM_SOURCE_FAILED' || e.code === 'STREAM_DECODER_FAILED'), errors.map((e) => e.message).join('; '));
    } finally {
      await stream.close();
      await server.close();
    }
    // Track ids go on counting across the reconnect: one camera, one stream of ids.
    const started = events.filter((e) => e.type === 'track.started').map((e) => e.track);
    assert.equal(new Set(started).size, started.length);
    assert.equal(events.filter((e) => e.type === 'track.ended').length, started.length, 'every track ends by close()');
    for (let i = 0; i < 40 && ffmpegProcessesNaming(server.url).length > 0; i++) await delay(50);
    assert.deepEqual(ffmpegProcessesNaming(server.url), [], 'no ffmpeg left, orphans included');
  });

  it('an event iterator nobody reads holds at most maxQueuedEvents; the overflow is counted', async function () {
    assert.throws(() => new FaceStream(pipeline, { maxQueuedEvents: 0 }), { name: 'RangeError', message: 'Expected an integer >= 1 for maxQueuedEvents but received 0' });
    const stream = new FaceStream(pipeline, { gallery, sightings: false, maxQueuedEvents: 3 });
    const unread = stream.events();
    const heard = [];
    stream.on('event', (e) => heard.push(e));
    stream.addSource('door', video);
    await until(() => heard.length >= 12, 120000, 'events');
    assert.equal(stream.stats.iterators.open, 1);
    await stream.close();
    assert.equal(stream.stats.iterators.dropped, heard.length - 3);
    const left = [];
    for await (const e of unread) left.push(e);
    assert.deepEqual(left, heard.slice(-3), 'the newest events wait, the oldest were dropped');
    assert.equal(stream.stats.iterators.open, 0);
  });

  it('face-reid watch --promote visitor-N=LABEL enrols a stranger from the stream; their later visit is named', async function () {
    const events = await eventsOfVideo();
    const returning = events.find((e) => e.type === 'track.identified' && e.kind === 'visitor' && e.returning);
    assert.ok(returning, 'the video has a returning stranger');
    const visitor = returning.label;
    // The CLI works on a copy of the gallery: this one stays as it is for the other tests.
    const copy = join(work, 'promote.sqlite');
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(join(work, `gallery.sqlite${suffix}`))) copyFileSync(join(work, `gallery.sqlite${suffix}`), copy + suffix);
    const out = join(work, 'promote-events.jsonl');
    const cli = join(__dirname, '..', 'dist', 'cli', 'main.js');
    const run = (args) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [cli, 'watch', ...args, '--model-dir', modelsDir()], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const { code, stderr } = await run([`door=${video}`, '--gallery', copy, '--out', out, '--promote', `${visitor}=Promoted_Visitor`]);
    assert.equal(code, 0, stderr);
    const m = new RegExp(`promoted ${visitor} to Promoted_Visitor \\((\\d+) views from (door/t\\d+(, )?)+\\)`).exec(stderr);
    assert.ok(m, stderr);
    const written = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const promotedAt = written.find((e) => e.type === 'track.ended' && e.label === visitor);
    assert.ok(promotedAt, `the first visit of ${visitor} ended`);
    assert.ok(
      written.some((e) => e.type === 'track.identified' && e.kind === 'gallery' && e.label === 'Promoted_Visitor' && e.frame > promotedAt.frame),
      'the later visit is named by the gallery',
    );
    const promoted = await Gallery.open(copy);
    try {
      assert.equal((await promoted.samples('Promoted_Visitor')).length, Number(m[1]));
    } finally {
      await promoted.close();
    }

    // Bad requests: a typed error, an id never seen, no gallery.
    const never = await run([`door=${video}`, '--gallery', copy, '--promote', 'visitor-999=Nobody', '--out', join(work, 'never.jsonl')]);
    assert.equal(never.code, 1);
    assert.match(never.stderr, /could not promote visitor-999 to Nobody: no track ended with that id/);
    const noGallery = await run([`door=${video}`, '--promote', 'visitor-1=X']);
    assert.notEqual(noGallery.code, 0);
    assert.match(noGallery.stderr, /--gallery with --promote/);
    const malformed = await run([`door=${video}`, '--gallery', copy, '--promote', 'visitor-1']);
    assert.notEqual(malformed.code, 0);
    assert.match(malformed.stderr, /Expected ID=LABEL .* for --promote but received "visitor-1"/);
  });
});
