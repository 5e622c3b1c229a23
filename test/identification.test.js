'use strict';
// Identification against the real gallery on LFW dev (deep-funneled images, annotated landmarks,
// FP16), the enrol/identify CLI on real photos, and the bundled demo.
const assert = require('node:assert/strict');
const { mkdtempSync, mkdirSync, copyFileSync, existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { execFileSync, spawnSync } = require('node:child_process');
const { FaceReid } = require('../dist/reid');
const { readLandmarks } = require('../dist/eval/lfw-data');
const { closedSet, openSetScores, openSetAt } = require('../dist/eval/identification');
const { DEFAULT_MATCH_THRESHOLD, Gallery } = require('../dist/gallery');
const { modelsDir, dataDir, outputDir, projectRoot } = require('./helpers/env');
const { validate } = require('./helpers/json-schema');
const { EVENT_SCHEMAS } = require('../dist');
const { DEMO_VIDEO } = require('../dist/video/make-video');

describe('LFW dev identification with the gallery', function () {
  this.timeout(600000);
  let samples;

  before(async () => {
    const root = join(dataDir(), 'lfw', 'deepfunneled250');
    const landmarks = readLandmarks(join(dataDir(), 'lfw', 'landmarks-deepfunneled.txt'));
    const reid = await FaceReid.create({ modelDir: modelsDir(), config: { PERFORMANCE_HINT: 'THROUGHPUT' } });
    assert.equal(reid.embeddingModel, 'face-reidentification-retail-0095/FP16', 'the model key a gallery records');
    try {
      const keys = [...landmarks.keys()];
      samples = await Promise.all(keys.map(async (k) => ({ person: k.split('/')[0], source: k, embedding: await reid.embed(join(root, k), landmarks.get(k)) })));
    } finally {
      reid.close();
    }
  });

  it('closed set: one picture enrolled per person, the rest queried: rank-1 >= 0.97', async () => {
    const r = await closedSet(samples);
    console.log(`      closed set: ${r.identities} identities, ${r.queries} queries, rank-1 ${r.rank1.toFixed(4)}, rank-5 ${r.rank5.toFixed(4)}`);
    assert.ok(r.identities > 700);
    assert.ok(r.rank1 >= 0.97, `rank-1 ${r.rank1}`);
  });

  it(`open set at the default threshold (${DEFAULT_MATCH_THRESHOLD}): strangers Unknown >= 0.95, enrolled found >= 0.90`, async () => {
    const scores = await openSetScores(samples);
    console.log('      threshold  found(enrolled)  rejected(strangers)');
    for (const t of [0.3, 0.35, 0.4, DEFAULT_MATCH_THRESHOLD, 0.5, 0.55]) {
      const r = openSetAt(scores, t);
      console.log(`      ${t.toFixed(3).padStart(9)}  ${r.found.toFixed(4).padStart(15)}  ${r.rejected.toFixed(4).padStart(19)}`);
    }
    const r = openSetAt(scores, DEFAULT_MATCH_THRESHOLD);
    console.log(`      (${r.enrolledIdentities} enrolled identities, ${r.enrolledQueries} enrolled queries, ${r.strangerQueries} stranger queries)`);
    assert.ok(r.rejected >= 0.95, `strangers rejected ${r.rejected}`);
    assert.ok(r.found >= 0.9, `enrolled found ${r.found}`);
  });
});

describe('CLI: enroll, identify, gallery list, demo', function () {
  this.timeout(600000);
  const cli = (args) =>
    execFileSync(process.execPath, [join(projectRoot, 'dist', 'cli', 'main.js'), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FACE_REID_MODELS: modelsDir() },
    });

  it('enrolls <label>-<n>.jpg pictures, reruns skip them, and identify names a new picture of the same person', () => {
    const lfw = join(dataDir(), 'lfw', 'deepfunneled250');
    const dir = mkdtempSync(join(tmpdir(), 'face-reid-enroll-'));
    const people = ['Tony_Blair', 'David_Beckham', 'Jiang_Zemin'];
    for (const person of people) {
      readdirSync(join(lfw, person)).sort().slice(0, 2).forEach((f, i) => copyFileSync(join(lfw, person, f), join(dir, `${person}-${i + 1}.jpg`)));
    }
    const gallery = join(dir, 'gallery.sqlite');
    const first = JSON.parse(cli(['enroll', dir, '--gallery', gallery, '--json']));
    assert.equal(first.enrolled, 6);
    assert.equal(JSON.parse(cli(['enroll', dir, '--gallery', gallery, '--json'])).skipped, 6);
    const listed = JSON.parse(cli(['gallery', 'list', '--gallery', gallery, '--json']));
    assert.deepEqual(listed.map((i) => i.label).sort(), [...people].sort());
    const query = join(lfw, 'Tony_Blair', readdirSync(join(lfw, 'Tony_Blair')).sort()[5]);
    const out = join(outputDir('identify'), 'tony-blair.jpg');
    const report = JSON.parse(cli(['identify', query, '--gallery', gallery, '--out', out, '--json']));
    assert.equal(report[0].faces[0].label, 'Tony_Blair');
    assert.ok(existsSync(out));

    // Another precision makes other vectors: the gallery refuses them, naming both models.
    const run = (args) => spawnSync(process.execPath, [join(projectRoot, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8', env: { ...process.env, FACE_REID_MODELS: modelsDir() } });
    const int8 = run(['identify', query, '--gallery', gallery, '--precision', 'FP16-INT8']);
    assert.equal(int8.status, 1);
    assert.match(int8.stderr, /retail-0095\/FP16 embeddings .*retail-0095\/FP16-INT8.*\[GALLERY_MODEL_MISMATCH\]/);
    // A gallery in a folder that does not exist: named, typed, no stack trace.
    const nowhere = join(dir, 'no-such-folder', 'g.sqlite');
    const enrollNowhere = run(['enroll', dir, '--gallery', nowhere]);
    assert.equal(enrollNowhere.status, 1);
    assert.match(enrollNowhere.stderr, /no-such-folder does not exist \[GALLERY_NOT_FOUND\]/);
    assert.doesNotMatch(enrollNowhere.stderr, /\n\s+at /);
  });

  it('the demo enrolls four people and names them in a group photo with a stranger left Unknown, then watches a generated video', async () => {
    const out = outputDir('demo');
    const text = cli(['demo', '--out', out]);
    const videoLine = /enrolled from other pictures: (.+); strangers: (.+)/.exec(text);
    assert.ok(videoLine, text);
    const videoPeople = videoLine[1].split(', ');
    const gallery = await Gallery.open(join(out, 'demo-gallery.sqlite'), { readonly: true });
    try {
      const labels = (await gallery.list()).map((i) => i.label);
      assert.equal(labels.length, new Set([...labels]).size);
      for (const name of videoPeople) assert.ok(labels.includes(name), `${name} enrolled for the video`);
      assert.equal(labels.length, 4 + videoPeople.filter((n) => !text.split('\n')[0].includes(n)).length);
      assert.equal(gallery.model, 'face-reidentification-retail-0095/FP16');
    } finally {
      await gallery.close();
    }
    const named = text.split('\n').filter((l) => /^ {2}\S+ +similarity \d/.test(l));
    assert.equal(named.length, 5, text);
    assert.equal(named.filter((l) => l.trim().startsWith('Unknown')).length, 1, text);
    assert.ok(existsSync(join(out, 'identified.jpg')));

    // The stream part: events printed as they happen (the same as the events file), every one
    // matching its schema, the video's enrolled people named; a frame record per frame; the annotated video.
    const events = readFileSync(join(out, 'stream-events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const printed = text.split('\n').filter((l) => l.startsWith('{"type":"track.')).map((l) => JSON.parse(l));
    assert.deepEqual(printed, events);
    for (const e of events) assert.deepEqual(validate(EVENT_SCHEMAS[e.type], e), [], JSON.stringify(e));
    const named2 = new Set(events.filter((e) => e.type === 'track.identified' && e.kind === 'gallery').map((e) => e.label));
    assert.ok(videoPeople.every((n) => named2.has(n)), `named in the video: ${[...named2]}`);
    assert.ok(!videoLine[2].split(', ').some((n) => named2.has(n)), 'no stranger is named');
    const frames = readFileSync(join(out, 'stream-frames.jsonl'), 'utf8').trim().split('\n');
    assert.equal(frames.length, DEMO_VIDEO.seconds * DEMO_VIDEO.fps);
    assert.ok(statSync(join(out, 'stream-annotated.mp4')).size > 10000);
  });
});

describe('openGalleryFor: a gallery opened for a pipeline', function () {
  this.timeout(600000);
  const { FacePipeline, openGalleryFor } = require('../dist');

  it("records the pipeline's model; another pipeline's gallery refuses to open and that pipeline is closed too", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'face-reid-model-')), 'int8.sqlite');
    const photo = join(dataDir(), 'lfw', 'deepfunneled250', 'Aaron_Sorkin', 'Aaron_Sorkin_0001.jpg');
    const int8 = await FacePipeline.create({ modelDir: modelsDir(), reid: { precision: 'FP16-INT8' } });
    try {
      assert.equal(int8.embeddingModel, 'face-reidentification-retail-0095/FP16-INT8');
      const gallery = await openGalleryFor(int8, file);
      assert.equal(gallery.model, int8.embeddingModel);
      await gallery.close();
    } finally {
      await int8.close();
    }
    const fp16 = await FacePipeline.create({ modelDir: modelsDir() });
    await assert.rejects(openGalleryFor(fp16, file), (err) => err.code === 'GALLERY_MODEL_MISMATCH' && /FP16-INT8 embeddings but it was opened for face-reidentification-retail-0095\/FP16;/.test(err.message));
    await assert.rejects(fp16.analyze(photo), (err) => err.code === 'CLOSED');
  });
});

describe('enrolment with the real pipeline survives kill -9', function () {
  this.timeout(600000);
  const { openSqliteFile: Database } = require('./helpers/sqlite');
  const { spawn } = require('node:child_process');
  const { symlinkSync, readdirSync: ls } = require('node:fs');

  /** People in name order until `count` pictures are reached: <dir>/<person> links to the LFW folders. */
  function lfwFolder(count) {
    const lfw = join(dataDir(), 'lfw', 'deepfunneled250');
    const dir = mkdtempSync(join(tmpdir(), 'face-reid-kill-'));
    const expected = new Map();
    let total = 0;
    for (const person of ls(lfw).sort()) {
      if (total >= count) break;
      const n = ls(join(lfw, person)).length;
      symlinkSync(join(lfw, person), join(dir, person));
      expected.set(person, n);
      total += n;
    }
    return { dir, expected, total };
  }

  function enrollProcess(dir, gallery) {
    return spawn(process.execPath, [join(projectRoot, 'dist', 'cli', 'main.js'), 'enroll', dir, '--gallery', gallery, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FACE_REID_MODELS: modelsDir() },
    });
  }

  function storedCounts(gallery) {
    const db = new Database(gallery, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      return new Map(db.prepare('SELECT i.label AS label, COUNT(s.id) AS n FROM identities i LEFT JOIN samples s ON s.identity_id = i.id GROUP BY i.id').all().map((r) => [r.label, r.n]));
    } finally {
      db.close();
    }
  }

  it('1,000 LFW pictures: killed mid-way, the file opens, identities are whole or absent, a rerun completes the rest', async () => {
    const { dir, expected, total } = lfwFolder(1000);
    const gallery = join(dir, '..', `${require('node:path').basename(dir)}.sqlite`);
    const child = enrollProcess(dir, gallery);
    // Kill once a few hundred pictures are in: poll the file from this process (WAL allows readers).
    await new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        try {
          if (!existsSync(gallery)) return;
          const stored = [...storedCounts(gallery).values()].reduce((s, n) => s + n, 0);
          if (stored >= 300) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        } catch (err) {
          if (!/SQLITE_BUSY|no such table/.test(err.message)) reject(err);
        }
      }, 50);
      child.on('exit', (code, signal) => {
        clearInterval(timer);
        if (signal === 'SIGKILL') resolve();
        else reject(new Error(`enrolment finished before it could be killed (exit ${code})`));
      });
    });
    const afterKill = storedCounts(gallery);
    const storedAfterKill = [...afterKill.values()].reduce((s, n) => s + n, 0);
    console.log(`      killed with ${storedAfterKill} of ${total} pictures stored in ${afterKill.size} identities`);
    assert.ok(storedAfterKill > 0 && storedAfterKill < total);
    for (const [label, n] of afterKill) assert.equal(n, expected.get(label), `${label} is partial: ${n} of ${expected.get(label)}`);

    const rerun = enrollProcess(dir, gallery);
    let out = '';
    rerun.stdout.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => rerun.on('exit', resolve));
    assert.equal(code, 0);
    const result = JSON.parse(out);
    assert.equal(result.skipped, storedAfterKill);
    const final = storedCounts(gallery);
    const noFace = result.noFace.length;
    assert.equal([...final.values()].reduce((s, n) => s + n, 0) + noFace, total);
    assert.equal(final.size, expected.size);
  });
});
