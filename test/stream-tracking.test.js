'use strict';
// The stream's brain without video: tracker, view quality, embed policy, identity evidence and
// visitor ids, driven by synthetic detections and embeddings (test/helpers/synthetic-faces.js)
// and a real Gallery file holding synthetic identities.
const assert = require('node:assert/strict');
const { mkdtempSync, rmSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const sharp = require('sharp');
const { Tracker, iou } = require('../dist/stream/tracker');
const { frontality, sharpness, viewQuality } = require('../dist/stream/quality');
const { EmbedPolicy, newHistory } = require('../dist/stream/embed-policy');
const { IdentityResolver } = require('../dist/stream/identity');
const { VisitorRegistry } = require('../dist/stream/visitors');
const { CameraSession } = require('../dist/stream/camera-session');
const { EVENT_SCHEMAS, FRAME_RECORD_SCHEMA } = require('../dist/stream/events');
const { Gallery } = require('../dist/gallery');
const { dataDir } = require('./helpers/env');
const { validate } = require('./helpers/json-schema');
const { rng, randomUnit, noisy, boxAt, landmarksIn } = require('./helpers/synthetic-faces');

/** Runs detections through plan + update, embedding what plan marks ambiguous; returns per frame the track id of each person. */
function track(tracker, frames, embedOf) {
  const owner = []; // owner[f] = Map(person -> track id)
  frames.forEach((faces, f) => {
    if (faces === null) {
      tracker.predict(f);
      owner.push(new Map());
      return;
    }
    const dets = faces.map((p) => ({ box: p.box, score: 0.9 }));
    const plan = tracker.plan(f, dets);
    for (const i of plan.ambiguous) dets[i].embedding = embedOf(faces[i].person);
    const update = tracker.update(f, dets);
    owner.push(new Map(faces.map((p, i) => [p.person, update.assigned[i]])));
  });
  return owner;
}

/** The set of track ids each person was given over the frames. */
function idsPerPerson(owner) {
  const ids = new Map();
  for (const m of owner) for (const [p, id] of m) ids.set(p, (ids.get(p) ?? new Set()).add(id));
  return ids;
}

describe('stream tracking (synthetic detections)', function () {
  const rand = rng(15);
  const people = Array.from({ length: 12 }, () => randomUnit(rand));
  const embedOf = (p) => noisy(people[p], 0.9, rand);

  describe('Tracker', function () {
    it('keeps both ids through a crossing (boxes coincide mid-way; embeddings settle it)', function () {
      const frames = [];
      for (let f = 0; f < 61; f++) {
        frames.push([
          { person: 0, box: boxAt(100 + 10 * f, 300, 80) },
          { person: 1, box: boxAt(700 - 10 * f, 310, 80) },
        ]);
      }
      const tracker = new Tracker();
      const ids = idsPerPerson(track(tracker, frames, embedOf));
      assert.equal(ids.get(0).size, 1, `person 0 had tracks ${[...ids.get(0)]}`);
      assert.equal(ids.get(1).size, 1, `person 1 had tracks ${[...ids.get(1)]}`);
      assert.notEqual([...ids.get(0)][0], [...ids.get(1)][0]);
    });

    it('boxes alone place most faces: only new, contested and re-found faces need embeddings', function () {
      const tracker = new Tracker();
      let ambiguous = 0;
      for (let f = 0; f < 100; f++) {
        const dets = [{ box: boxAt(100 + 3 * f, 300, 90), score: 0.9 }, { box: boxAt(900, 200 + 2 * f, 70), score: 0.9 }];
        const plan = tracker.plan(f, dets);
        ambiguous += plan.ambiguous.length;
        for (const i of plan.ambiguous) dets[i].embedding = embedOf(i);
        tracker.update(f, dets);
      }
      assert.equal(ambiguous, 2, 'only the two first sightings are ambiguous');
    });

    it('re-finds a track lost behind an occlusion under its old id, and gives a newcomer on the same path a new one', function () {
      const path = (f) => boxAt(100 + 6 * f, 400, 90);
      const occluded = (f) => f >= 30 && f < 50;
      const same = [];
      const other = [];
      for (let f = 0; f < 80; f++) {
        same.push(occluded(f) ? [] : [{ person: 2, box: path(f) }]);
        other.push(occluded(f) ? [] : [{ person: f < 30 ? 2 : 3, box: path(f) }]);
      }
      const refound = new Tracker();
      const ids = idsPerPerson(track(refound, same, embedOf));
      assert.equal(ids.get(2).size, 1, `one id expected, got ${[...ids.get(2)]}`);
      const swapped = new Tracker();
      const ids2 = idsPerPerson(track(swapped, other, embedOf));
      assert.equal(ids2.get(2).size, 1);
      assert.equal(ids2.get(3).size, 1);
      assert.notEqual([...ids2.get(2)][0], [...ids2.get(3)][0], 'the newcomer must not inherit the lost id');
    });

    it('predicts boxes between detections (detectEvery 3) close to where the face is', function () {
      const truth = (f) => boxAt(200 + 7 * f, 300 + 2 * f, 100 + 0.5 * f);
      const tracker = new Tracker();
      const overlaps = [];
      for (let f = 0; f < 90; f++) {
        if (f % 3 === 0) {
          const dets = [{ box: truth(f), score: 0.9 }];
          const plan = tracker.plan(f, dets);
          for (const i of plan.ambiguous) dets[i].embedding = embedOf(4);
          tracker.update(f, dets);
        } else {
          tracker.predict(f);
          if (f > 12) overlaps.push(iou(tracker.tracks[0].box, truth(f)));
        }
      }
      assert.equal(tracker.tracks.length, 1);
      const worst = Math.min(...overlaps);
      assert.ok(worst > 0.9, `worst IoU of a predicted box with the truth: ${worst}`);
      // Without motion prediction the box would stay put for two frames: IoU ~0.75 at 14 px a side-step.
      const still = iou(truth(30), truth(32));
      assert.ok(worst > still, `prediction (${worst}) must beat holding the last box (${still})`);
    });

    it('runs the life cycle: tentative, confirmed after n hits, lost, ended after the gap; one-frame noise never confirms', function () {
      const tracker = new Tracker({ confirmHits: 3, maxLostFrames: 10 });
      const seen = [];
      const box = boxAt(300, 300, 80);
      for (let f = 0; f < 5; f++) {
        const dets = [{ box, score: 0.9 }];
        if (f === 1) dets.push({ box: boxAt(800, 100, 40), score: 0.7 }); // a one-frame false detection
        const plan = tracker.plan(f, dets);
        for (const i of plan.ambiguous) dets[i].embedding = embedOf(i === 0 ? 5 : 6);
        const u = tracker.update(f, dets);
        seen.push(u);
      }
      assert.deepEqual(seen.map((u) => u.confirmed.map((t) => t.id)), [[], [], ['t1'], [], []]);
      assert.deepEqual(seen[2].ended.map((t) => t.id), ['t2'], 'the one-frame detection ends as soon as it is missed');
      const states = [];
      let ended;
      for (let f = 5; f < 20; f++) {
        const u = tracker.update(f, []);
        states.push(tracker.tracks[0]?.state ?? 'gone');
        if (u.ended.length) ended = { f, id: u.ended[0].id };
      }
      assert.equal(states[0], 'lost');
      assert.deepEqual(ended, { f: 15, id: 't1' }, 'ended once lost for more than maxLostFrames');
    });

    it('rejects bad options with typed errors', function () {
      assert.throws(() => new Tracker({ confirmHits: 0 }), { name: 'RangeError', message: /Expected an integer >= 1 for confirmHits but received 0/ });
      assert.throws(() => new Tracker({ iouGate: 2 }), { name: 'RangeError', message: /iouGate/ });
      const t = new Tracker();
      t.predict(5);
      assert.throws(() => t.predict(5), { name: 'RangeError', message: /Expected a frame index after 5 for frame but received 5/ });
    });
  });

  describe('view quality', function () {
    it('frontality: 1 for symmetric landmarks, lower for a turned or tilted face, 0 for folded points', function () {
      const box = boxAt(100, 100, 100);
      const frontal = landmarksIn(box);
      assert.ok(frontality(frontal) > 0.99);
      const turned = frontal.map(([x, y], i) => (i === 2 ? [x + 8, y] : [x, y]));
      const f = frontality(turned);
      assert.ok(f > 0.2 && f < 0.8, `turned: ${f}`);
      const angle = 0.4; // rotate the whole set: roll only
      const tilted = frontal.map(([x, y]) => [100 + (x - 100) * Math.cos(angle) - (y - 100) * Math.sin(angle), 100 + (x - 100) * Math.sin(angle) + (y - 100) * Math.cos(angle)]);
      assert.ok(Math.abs(frontality(tilted) - Math.cos(angle)) < 1e-6, 'roll counts by the eye line only');
      const profile = frontal.map(([x, y], i) => (i === 2 ? [x - 30, y] : [x, y]));
      assert.equal(frontality(profile), 0);
    });

    it('sharpness: a real face scores higher than the same face blurred', async function () {
      const root = join(dataDir(), 'lfw', 'deepfunneled250');
      const person = readdirSync(root).sort()[10];
      const file = join(root, person, readdirSync(join(root, person)).sort()[0]);
      const decode = async (img) => {
        const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
        return { data, width: info.width, height: info.height, channels: info.channels };
      };
      const crisp = await decode(sharp(file).removeAlpha());
      const blurred = await decode(sharp(file).removeAlpha().blur(3));
      const box = { x: 70, y: 70, width: 110, height: 120 };
      const s1 = sharpness(crisp, box);
      const s2 = sharpness(blurred, box);
      assert.ok(s1 > 3 * s2, `crisp ${s1} vs blurred ${s2}`);
      const q1 = viewQuality(crisp, box, landmarksIn(box));
      const q2 = viewQuality(blurred, box, landmarksIn(box));
      assert.ok(q1.score > q2.score && q1.score <= 1 && q2.score > 0);
    });
  });

  describe('EmbedPolicy', function () {
    it('embeds first, while pending, then only better views and refreshes, capped', function () {
      const policy = new EmbedPolicy({ pendingEvery: 2, refreshEvery: 30, betterBy: 1.25, maxPerTrack: 6 });
      const h = newHistory();
      const reasons = [];
      for (let f = 0; f < 200; f++) {
        const kind = h.embeds >= 3 ? 'gallery' : 'pending';
        const quality = f === 40 ? 0.9 : 0.5;
        const reason = policy.reason(h, quality, f, kind);
        policy.count(Boolean(reason));
        if (reason) {
          policy.took(h, quality, f);
          reasons.push(`${f}:${reason}`);
        }
      }
      assert.deepEqual(reasons, ['0:first', '2:pending', '4:pending', '34:refresh', '40:better', '70:refresh']);
      assert.deepEqual(policy.stats, { considered: 200, embedded: 6, saved: 194 });
    });

    it('keeps sampling a visitor track every visitorEvery frames up to the cap; a named (gallery) track only refreshes', function () {
      const policy = new EmbedPolicy({ pendingEvery: 2, refreshEvery: 30, visitorEvery: 8, maxPerTrack: 7 });
      const taken = (kind) => {
        const h = newHistory();
        const frames = [];
        for (let f = 0; f < 100; f++) {
          const reason = policy.reason(h, 0.5, f, f < 5 ? 'pending' : kind);
          if (reason) {
            policy.took(h, 0.5, f);
            frames.push(`${f}:${reason}`);
          }
        }
        return frames;
      };
      assert.deepEqual(taken('visitor'), ['0:first', '2:pending', '4:pending', '12:visitor', '20:visitor', '28:visitor', '36:visitor']);
      assert.deepEqual(taken('gallery'), ['0:first', '2:pending', '4:pending', '34:refresh', '64:refresh', '94:refresh']);
      assert.throws(() => new EmbedPolicy({ visitorEvery: 0 }), (err) => err instanceof RangeError && /visitorEvery/.test(err.message));
    });
  });

  describe('identity (real Gallery, synthetic identities)', function () {
    let dir;
    let gallery;
    const enrolled = [0, 1, 2, 3, 4, 5];
    const label = (p) => `person_${p}`;

    before(async function () {
      dir = mkdtempSync(join(tmpdir(), 'stream-identity-'));
      gallery = await Gallery.open(join(dir, 'g.sqlite'));
      for (const p of enrolled) for (let k = 0; k < 3; k++) await gallery.add(label(p), noisy(people[p], 0.5, rand), { source: `${p}-${k}` });
    });
    after(async function () {
      await gallery?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /**
     * Runs a CameraSession over scripted frames: each frame lists faces {person, box, look?} where
     * look(person) returns the embedding to give when the face is embedded. Returns events, records, embed count.
     */
    async function runSession(frames, { resolver, camera = 'cam', policy = new EmbedPolicy(), clock = { t: 0 } } = {}) {
      const session = new CameraSession(camera, policy, resolver, { now: () => clock.t });
      const events = [];
      const records = [];
      let embeds = 0;
      for (let f = 0; f < frames.length; f++) {
        const faces = frames[f].map((p) => ({ box: p.box, score: 0.9, landmarks: landmarksIn(p.box), quality: { size: p.box.width, frontality: 1, sharpness: 100, score: p.quality ?? 0.6 } }));
        const out = await session.detectionFrame(f, f * 33.3, faces, async (indices) => {
          embeds += indices.length;
          return indices.map((i) => (frames[f][i].look ?? embedOf)(frames[f][i].person));
        });
        events.push(...out.events);
        records.push(out.record);
      }
      events.push(...session.finish(frames.length, frames.length * 33.3));
      return { events, records, embeds, policy };
    }

    const walk = (person, from, to, y = 300, extra = {}) => (f) => (f >= from && f < to ? [{ person, box: boxAt(150 + 5 * (f - from), y, 90), ...extra }] : []);
    const scene = (n, ...parts) => Array.from({ length: n }, (_, f) => parts.flatMap((part) => part(f)));

    it('names a track only after minFaces consistent observations, then stays put', async function () {
      const resolver = new IdentityResolver(gallery, new VisitorRegistry(), { minFaces: 3 });
      const { events, records } = await runSession(scene(120, walk(1, 0, 120)), { resolver, policy: new EmbedPolicy({ pendingEvery: 4 }) });
      const identified = events.filter((e) => e.type === 'track.identified');
      assert.equal(identified.length, 1);
      assert.equal(identified[0].label, label(1));
      assert.equal(identified[0].kind, 'gallery');
      // Embeddings at frames 0, 4, 8 (pendingEvery 4): the third consistent one is at frame 8.
      assert.equal(identified[0].frame, 8);
      assert.ok(records.slice(0, 8).every((r) => r.tracks.every((t) => t.label === null)), 'no label before minFaces observations');
      for (const e of events) assert.deepEqual(validate(EVENT_SCHEMAS[e.type], JSON.parse(JSON.stringify(e))), [], e.type);
      for (const r of records) assert.deepEqual(validate(FRAME_RECORD_SCHEMA, JSON.parse(JSON.stringify(r))), []);
    });

    it('does not flicker when a quarter of the observations look like someone else', async function () {
      const r2 = rng(7);
      let n = 0;
      // Every fourth embedding is much closer to person 2 than to person 0.
      const look = (p) => (++n % 4 === 0 ? noisy(people[2], 0.6, r2) : noisy(people[p], 0.9, r2));
      const resolver = new IdentityResolver(gallery, new VisitorRegistry(), { minFaces: 3 });
      const { events } = await runSession(scene(300, walk(0, 0, 300, 300, { look })), { resolver, policy: new EmbedPolicy({ pendingEvery: 1, refreshEvery: 5, maxPerTrack: 60 }) });
      assert.equal(events.filter((e) => e.type === 'track.updated').length, 0, 'the label changed');
      const ended = events.find((e) => e.type === 'track.ended');
      assert.equal(ended.label, label(0));
      assert.ok(ended.embeds >= 40, `embeds ${ended.embeds}`);
    });

    it('changes a label only on stronger evidence (hysteresis margin)', function () {
      const r3 = rng(9);
      const resolver = new IdentityResolver(gallery, new VisitorRegistry(), { minFaces: 3, margin: 0.5 });
      const history = [];
      for (let k = 0; k < 6; k++) {
        resolver.observe('cam/t1', noisy(people[3], 0.9, r3), 0.6);
        history.push(resolver.resolve(['cam/t1'], 0));
      }
      assert.equal(resolver.identity('cam/t1').label, label(3));
      let switchedAfter;
      for (let k = 1; k <= 30; k++) {
        resolver.observe('cam/t1', noisy(people[4], 0.9, r3), 0.6);
        const changes = resolver.resolve(['cam/t1'], 0);
        history.push(changes);
        if (changes.length && switchedAfter === undefined) switchedAfter = k;
      }
      const changes = history.flat();
      assert.deepEqual(changes.map((c) => [c.previous.label, c.identity.label]), [[null, label(3)], [label(3), label(4)]]);
      // Person 4 needs more than 1.5x person 3's vote weight: at least 9 of its observations (6 × 1.5).
      assert.ok(switchedAfter >= 9 && switchedAfter <= 12, `switched after ${switchedAfter} observations of person 4`);
    });

    it('assigns the tracks of one frame one-to-one: a lookalike standing next to the person is not named the same', async function () {
      const twin = noisy(people[5], 0.35, rand); // a stranger close to person_5 (similarity ~0.94 to the base)
      const r4 = rng(11);
      const lookTwin = () => noisy(twin, 0.9, r4);
      const resolver = new IdentityResolver(gallery, new VisitorRegistry(), { minFaces: 3 });
      const frames = scene(90, walk(5, 0, 90, 200), walk(99, 0, 90, 600, { look: lookTwin }));
      const { records } = await runSession(frames, { resolver });
      for (const r of records) {
        const labels = r.tracks.map((t) => t.label).filter((l) => l && l.startsWith('person_'));
        assert.equal(new Set(labels).size, labels.length, `frame ${r.frame}: ${labels}`);
      }
      const last = records.at(-1).tracks;
      assert.equal(last.filter((t) => t.label === label(5)).length, 1);
    });

    it('gives strangers stable visitor ids across tracks and cameras, and forgets them after the retention', async function () {
      const visitors = new VisitorRegistry({ retentionMs: 60_000 });
      const resolver = new IdentityResolver(gallery, visitors, { minFaces: 3 });
      const clock = { t: 0 };
      const first = await runSession(scene(60, walk(8, 0, 60)), { resolver, camera: 'door', clock });
      const id8 = first.events.find((e) => e.type === 'track.identified');
      assert.equal(id8.kind, 'visitor');
      assert.equal(id8.returning, false);
      clock.t = 30_000;
      const other = await runSession(scene(60, walk(9, 0, 60)), { resolver, camera: 'door', clock });
      const id9 = other.events.find((e) => e.type === 'track.identified');
      assert.notEqual(id9.label, id8.label);
      clock.t = 50_000;
      const back = await runSession(scene(60, walk(8, 0, 60)), { resolver, camera: 'hall', clock });
      const again = back.events.find((e) => e.type === 'track.identified');
      assert.deepEqual([again.label, again.returning], [id8.label, true], 'visitor is back, on another camera');
      clock.t = 50_000 + 61_000;
      const late = await runSession(scene(60, walk(8, 0, 60)), { resolver, camera: 'door', clock });
      const forgotten = late.events.find((e) => e.type === 'track.identified');
      assert.equal(forgotten.returning, false);
      assert.notEqual(forgotten.label, id8.label);
      assert.ok(!visitors.has(id8.label) && !visitors.has(id9.label), 'expired visitors are deleted');
      assert.equal((await gallery.list()).length, enrolled.length, 'visitors never reach the gallery');
    });

    it('embeds a track a handful of times, not on every frame', async function () {
      const resolver = new IdentityResolver(gallery, new VisitorRegistry(), { minFaces: 3 });
      const { embeds, policy, events } = await runSession(scene(300, walk(2, 0, 150), walk(4, 0, 300, 600)), { resolver });
      assert.equal(policy.stats.considered, 450);
      assert.equal(policy.stats.embedded, embeds);
      assert.ok(embeds <= 450 / 10, `embedded ${embeds} of 450 faces`);
      assert.deepEqual(events.filter((e) => e.type === 'track.identified').map((e) => e.label).sort(), [label(2), label(4)]);
    });
  });
});
