'use strict';
// The door-camera test video (src/video/conditions.js; preset HARD_SHORT_VIDEO: 10 s 1920x1080
// H.264 at crf 30, 12 people of whom 4 strangers): its ground truth is exact under occlusion,
// small faces, alternating pictures, blur and lighting; videos made without conditions are what
// they were; and FaceStream on it, against per-frame identification (the Open Model Zoo way) on
// the same clip: the enrolled named at least as often as measured, strangers never named, and
// fewer label changes per track than per-frame identification makes per appearance.
const assert = require('node:assert/strict');
const { createHash } = require('node:crypto');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { basename, dirname, join, resolve } = require('node:path');
const { tmpdir } = require('node:os');
const { FacePipeline, Gallery } = require('../dist');
const { openSource } = require('../dist/stream/source');
const { makeVideo, faceBoxInPicture, HARD_SHORT_VIDEO, HARD_CONDITIONS } = require('./helpers/make-video');
const { scoreAppearances, iou, labelChanges } = require('./helpers/stream-score');
const { modelsDir, dataDir } = require('./helpers/env');
const { enrol, runTracked, runPerFrame } = require('../bench/stream-accuracy');

const intersect = (a, b) => {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : undefined;
};
const area = (r) => (r ? r.width * r.height : 0);

/** Where an occluder of the truth is at frame f (the generator's motion, restated). */
function occluderAt(o, f) {
  if (f < o.firstFrame || f > o.lastFrame) return undefined;
  if (o.kind !== 'passer') return { x: o.x, y: o.y, width: o.width, height: o.height };
  const t = o.lastFrame === o.firstFrame ? 0.5 : (f - o.firstFrame) / (o.lastFrame - o.firstFrame);
  return { x: Math.round(o.x + (o.x1 - o.x) * t), y: o.y, width: o.width, height: o.height };
}

