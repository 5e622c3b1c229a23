'use strict';
// Identification against the real gallery on LFW dev (deep-funneled images, annotated landmarks,
// FP16), the enrol/identify CLI on real photos, and the bundled demo.
const assert = require('node:assert/strict');
const { mkdtempSync, mkdirSync, copyFileSync, existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { execFileSync } = require('node:child_process');
const { FaceReid } = require('../dist/reid');
const { readLandmarks } = require('../dist/eval/lfw-data');
const { closedSet, openSetScores, openSetAt } = require('../dist/eval/identification');
const { DEFAULT_MATCH_THRESHOLD, Gallery } = require('../dist/gallery');
const { modelsDir, dataDir, outputDir, projectRoot } = require('./helpers/env');

describe('LFW dev identification with the gallery', function () {
  this.timeout(600000);
  let samples;

  before(async () => {
    const root = join(dataDir(), 'lfw', 'deepfunneled250');
    const landmarks = readLandmarks(join(dataDir(), 'lfw', 'landmarks-deepfunneled.txt'));
    const reid = await FaceReid.create({ modelDir: modelsDir(), config: { PERFORMANCE_HINT: 'THROUGHPUT' } });
    try {
      const keys = [...landmarks.keys()];
      samples = await Promise.all(keys.map(async (k) => ({ person: k.split('/')[0], source: k, embedding: await reid.embed(join(root, k), landmarks.get(k)) })));
    } finally {
      reid.close();
    }
  });

  it('closed set: one picture enrolled per person, the rest queried: rank-1 >= 0.97', () => {
    const r = closedSet(samples);
    console.log(`      closed set: ${r.identities} identities, ${r.queries} queries, rank-1 ${r.rank1.toFixed(4)}, rank-5 ${r.rank5.toFixed(4)}`);
    assert.ok(r.identities > 700);
    assert.ok(r.rank1 >= 0.97, `rank-1 ${r.rank1}`);
  });

  it(`open set at the default threshold (${DEFAULT_MATCH_THRESHOLD}): strangers Unknown >= 0.95, enrolled found >= 0.90`, () => {
    const scores = openSetScores(samples);
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
  });

  it('the demo enrolls four people, and names them in a group photo with a stranger left Unknown', () => {
    const out = outputDir('demo');
    const text = cli(['demo', '--out', out]);
    const gallery = Gallery.open(join(out, 'demo-gallery.sqlite'), { readonly: true });
    try {
      assert.equal(gallery.count, 4);
    } finally {
      gallery.close();
    }
    const named = text.split('\n').filter((l) => /similarity/.test(l));
    assert.equal(named.length, 5, text);
    assert.equal(named.filter((l) => l.trim().startsWith('Unknown')).length, 1, text);
    assert.ok(existsSync(join(out, 'identified.jpg')));
  });
});
