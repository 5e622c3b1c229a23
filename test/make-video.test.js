'use strict';
// The test-video generator: deterministic, enrolment and video pictures disjoint, the cast and
// the schedule as asked, and faces our detector finds where the ground truth says they are.
const assert = require('node:assert');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { makeVideo, SHORT_VIDEO } = require('./helpers/make-video');
const { dataDir } = require('./helpers/env');
const { openSource } = require('../dist/stream/source');
const { FacePipeline } = require('../dist');

const iou = (a, b) => {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / (a.width * a.height + b.width * b.height - inter);
};

describe('test video generator (test/helpers/make-video.js)', function () {
  this.timeout(600000);
  let dir;
  const tiny = { seconds: 6, fps: 10, people: 9, width: 640, height: 360, tileSize: [100, 200], appearanceSeconds: [1, 2], returning: 0.34, seed: 11 };

  before(() => {
    dataDir();
    dir = mkdtempSync(join(tmpdir(), 'face-reid-video-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the same video for the same seed, with a cast and schedule as asked', async () => {
    const a = await makeVideo({ ...tiny, outDir: join(dir, 'a') });
    const b = await makeVideo({ ...tiny, outDir: join(dir, 'b') });
    assert.deepStrictEqual(a.truth, b.truth);
    const other = await makeVideo({ ...tiny, seed: 12, outDir: join(dir, 'c') });
    assert.notDeepStrictEqual(other.truth.people.map((p) => p.name), a.truth.people.map((p) => p.name));

    const { truth, enrolment } = a;
    assert.strictEqual(truth.frameCount, 60);
    assert.strictEqual(truth.frames.length, 60);
    const strangers = truth.people.filter((p) => p.role === 'stranger');
    const enrolled = truth.people.filter((p) => p.role === 'enrolled');
    assert.strictEqual(strangers.length, 3);
    assert.strictEqual(enrolled.length, 6);
    // Enrolment pictures never appear in the video; strangers are never enrolled.
    const inVideo = new Set(truth.appearances.map((x) => x.image));
    for (const p of truth.people) {
      assert.ok(p.video.length >= 1);
      for (const file of p.enrolment) assert.ok(!p.video.includes(file) && !inVideo.has(file), `${file} is both enrolled and in the video`);
    }
    assert.deepStrictEqual(enrolment.map((e) => e.name).sort(), enrolled.map((p) => p.name).sort());
    assert.ok(strangers.every((p) => p.enrolment.length === 0));
    // Some come back, after having left for at least two seconds.
    const byPerson = new Map();
    for (const x of truth.appearances) byPerson.set(x.person, [...(byPerson.get(x.person) ?? []), x]);
    const returns = [...byPerson.values()].filter((list) => list.length === 2);
    assert.strictEqual(returns.length, 3);
    for (const [first, second] of returns) assert.ok(second.firstFrame > first.lastFrame + 2 * tiny.fps);
    // Every frame lists exactly the appearances live in it, with boxes inside their pictures.
    truth.frames.forEach((entries, f) => {
      const live = truth.appearances.filter((x) => x.firstFrame <= f && f <= x.lastFrame).map((x) => x.id);
      assert.deepStrictEqual(entries.map((e) => e.appearance).sort(), live.sort(), `frame ${f}`);
      for (const e of entries) {
        assert.ok(e.box.x >= e.tile.x && e.box.x + e.box.width <= e.tile.x + e.tile.width, `frame ${f}: face inside its picture`);
        assert.ok(e.visible >= 0 && e.visible <= 1);
      }
    });
    assert.ok(truth.frames.some((entries) => entries.length >= 3), 'several people at once');

    // The video decodes to the frames the truth describes.
    const source = openSource(a.video);
    let n = 0;
    for await (const frame of source) {
      assert.strictEqual(frame.width, 640);
      n++;
      frame.release();
    }
    assert.strictEqual(n, truth.frameCount);
  });

  it('draws faces our detector finds where the ground truth puts them (short 1920x1080 video)', async () => {
    const { video, truth } = await makeVideo(SHORT_VIDEO);
    assert.deepStrictEqual([truth.width, truth.height], [1920, 1080]);
    const pipeline = await FacePipeline.create();
    let expected = 0;
    let found = 0;
    let strays = 0;
    const source = openSource(video);
    for await (const frame of source) {
      if (frame.index % 15 === 7) {
        const faces = await pipeline.analyzeRaw(frame);
        const entries = truth.frames[frame.index];
        for (const e of entries.filter((x) => x.visible >= 0.95 && x.box.width >= 80)) {
          expected++;
          if (faces.some((face) => iou(face.box, e.box) >= 0.4)) found++;
        }
        strays += faces.filter((face) => !entries.some((e) => iou(face.box, e.box) >= 0.2)).length;
      }
      frame.release();
    }
    await pipeline.close();
    assert.ok(expected >= 20, `${expected} faces checked`);
    assert.ok(found / expected >= 0.95, `the detector found ${found} of ${expected} fully visible faces`);
    assert.ok(strays <= expected * 0.05, `${strays} detections where the truth has no face`);
  });
});