describe('door-camera test video (conditions of src/video/conditions.js)', function () {
  this.timeout(600_000);
  let made;
  let landmarks;

  before(async function () {
    const data = dataDir();
    made = await makeVideo(HARD_SHORT_VIDEO);
    landmarks = new Map();
    for (const line of readFileSync(join(data, 'lfw', 'landmarks-deepfunneled.txt'), 'utf8').split('\n')) {
      const [file, ...values] = line.trim().split('\t');
      if (values.length === 10) landmarks.set(file, values.map(Number));
    }
  });

  it('boxes come from the landmarks of the picture shown, at the scale its tile is drawn; pictures alternate; small, fast and dim crossings', function () {
    const { truth, enrolment } = made;
    const lfwName = (file) => `${basename(dirname(file))}/${basename(file)}`;
    let entries = 0;
    truth.frames.forEach((list, f) => {
      for (const e of list) {
        const a = truth.appearances[e.appearance];
        const face = faceBoxInPicture(landmarks.get(lfwName(a.images[e.picture])));
        const s = e.tile.width / 250;
        assert.ok(Math.abs(e.box.width - face.width * s) <= 0.06 && Math.abs(e.box.height - face.height * s) <= 0.06, `frame ${f}: box ${JSON.stringify(e.box)} for tile ${e.tile.width}`);
        assert.ok(Math.abs(e.box.x - (e.tile.x + face.x * s)) <= 0.06 && Math.abs(e.box.y - (e.tile.y + face.y * s)) <= 0.06, `frame ${f}: box placed in its tile`);
        // The picture shown is the one the appearance's schedule names for this frame.
        const scheduled = a.pictures.filter((p) => p.from <= f).at(-1).picture;
        assert.equal(e.picture, scheduled, `frame ${f}, appearance ${a.id}`);
        entries++;
      }
    });
    assert.ok(entries > 1000, `${entries} faces in the truth`);

    // Each appearance switches between its person's video pictures, none of them enrolled.
    const enrolled = new Set(enrolment.flatMap((e) => e.files));
    for (const a of truth.appearances) {
      assert.ok(a.images.length >= HARD_CONDITIONS.videoPictures && a.images.every((i) => !enrolled.has(i)), `appearance ${a.id}: ${a.images}`);
      const shown = new Set(truth.frames.slice(a.firstFrame, a.lastFrame + 1).map((list) => list.find((e) => e.appearance === a.id).picture));
      if (a.lastFrame - a.firstFrame >= 1.5 * HARD_CONDITIONS.switchSeconds[1] * truth.fps) assert.ok(shown.size >= 2, `appearance ${a.id} shows one picture`);
    }

    // Small crossings: tiles within their range, faces down to 40-50 px; fast ones are blurred
    // more than the others.
    const styleOf = (e) => truth.appearances[e.appearance].style;
    const all = truth.frames.flat();
    const median = (list) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)];
    const [lo, hi] = HARD_CONDITIONS.small.tileSize;
    assert.ok(all.filter((e) => styleOf(e) === 'small').every((e) => e.tile.width >= lo - 2 && e.tile.width <= hi + 2), 'small tiles out of range');
    const small = all.filter((e) => styleOf(e) === 'small').map((e) => e.box.width);
    assert.ok(small.length > 100 && Math.min(...small) < 50 && median(small) <= 66 && Math.max(...small) <= 80, `small faces ${Math.min(...small)}-${Math.max(...small)} px, median ${median(small)}`);
    const blur = (style) => median(all.filter((e) => styleOf(e) === style).map((e) => e.blur));
    assert.ok(blur('fast') >= 2 * blur('normal') && blur('fast') >= 20, `blur: fast ${blur('fast')} px, normal ${blur('normal')} px`);
    const spread = (key) => Math.max(...truth.lighting.map((l) => l[key])) - Math.min(...truth.lighting.map((l) => l[key]));
    assert.ok(truth.appearances.some((a) => a.gain <= 0.7), 'no dim face');
    assert.ok(spread('brightness') >= 5 || spread('contrast') >= 0.1, `the exposure does not change: ${spread('brightness')}, ${spread('contrast')}`);
    assert.equal(truth.crf, 30);
  });

  it('visible is below 1 exactly by the share an occluder covers, and faces there are drawn over', async function () {
    const { truth } = made;
    const screen = { x: 0, y: 0, width: truth.width, height: truth.height };
    let checked = 0;
    let partly = 0;
    truth.frames.forEach((list, f) => {
      const covers = truth.occluders.map((o) => occluderAt(o, f)).filter(Boolean);
      list.forEach((e, k) => {
        const onScreen = intersect(e.box, screen);
        const hit = covers.filter((c) => intersect(e.box, c));
        // Faces covered by exactly one occluder and no picture drawn after them: rectangle arithmetic.
        if (!onScreen || hit.length !== 1 || list.slice(k + 1).some((later) => intersect(e.box, later.tile))) return;
        const expected = (area(onScreen) - area(intersect(onScreen, hit[0]))) / area(e.box);
        const slack = (e.box.width + e.box.height) / area(e.box) + 0.002;
        assert.ok(Math.abs(e.visible - expected) <= slack, `frame ${f}: visible ${e.visible}, covered share says ${expected.toFixed(3)} (slack ${slack.toFixed(3)})`);
        checked++;
        if (e.visible < 0.9 && e.visible > 0) partly++;
      });
    });
    assert.ok(checked >= 30 && partly >= 10, `${checked} occluded faces checked, ${partly} partly hidden`);

    // A face drawn over by a later picture is less visible than its on-screen share.
    const overdrawn = truth.frames.flatMap((list) => list.filter((e, k) => list.slice(k + 1).some((later) => area(intersect(e.box, later.tile)) > 0.3 * area(e.box))));
    assert.ok(overdrawn.some((e) => e.visible < 0.9), 'no face is hidden by another person passing in front');

    // The decoded video has the occluders where the truth puts them, at the frame's exposure.
    const pillar = truth.occluders.find((o) => o.kind === 'pillar');
    const frameIndex = 150;
    const { brightness, contrast } = truth.lighting[frameIndex];
    const expectedGrey = (pillar.shade - 128) * contrast + 128 + brightness;
    // Occluders are in front of every picture; only a passer-by can be in front of a pillar.
    const passers = truth.occluders.filter((o) => o.kind === 'passer').map((o) => occluderAt(o, frameIndex)).filter(Boolean);
    const source = openSource(made.video);
    let mean;
    for await (const frame of source) {
      if (frame.index === frameIndex) {
        let sum = 0;
        let n = 0;
        for (let y = 100; y < truth.height - 100; y += 7) {
          for (let x = pillar.x + 8; x < pillar.x + pillar.width - 8; x++) {
            const o = (y * frame.width + x) * frame.channels;
            if (passers.some((r) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height)) continue;
            sum += (frame.data[o] + frame.data[o + 1] + frame.data[o + 2]) / 3;
            n++;
          }
        }
        mean = sum / n;
      }
      frame.release();
    }
    assert.ok(Math.abs(mean - expectedGrey) <= 12, `pillar grey ${mean.toFixed(1)}, expected ${expectedGrey.toFixed(1)}`);
  });

  it('videos without conditions are the same as before (options hash, truth byte for byte)', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'face-reid-clean-'));
    try {
      const tiny = { seconds: 6, fps: 10, people: 9, width: 640, height: 360, tileSize: [100, 200], appearanceSeconds: [1, 2], returning: 0.34, seed: 11, outDir: dir };
      const { truth, truthFile } = await makeVideo(tiny);
      assert.equal(truth.key, '102db5f36a6b');
      // The truth names its pictures by absolute path; where the data lives is not part of the video.
      const text = readFileSync(truthFile, 'utf8').split(resolve(dataDir())).join('$DATA');
      assert.equal(createHash('sha1').update(text).digest('hex'), 'ed36f3849af83a639b94418b7c9c8792135f26b2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects conditions it does not know or cannot draw, naming them', async function () {
    await assert.rejects(makeVideo({ seconds: 1, conditions: { blurr: 3 } }), (err) => err instanceof RangeError && /conditions.*'blurr'/.test(err.message));
    await assert.rejects(makeVideo({ seconds: 1, conditions: { noise: -1 } }), (err) => err instanceof RangeError && /conditions\.noise/.test(err.message));
    await assert.rejects(makeVideo({ seconds: 1, conditions: { small: { share: 0.5 } } }), (err) => err instanceof RangeError && /conditions\.small\.tileSize/.test(err.message));
    await assert.rejects(makeVideo({ seconds: 1, conditions: { faceGain: [1.2, 0.8] } }), (err) => err instanceof RangeError && /conditions\.faceGain/.test(err.message));
    await assert.rejects(makeVideo({ seconds: 1, conditions: 'hard' }), TypeError);
  });

  it('counts label changes along an appearance from its first name on', function () {
    assert.equal(labelChanges([null, null, 'A', 'A', null, 'A', 'B']), 3);
    assert.equal(labelChanges([null, null, null]), 0);
    assert.equal(labelChanges(['A', 'A', 'A']), 0);
  });
});

