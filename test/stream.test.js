'use strict';
// FaceStream on a generated video with ground truth (test/helpers/make-video.js, the short
// preset: 8 s 1920x1080 H.264, 6 people, two strangers, two coming back), real ffmpeg, real models,
// a real gallery enrolled from pictures that are not in the video. Asserts the accuracy floors
// against the truth and against per-frame identification (the Open Model Zoo way) on the same
// video, the re-identification savings, events matching their schemas, sightings, enrolment from
// the stream, two cameras sharing one pipeline, and close() ending everything.
const assert = require('node:assert/strict');
const { mkdtempSync, rmSync, readFileSync, existsSync } = require('node:fs');
const { spawn, spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { FacePipeline, FaceStream, Gallery, EVENT_SCHEMAS, FRAME_RECORD_SCHEMA } = require('../dist');
const { openSource } = require('../dist/stream/source');
const { makeVideo, SHORT_VIDEO } = require('./helpers/make-video');
const { scoreAppearances } = require('./helpers/stream-score');
const { validate } = require('./helpers/json-schema');
const { childProcesses, ffmpegPath } = require('./helpers/media');
const { modelsDir, dataDir } = require('./helpers/env');
const { enrol, runTracked, runPerFrame } = require('../bench/stream-accuracy');

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The video's frames decoded by us and pushed as plain raw frames (copies), as a user who decodes would. */
async function* pushedFrames(video, limit = Infinity) {
  const source = openSource(video);
  try {
    for await (const frame of source.frames()) {
      const copy = { data: Buffer.from(frame.data), width: frame.width, height: frame.height, channels: frame.channels, order: frame.order, timestamp: frame.timestamp };
      frame.release();
      if (limit-- <= 0) break;
      yield copy;
    }
  } finally {
    await source.close();
  }
}

describe('FaceStream on a generated video', function () {
  this.timeout(900_000);
  let work;
  let pipeline;
  let gallery;
  let video;
  let truth;
  let names;
  let tracked;

  before(async function () {
    ffmpegPath();
    dataDir();
    work = mkdtempSync(join(tmpdir(), 'face-stream-'));
    const made = await makeVideo(SHORT_VIDEO);
    ({ video, truth } = made);
    pipeline = await FacePipeline.create({ modelDir: modelsDir() });
    gallery = await Gallery.open(join(work, 'gallery.sqlite'));
    await enrol(pipeline, gallery, made.enrolment);
    names = new Set(made.enrolment.map((e) => e.name));
    tracked = await runTracked(pipeline, gallery, video, 1, { keepOpen: true });
  });
  after(async function () {
    await tracked?.stream.close();
    await gallery?.close();
    await pipeline?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('names the enrolled (>= 0.98), never a stranger, keeps labels (<= 1 change per 100 tracks), with >= 5x fewer re-identifications than per-frame', async function () {
    const isGallery = (l) => names.has(l);
    const ours = scoreAppearances(truth, tracked.perFrame, isGallery);
    const perFrame = await runPerFrame(pipeline, gallery, video, undefined);
    const omz = scoreAppearances(truth, perFrame.perFrame, isGallery);
    const started = tracked.events.filter((e) => e.type === 'track.started').length;
    const updates = tracked.events.filter((e) => e.type === 'track.updated').length;
    const summary = { ours, omz, started, updates, embeds: tracked.stats.embeds, perFrameEmbeds: perFrame.embeds };
    assert.ok(ours.enrolled >= 4 && ours.strangers >= 2, `scored appearances: ${JSON.stringify(summary)}`);
    assert.ok(ours.enrolledCorrectRate >= 0.98, `enrolled named correctly: ${JSON.stringify(summary)}`);
    assert.ok(ours.strangerEverNamedRate < 0.01, `a stranger was named: ${JSON.stringify(summary)}`);
    assert.ok((100 * updates) / started <= 1, `label changes: ${JSON.stringify(summary)}`);
    assert.ok(ours.enrolledCorrectRate >= omz.enrolledCorrectRate && ours.strangerNamedRate <= omz.strangerNamedRate, `no better than per-frame: ${JSON.stringify(summary)}`);
    assert.ok(perFrame.embeds >= 5 * tracked.stats.embeds.embedded, `re-identifications: ${JSON.stringify(summary)}`);
    // What per-frame identification would embed is what the policy was asked about.
    assert.equal(tracked.stats.embeds.considered, perFrame.embeds);
  });

  it('sends events matching their schemas, in a consistent order, and one frame record per frame', function () {
    const byTrack = new Map();
    for (const e of tracked.events) {
      assert.deepEqual(validate(EVENT_SCHEMAS[e.type], JSON.parse(JSON.stringify(e))), [], `${e.type} ${JSON.stringify(e)}`);
      if (!byTrack.has(e.track)) byTrack.set(e.track, []);
      byTrack.get(e.track).push(e.type);
    }
    for (const [track, types] of byTrack) {
      assert.equal(types[0], 'track.started', track);
      assert.equal(types.at(-1), 'track.ended', track);
      assert.ok(types.filter((t) => t === 'track.identified').length <= 1, track);
    }
    assert.equal(tracked.perFrame.length, truth.frameCount);
    const returning = tracked.events.filter((e) => e.type === 'track.identified' && e.kind === 'visitor' && e.returning);
    assert.ok(returning.length >= 1, 'the stranger who comes back is a known visitor');
  });

  it('writes a sighting per identification into the gallery', async function () {
    const identifications = tracked.events.filter((e) => e.type === 'track.identified' || e.type === 'track.updated');
    const sightings = await gallery.sightings.query({ source: 'video' });
    assert.equal(sightings.length, identifications.length);
    assert.deepEqual(sightings.map((s) => s.track).sort(), identifications.map((e) => e.track).sort());
  });

  it('gives the same events to an async iterator as to listeners; two cameras share the pipeline fairly and share visitor ids', async function () {
    // One frame in the pipeline at a time, and no camera reading ahead (pushed frames never do),
    // makes the turns visible: the cameras take them in rotation.
    const stream = new FaceStream(pipeline, { gallery, sightings: false, concurrency: 1, readAhead: 0 });
    const heard = [];
    const order = [];
    stream.on('event', (e) => heard.push(e));
    stream.on('frame', (r) => order.push(r.camera));
    stream.addSource('file', video);
    stream.addSource('pushed', pushedFrames(video, 120));
    const iterated = [];
    for await (const e of stream) iterated.push(e);
    assert.deepEqual(iterated, heard);
    assert.equal(order.filter((c) => c === 'file').length, truth.frameCount);
    assert.equal(order.filter((c) => c === 'pushed').length, 120);
    // First come, first served while both run (after both have started): each camera gets its
    // turns; one may take a few in a row only while the other's next frame is still being decoded.
    const window = order.slice(20, 200);
    const share = window.filter((c) => c === 'pushed').length / window.length;
    assert.ok(share >= 0.35 && share <= 0.65, `the pushed camera had ${(100 * share).toFixed(0)}% of the turns`);
    const visitors = (camera) => new Set(heard.filter((e) => e.camera === camera && e.kind === 'visitor' && e.type !== 'track.ended').map((e) => e.label));
    const shared = [...visitors('file')].filter((v) => visitors('pushed').has(v));
    assert.ok(shared.length >= 1, `a stranger seen by both cameras keeps one visitor id: ${[...visitors('file')]} / ${[...visitors('pushed')]}`);
    await stream.close();
  });

  it('promotes a visitor to a named identity with its best distinct views; the next pass names the person', async function () {
    const { stream, events } = tracked;
    const visitor = events.find((e) => e.type === 'track.identified' && e.kind === 'visitor' && e.returning);
    assert.ok(visitor, 'a returning visitor');
    const stranger = truth.appearances.find((a) => a.role === 'stranger' && truth.appearances.filter((b) => b.person === a.person).length > 1).person;
    const result = await stream.promote(visitor.label, 'Promoted_Stranger');
    assert.equal(result.label, 'Promoted_Stranger');
    assert.ok(result.added >= 2 && result.added <= 5, `added ${result.added}`);
    assert.ok(result.tracks.length >= 2, 'views of both visits');
    const samples = await gallery.samples('Promoted_Stranger');
    assert.equal(samples.length, result.added);
    for (let i = 0; i < samples.length; i++) for (let j = 0; j < i; j++) assert.ok(samples[i].embedding.reduce((s, v, k) => s + v * samples[j].embedding[k], 0) <= 0.95, 'near-duplicate views are dropped');
    await assert.rejects(stream.promote(visitor.label, 'Again'), { name: 'RangeError', message: /for id but received "visitor-/ });
    await assert.rejects(stream.promote('t9999', 'Nobody'), { name: 'RangeError' });

    const again = await runTracked(pipeline, gallery, video, 1);
    const shown = scoreAppearances(truth, again.perFrame, (l) => l === 'Promoted_Stranger');
    const strangerAppearances = truth.appearances.filter((a) => a.person === stranger).length;
    assert.equal(shown.strangersNamed, strangerAppearances, `${stranger} is now named Promoted_Stranger on every visit`);
    await gallery.remove('Promoted_Stranger');
  });

  it('detectEvery 2 runs the detector on half the frames and still names the enrolled', async function () {
    const every2 = await runTracked(pipeline, gallery, video, 2);
    const cam = Object.values(every2.stats.cameras)[0];
    assert.equal(cam.frames, truth.frameCount);
    assert.equal(cam.detectionFrames, Math.ceil(truth.frameCount / 2));
    const score = scoreAppearances(truth, every2.perFrame, (l) => names.has(l));
    assert.ok(score.enrolledCorrectRate >= 0.98 && score.strangerEverNamedRate < 0.01, JSON.stringify(score));
  });

  /**
   * The video through `p` one frame at a time (readAhead 0) and reading ahead as FaceStream does by
   * default: the tracker must still see the frames in order, so every record and event is the same.
   */
  async function sameAheadAsAlone(p) {
    const alone = await runTracked(p, gallery, video, 1, { streamOptions: { readAhead: 0, sightings: false } });
    const ahead = await runTracked(p, gallery, video, 1, { streamOptions: { sightings: false } });
    assert.equal(alone.perFrame.length, truth.frameCount);
    assert.deepEqual(ahead.perFrame, alone.perFrame);
    const shape = (events) => events.map((e) => JSON.stringify({ ...e, at: undefined }));
    assert.deepEqual(shape(ahead.events), shape(alone.events));
    return { alone, ahead };
  }

  it('reading ahead changes nothing: one frame at a time (readAhead 0) gives the same tracks, labels and events', async function () {
    // The default starts a frame's detection before the previous frame's tracking is done; the
    // tracker must still see the frames in order, so every record and event must be the same.
    const { alone } = await sameAheadAsAlone(pipeline);
    assert.ok(alone.events.length > 10, `${alone.events.length} events`);
    assert.throws(() => new FaceStream(pipeline, { readAhead: -1 }), { name: 'RangeError', message: 'Expected an integer >= 0 for readAhead but received -1' });
  });

  it('readAhead follows the detector: 1 under LATENCY, OpenVINO\'s optimal requests under THROUGHPUT, with the same results as one frame at a time', async function () {
    assert.equal(pipeline.detectorParallelism, 1, 'the default detector (LATENCY) runs one detection at a time');
    const readAheadOf = async (p, options) => {
      const stream = new FaceStream(p, options);
      await stream.close();
      return stream.readAhead;
    };
    assert.equal(await readAheadOf(pipeline), 1);
    const throughput = await FacePipeline.create({ modelDir: modelsDir(), detector: { config: { PERFORMANCE_HINT: 'THROUGHPUT' } } });
    try {
      // Two cores give two streams; a larger CI box gives more, read ahead up to 4.
      assert.ok(throughput.detectorParallelism >= 2, `THROUGHPUT on ${require('node:os').cpus().length} cores: ${throughput.detectorParallelism}`);
      assert.equal(await readAheadOf(throughput), Math.min(4, throughput.detectorParallelism));
      assert.equal(await readAheadOf(throughput, { readAhead: 0 }), 0, 'an explicit readAhead wins');
      // Read ahead by default (and so with the larger pool): the same records and events as one at a time.
      await sameAheadAsAlone(throughput);
    } finally {
      await throughput.close();
    }
  });

  it('close() mid-stream ends the decoder, the loops and the iterators; bad arguments are typed errors', async function () {
    const stream = FaceStream.open(pipeline, { cam: video }, { gallery });
    const iterator = stream.events();
    const first = await iterator.next();
    assert.equal(first.done, false);
    assert.ok(childProcesses().some((c) => c.command === 'ffmpeg'), 'the decoder runs');
    await stream.close();
    let left = 0;
    while (!(await iterator.next()).done) left++;
    assert.ok(left < 20, `the iterator ends after the events already made (${left})`);
    for (let i = 0; i < 60 && childProcesses().some((c) => c.command === 'ffmpeg'); i++) await delay(50);
    assert.deepEqual(childProcesses().filter((c) => c.command === 'ffmpeg'), [], 'no decoder left');
    assert.throws(() => stream.addSource('late', video), { code: 'STREAM_CLOSED' });
    await stream.close(); // idempotent

    assert.throws(() => new FaceStream(null), { name: 'TypeError', message: 'Expected a FacePipeline for pipeline but received null' });
    assert.throws(() => new FaceStream(pipeline, { detectEvery: 0 }), { name: 'RangeError', message: 'Expected an integer >= 1 for detectEvery but received 0' });
    assert.throws(() => new FaceStream(pipeline, { minFaces: 1.5 }), { name: 'RangeError', message: /minFaces/ });
    const s = new FaceStream(pipeline);
    assert.throws(() => s.addSource('a/b', video), { name: 'TypeError', message: /camera name/ });
    await assert.rejects(s.promote('visitor-1', 'X'), { code: 'GALLERY_ERROR' });
    await s.close();
  });

  it('a source that fails is an error event, never an unhandled rejection', async function () {
    const stream = new FaceStream(pipeline);
    const errors = [];
    stream.on('error', (e) => errors.push(e));
    stream.addSource('missing', join(work, 'no-such-video.mp4'));
    await stream.done();
    assert.equal(errors.length >= 1, true);
    assert.equal(errors[0].camera, 'missing');
    assert.match(errors[0].error.code, /^(STREAM_SOURCE_FAILED|PATH_NOT_FOUND|STREAM_DECODER_FAILED)$/);
    await stream.close();
  });

  it('per-frame records match their schema', function () {
    // Records come from runTracked's frame listener in simplified form; validate real ones here.
    const stream = new FaceStream(pipeline);
    return new Promise((resolve, reject) => {
      const records = [];
      stream.on('frame', (r) => records.push(r));
      stream.addSource('cam', pushedFrames(video, 40));
      stream.on('end', () => {
        try {
          assert.equal(records.length, 40);
          records.forEach((r, i) => {
            assert.equal(r.frame, i);
            assert.deepEqual(validate(FRAME_RECORD_SCHEMA, JSON.parse(JSON.stringify(r))), []);
          });
          assert.ok(records.some((r) => r.tracks.length > 0));
          stream.close().then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      });
    });
  });

  it('face-reid watch: events and frames as JSON Lines; SIGTERM ends it cleanly with every line whole', async function () {
    const out = join(work, 'events.jsonl');
    const framesFile = join(work, 'frames.jsonl');
    const sinkFile = join(work, 'sink.jsonl');
    const annotated = join(work, 'annotated.mp4');
    const snapshots = join(work, 'snapshots');
    const cli = join(__dirname, '..', 'dist', 'cli', 'main.js');
    const child = spawn(process.execPath, [cli, 'watch', `door=${video}`, '--gallery', join(work, 'gallery.sqlite'), '--out', out, '--frames', framesFile, '--detect-every', '2', '--read-ahead', '2', '--pool-size', '6', '--sink', `jsonl:${sinkFile}`, '--video', annotated, '--snapshots', snapshots, '--model-dir', modelsDir()], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    // Let it identify someone, then stop it the way a service manager would.
    for (let i = 0; i < 1200 && !(existsSync(out) && readFileSync(out, 'utf8').includes('track.identified')); i++) await delay(100);
    child.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, stderr);
    const events = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(events.some((e) => e.type === 'track.identified' && e.camera === 'door'));
    for (const e of events) assert.deepEqual(validate(EVENT_SCHEMAS[e.type], e), []);
    const started = events.filter((e) => e.type === 'track.started').length;
    assert.equal(events.filter((e) => e.type === 'track.ended').length, started, 'every started track ends, also on SIGTERM');
    const frames = readFileSync(framesFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(frames.length > 0 && frames.length < truth.frameCount);
    frames.forEach((r, i) => {
      assert.equal(r.frame, i);
      assert.deepEqual(validate(FRAME_RECORD_SCHEMA, r), []);
    });
    assert.deepEqual(readFileSync(sinkFile, 'utf8'), readFileSync(out, 'utf8'), 'the sink got every event');
    const ended = events.filter((e) => e.type === 'track.ended' && e.embeds > 0);
    for (const e of ended) assert.ok(existsSync(join(snapshots, `door-${e.track}.jpg`)), `snapshot of ${e.track}`);
    let written = 0;
    for await (const frame of openSource(annotated).frames()) {
      written++;
      frame.release();
    }
    assert.equal(written, frames.length, 'the annotated video has every processed frame');
    assert.match(stderr, /door: \d+ frames \(\d+ detected, 0 dropped\); re-identifications \d+ of \d+ faces/);
  });

  it('face-reid watch: a bad --read-ahead or --pool-size is an error naming the flag, before any model loads', () => {
    const cli = join(__dirname, '..', 'dist', 'cli', 'main.js');
    for (const [flag, value] of [['--read-ahead', '-1'], ['--read-ahead', '1.5'], ['--pool-size', '1'], ['--pool-size', 'many']]) {
      const r = spawnSync(process.execPath, [cli, 'watch', video, flag, value], { encoding: 'utf8', timeout: 30_000 });
      assert.notEqual(r.status, 0, `${flag} ${value}`);
      assert.match(r.stderr, new RegExp(flag), `${flag} ${value}: ${r.stderr}`);
    }
  });
});