describe('FaceStream on the door-camera video (hard, 10 s)', function () {
  this.timeout(600_000);
  let work;
  let pipeline;
  let gallery;

  before(async function () {
    dataDir();
    work = mkdtempSync(join(tmpdir(), 'face-stream-hard-'));
    pipeline = await FacePipeline.create({ modelDir: modelsDir() });
    gallery = await Gallery.open(join(work, 'gallery.sqlite'));
  });
  after(async function () {
    await gallery?.close();
    await pipeline?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('finds the faces where the truth puts them, then names the enrolled at least as often as measured, never a stranger, and is steadier than per-frame identification', async function () {
    const { video, truth, enrolment } = await makeVideo(HARD_SHORT_VIDEO);
    // The detector finds the larger fully visible faces where the truth says (every 5th frame).
    let expected = 0;
    let found = 0;
    let strays = 0;
    for await (const frame of openSource(video)) {
      if (frame.index % 5 === 2) {
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
    // Measured: 42 of 52 found (0.81), no strays.
    assert.ok(expected >= 30 && found / expected >= 0.65, `the detector found ${found} of ${expected} fully visible faces of 80 px or more`);
    assert.ok(strays <= 0.05 * expected, `${strays} detections where the truth has no face`);

    await enrol(pipeline, gallery, enrolment);
    const names = new Set(enrolment.map((e) => e.name));
    const isGallery = (l) => names.has(l);
    const tracked = await runTracked(pipeline, gallery, video, 1);
    const perFrame = await runPerFrame(pipeline, gallery, video, undefined);
    const ours = scoreAppearances(truth, tracked.perFrame, isGallery);
    const omz = scoreAppearances(truth, perFrame.perFrame, isGallery);
    const started = tracked.events.filter((e) => e.type === 'track.started').length;
    const updates = tracked.events.filter((e) => e.type === 'track.updated').length;
    const summary = JSON.stringify({ ours, omz, started, updates, embeds: tracked.stats.embeds.embedded, perFrameEmbeds: perFrame.embeds });
    // Measured (2026-12, FP16 CPU): ours 3 of 11 enrolled appearances named, 0 strangers, 1 change
    // in 26 tracks, 10 changes along 15 appearances; per-frame 2 of 11, 0 strangers, 36 changes.
    assert.ok(ours.enrolled >= 8 && ours.strangers >= 4, `scored appearances: ${summary}`);
    assert.ok(ours.enrolledCorrectRate >= 0.15, `enrolled named correctly: ${summary}`);
    assert.equal(ours.strangersEverNamed, 0, `a stranger was named: ${summary}`);
    assert.equal(ours.flips, 0, `a track's name changed to another name: ${summary}`);
    assert.ok(updates / started < omz.labelChanges / omz.appearances, `label changes per track not fewer than per-frame's per appearance: ${summary}`);
    assert.ok(ours.labelChanges < omz.labelChanges, `along the appearances, ours changed labels as often as per-frame: ${summary}`);
    assert.ok(perFrame.embeds >= 4 * tracked.stats.embeds.embedded, `re-identifications: ${summary}`);
  });
});
