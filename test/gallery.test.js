'use strict';
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const { mkdirSync, rmSync, writeFileSync, existsSync, readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const Database = require('better-sqlite3');
const sharp = require('sharp');
const { Gallery, enrollFolder, scanFolder, hungarian, DEFAULT_MATCH_THRESHOLD, EMBEDDING_SIZE, UNKNOWN } = require('../dist');
const { outputDir } = require('./helpers/env');
const { embeddingFromBytes, fakeEmbedFile } = require('./helpers/fake-embed');

const root = outputDir('gallery');
const CHILD = resolve(__dirname, 'fixtures', 'gallery-enroll-child.js');
const CLI = resolve(__dirname, '..', 'dist', 'cli', 'main.js');

const { rng } = require('./helpers/random');

function randomUnit(rand) {
  const v = new Float32Array(EMBEDDING_SIZE);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = rand() * 2 - 1;
    n += v[i] * v[i];
  }
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

/** Unit vector with the given coordinates on the first axes and the rest of the norm on axis `pad`. */
function vec(coords, pad = 200) {
  const v = new Float32Array(EMBEDDING_SIZE);
  let sq = 0;
  coords.forEach((c, i) => {
    v[i] = c;
    sq += c * c;
  });
  if (sq < 1) v[pad] = Math.sqrt(1 - sq);
  return v;
}

const axis = (i) => {
  const v = new Float32Array(EMBEDDING_SIZE);
  v[i] = 1;
  return v;
};

const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);

function freshFile(name) {
  const file = join(root, name);
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  return file;
}

function assertRejects(fn, check) {
  assert.throws(fn, (err) => {
    for (const [k, v] of Object.entries(check)) {
      if (k === 'type') assert.ok(err instanceof v, `expected ${v.name}, got ${err.constructor.name}: ${err.message}`);
      else if (v instanceof RegExp) assert.match(err[k], v);
      else assert.equal(err[k], v);
    }
    return true;
  });
}

/** Writes `count` tiny distinct pictures; returns {path,label}[] as enrollFolder will see them. */
async function makeImages(dir, identities, perIdentity, rand, { prefix = 'p' } = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const expected = new Map();
  const jobs = [];
  for (let i = 0; i < identities; i++) {
    const label = `${prefix}${String(i).padStart(4, '0')}`;
    const flat = i % 2 === 0; // mix both layouts
    if (!flat) mkdirSync(join(dir, label), { recursive: true });
    const paths = [];
    for (let n = 0; n < perIdentity; n++) {
      const pixels = Buffer.alloc(8 * 8 * 3);
      for (let b = 0; b < pixels.length; b++) pixels[b] = Math.floor(rand() * 256);
      const path = flat ? join(dir, `${label}-${n}.jpg`) : join(dir, label, `${n}.png`);
      const img = sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } });
      jobs.push((flat ? img.jpeg() : img.png()).toFile(path));
      paths.push(path);
    }
    expected.set(label, paths.sort());
  }
  await Promise.all(jobs);
  return expected;
}

/** Runs the child enroller; resolves with its DONE record or, if killAt is set, kills it there. */
function runChild(galleryPath, folder, { batch = 'identity', delayMs = 0, killAt, goFile, onReady } = {}) {
  return new Promise((resolvePromise, reject) => {
    const args = [CHILD, galleryPath, folder, batch, String(delayMs), ...(goFile ? [goFile] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let ready = false;
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (!ready && out.startsWith('READY\n')) {
        ready = true;
        onReady?.();
      }
      if (killAt !== undefined && !killed) {
        const last = out.lastIndexOf('\nP ');
        const done = last >= 0 ? parseInt(out.slice(last + 3), 10) : 0;
        if (done >= killAt) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const doneLine = out.split('\n').find((l) => l.startsWith('DONE '));
      if (killAt !== undefined) return resolvePromise({ killed: signal === 'SIGKILL', record: doneLine && JSON.parse(doneLine.slice(5)) });
      if (code !== 0 || !doneLine) return reject(new Error(`child exited ${code} ${signal}: ${err}`));
      resolvePromise(JSON.parse(doneLine.slice(5)));
    });
  });
}

/** Integrity, whole-or-absent identities, no duplicates, stored embeddings equal to the files'. */
function checkGallery(file, expected) {
  const raw = new Database(file, { readonly: true });
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  const dupes = raw.prepare('SELECT count(*) FROM (SELECT source FROM samples GROUP BY source HAVING count(*) > 1)').pluck().get();
  assert.equal(dupes, 0, 'a source is stored twice');
  const orphans = raw.prepare('SELECT count(*) FROM identities i WHERE NOT EXISTS (SELECT 1 FROM samples s WHERE s.identity_id = i.id)').pluck().get();
  assert.equal(orphans, 0, 'an identity without samples');
  raw.close();
  const g = Gallery.open(file, { readonly: true });
  try {
    const identities = g.list();
    for (const { label, samples } of identities) {
      const paths = expected.get(label);
      assert.ok(paths, `unexpected identity ${label}`);
      const stored = g.samples(label);
      assert.equal(samples, paths.length, `identity ${label} is partial: ${samples} of ${paths.length} samples`);
      assert.deepEqual(stored.map((s) => s.source).sort(), paths);
      for (const s of stored) {
        const want = embeddingFromBytes(readFileSync(s.source));
        const n = Math.sqrt(dot(want, want));
        assert.ok(Math.abs(dot(s.embedding, want) / n - 1) < 1e-5, `embedding of ${s.source} differs`);
      }
    }
    return { identities: identities.length, samples: g.sampleCount };
  } finally {
    g.close();
  }
}

describe('gallery', function () {
  before(() => mkdirSync(root, { recursive: true }));

  describe('store', function () {
    it('adds, lists, removes, and keeps meta and created', function () {
      const g = Gallery.open(':memory:');
      assert.equal(g.add('alice', axis(0), { source: 'a1.jpg', team: 'red' }), true);
      assert.equal(g.add('alice', axis(1), { source: 'a2.jpg' }), true);
      assert.equal(g.add('bob', Array.from(axis(2))), true);
      assert.equal(g.count, 2);
      assert.equal(g.sampleCount, 3);
      const list = g.list();
      assert.deepEqual(list.map((i) => [i.label, i.samples, i.meta]), [['alice', 2, { team: 'red' }], ['bob', 1, {}]]);
      assert.match(list[0].created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(g.hasSource('a2.jpg'));
      assert.ok(!g.hasSource('nope.jpg'));
      assert.ok(g.hasLabel('bob'));
      assert.equal(g.remove('alice'), true);
      assert.equal(g.remove('alice'), false);
      assert.equal(g.sampleCount, 1);
      assert.ok(!g.hasSource('a1.jpg'));
      g.close();
    });

    it('skips a sample whose (identity, source) is already stored', function () {
      const g = Gallery.open(':memory:');
      assert.equal(g.add('alice', axis(0), { source: 'a1.jpg' }), true);
      assert.equal(g.add('alice', axis(5), { source: 'a1.jpg' }), false);
      assert.equal(g.addMany([{ label: 'alice', embedding: axis(0), meta: { source: 'a1.jpg' } }, { label: 'bob', embedding: axis(1), meta: { source: 'b.jpg' } }]), 1);
      assert.equal(g.sampleCount, 2);
      assert.deepEqual(Array.from(g.samples('alice')[0].embedding), Array.from(axis(0)), 'the first sample was kept');
      g.close();
    });

    it('normalises embeddings on insert', function () {
      const g = Gallery.open(':memory:');
      const v = new Float32Array(EMBEDDING_SIZE).fill(3);
      g.add('x', v);
      const [s] = g.samples('x');
      assert.ok(Math.abs(dot(s.embedding, s.embedding) - 1) < 1e-6);
      assert.equal(v[0], 3, "the caller's array is not modified");
      g.close();
    });

    it('persists across close and reopen, and upgrades nothing that is current', function () {
      const file = freshFile('persist.db');
      const g = Gallery.open(file);
      g.addMany([
        { label: 'alice', embedding: axis(0), meta: { source: 's1', note: 1 } },
        { label: 'bob', embedding: axis(1), meta: { source: 's2' } },
      ]);
      g.close();
      assertRejects(() => g.list(), { code: 'CLOSED' });
      const again = Gallery.open(file);
      assert.deepEqual(again.list().map((i) => [i.label, i.samples, i.meta]), [['alice', 1, { note: 1 }], ['bob', 1, {}]]);
      assert.deepEqual(again.match(axis(1), { threshold: 0.9 }).map((m) => m.label), ['bob']);
      again.close();
      const raw = new Database(file, { readonly: true });
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(raw.pragma('user_version', { simple: true }), 1);
      raw.close();
    });

    it('read-only galleries read but refuse writes', function () {
      const file = freshFile('readonly.db');
      Gallery.open(file).close();
      const g = Gallery.open(file, { readonly: true });
      assert.deepEqual(g.list(), []);
      assertRejects(() => g.add('a', axis(0)), { code: 'GALLERY_ERROR', message: /read-only/ });
      g.close();
      assertRejects(() => Gallery.open(join(root, 'missing.db'), { readonly: true }), { code: 'GALLERY_ERROR' });
    });

    it('refuses files that are not galleries or are from a newer version', function () {
      const other = freshFile('other.db');
      const raw = new Database(other);
      raw.exec('CREATE TABLE t (x)');
      raw.close();
      assertRejects(() => Gallery.open(other), { code: 'GALLERY_SCHEMA_UNSUPPORTED' });
      const newer = freshFile('newer.db');
      Gallery.open(newer).close();
      const db = new Database(newer);
      db.pragma('user_version = 99');
      db.close();
      assertRejects(() => Gallery.open(newer), { code: 'GALLERY_SCHEMA_UNSUPPORTED', message: /99/ });
      const junk = freshFile('junk.db');
      writeFileSync(junk, 'this is not a database, just some text that is long enough to have a header'.repeat(20));
      assertRejects(() => Gallery.open(junk), { code: 'GALLERY_CORRUPT' });
    });
  });

  describe('validation', function () {
    const g = Gallery.open(':memory:');
    after(() => g.close());
    const bad = [
      ['a string embedding', () => g.add('a', 'x'), TypeError, 'ERR_INVALID_ARG_TYPE', /Expected a Float32Array or number\[\] of length 256 for items\[0\]\.embedding but received "x"/],
      ['a Float64Array', () => g.add('a', new Float64Array(256)), TypeError, 'ERR_INVALID_ARG_TYPE', /received a Float64Array of length 256/],
      ['a short embedding', () => g.add('a', new Float32Array(128)), RangeError, 'ERR_OUT_OF_RANGE', /received a Float32Array of length 128/],
      ['NaN inside', () => g.add('a', Object.assign(Array(256).fill(1), { 7: NaN })), RangeError, 'ERR_OUT_OF_RANGE', /\[7\] but received NaN/],
      ['a zero vector', () => g.add('a', new Float32Array(256)), RangeError, 'ERR_OUT_OF_RANGE', /non-zero, finite norm/],
      ['a number label', () => g.add(5, axis(0)), TypeError, 'ERR_INVALID_ARG_TYPE', /Expected a string for items\[0\]\.label but received 5/],
      ['an empty label', () => g.add('  ', axis(0)), RangeError, 'ERR_OUT_OF_RANGE', /label/],
      ['the label Unknown', () => g.add('Unknown', axis(0)), RangeError, 'ERR_OUT_OF_RANGE', /Unknown/],
      ['a numeric source', () => g.add('a', axis(0), { source: 3 }), TypeError, 'ERR_INVALID_ARG_TYPE', /meta\.source/],
      ['k = 0', () => g.match(axis(0), { k: 0 }), RangeError, 'ERR_OUT_OF_RANGE', /options\.k/],
      ['threshold 2', () => g.match(axis(0), { threshold: 2 }), RangeError, 'ERR_OUT_OF_RANGE', /options\.threshold/],
      ['a short query', () => g.match([1, 2, 3]), RangeError, 'ERR_OUT_OF_RANGE', /for embedding but received an array of length 3/],
    ];
    for (const [what, fn, type, code, message] of bad) {
      it(`rejects ${what}`, function () {
        assertRejects(fn, { type, code, message });
      });
    }

    it('writes nothing from addMany when one item is invalid', function () {
      assertRejects(() => g.addMany([{ label: 'ok', embedding: axis(0) }, { label: 'bad', embedding: [1] }]), { message: /items\[1\]\.embedding/ });
      assert.equal(g.sampleCount, 0);
    });
  });

  describe('match', function () {
    it('ranks identities by their best sample, honours k and threshold', function () {
      const g = Gallery.open(':memory:');
      g.add('a', vec([0.9, 0.1]));
      g.add('a', vec([0.2, 0.95])); // a's second sample is the closest to the query below
      g.add('b', vec([0.7, 0.6]));
      g.add('c', vec([0.1, 0.3]));
      g.add('d', axis(100));
      const q = vec([0, 1], 201);
      const all = g.match(q, { k: 10, threshold: -1 });
      assert.deepEqual(all.map((m) => m.label), ['a', 'b', 'c', 'd']);
      assert.ok(Math.abs(all[0].similarity - 0.95) < 1e-6);
      assert.ok(Math.abs(all[1].similarity - 0.6) < 1e-6);
      assert.deepEqual(g.match(q, { k: 2, threshold: -1 }).map((m) => m.label), ['a', 'b']);
      assert.deepEqual(g.match(q, { k: 3, threshold: 0.5 }).map((m) => m.label), ['a', 'b']);
      assert.deepEqual(g.match(q).map((m) => m.label), ['a'], `default k = 1, threshold ${DEFAULT_MATCH_THRESHOLD}`);
      assert.deepEqual(g.match(q, { threshold: 0.99 }), [], 'below threshold: Unknown');
      g.close();
    });

    it('returns [] on an empty gallery', function () {
      const g = Gallery.open(':memory:');
      assert.deepEqual(g.match(axis(0), { k: 5, threshold: -1 }), []);
      g.close();
    });

    it('WebAssembly SIMD and the JavaScript loop agree', function () {
      const rand = rng(7);
      const items = Array.from({ length: 3000 }, (_, i) => ({ label: `id${i % 1000}`, embedding: randomUnit(rand) }));
      const simd = Gallery.open(':memory:');
      const js = Gallery.open(':memory:', { kernel: 'js' });
      simd.addMany(items);
      js.addMany(items);
      assert.equal(js.kernel, 'js');
      assert.equal(simd.kernel, 'simd', 'this Node has WebAssembly SIMD');
      for (let t = 0; t < 20; t++) {
        const q = randomUnit(rand);
        const a = simd.match(q, { k: 5, threshold: -1 });
        const b = js.match(q, { k: 5, threshold: -1 });
        assert.deepEqual(a.map((m) => m.label), b.map((m) => m.label));
        a.forEach((m, i) => assert.ok(Math.abs(m.similarity - b[i].similarity) < 1e-5));
        // and both against a float64 reference over the raw items
        const best = new Map();
        const qn = Array.from(q);
        for (const it of items) best.set(it.label, Math.max(best.get(it.label) ?? -Infinity, dot(it.embedding, qn)));
        const ref = [...best.entries()].sort((x, y) => y[1] - x[1]).slice(0, 5);
        assert.deepEqual(a.map((m) => m.label), ref.map((r) => r[0]));
      }
      simd.close();
      js.close();
    });

    it('sees writes of another connection (data_version), appending or rebuilding', function () {
      const file = freshFile('two-connections.db');
      const reader = Gallery.open(file);
      const writer = Gallery.open(file);
      assert.deepEqual(reader.match(axis(3), { threshold: 0.9 }), []);
      writer.add('carol', axis(3));
      assert.deepEqual(reader.match(axis(3), { threshold: 0.9 }).map((m) => m.label), ['carol']);
      const afterAppend = reader.matrixStats;
      writer.add('dave', axis(4));
      assert.deepEqual(reader.match(axis(4), { threshold: 0.9 }).map((m) => m.label), ['dave']);
      assert.equal(reader.matrixStats.incrementalLoads, afterAppend.incrementalLoads + 1, 'an append is loaded incrementally');
      assert.equal(reader.matrixStats.fullLoads, afterAppend.fullLoads);
      writer.remove('carol');
      assert.deepEqual(reader.match(axis(3), { threshold: 0.9 }), []);
      assert.equal(reader.matrixStats.fullLoads, afterAppend.fullLoads + 1, 'a removal rebuilds');
      // and its own writes without another query in between
      reader.add('erin', axis(9));
      assert.deepEqual(reader.match(axis(9), { threshold: 0.9 }).map((m) => m.label), ['erin']);
      reader.close();
      writer.close();
    });
  });

  describe('assignment', function () {
    function bruteForce(cost, rows, cols) {
      let best = Infinity;
      const usedCols = new Array(cols).fill(false);
      const usedRows = new Array(rows).fill(false);
      // assign the smaller side completely
      if (rows <= cols) {
        (function rec(r, sum) {
          if (r === rows) return void (best = Math.min(best, sum));
          for (let c = 0; c < cols; c++) if (!usedCols[c]) {
            usedCols[c] = true;
            rec(r + 1, sum + cost[r * cols + c]);
            usedCols[c] = false;
          }
        })(0, 0);
      } else {
        (function rec(c, sum) {
          if (c === cols) return void (best = Math.min(best, sum));
          for (let r = 0; r < rows; r++) if (!usedRows[r]) {
            usedRows[r] = true;
            rec(c + 1, sum + cost[r * cols + c]);
            usedRows[r] = false;
          }
        })(0, 0);
      }
      return best;
    }

    it('Hungarian is optimal against brute force on random matrices', function () {
      const rand = rng(42);
      for (let trial = 0; trial < 400; trial++) {
        const rows = 1 + Math.floor(rand() * 6);
        const cols = 1 + Math.floor(rand() * 6);
        // integers make ties common, which stresses the algorithm's tie handling
        const cost = Array.from({ length: rows * cols }, () => (trial % 2 ? Math.floor(rand() * 5) : rand() * 2 - 0.5));
        const assignment = hungarian(cost, rows, cols);
        const taken = new Set();
        let sum = 0;
        let assigned = 0;
        assignment.forEach((c, r) => {
          if (c < 0) return;
          assert.ok(!taken.has(c), 'a column used twice');
          taken.add(c);
          sum += cost[r * cols + c];
          assigned++;
        });
        assert.equal(assigned, Math.min(rows, cols));
        assert.ok(Math.abs(sum - bruteForce(cost, rows, cols)) < 1e-9, `trial ${trial}: ${sum} vs optimum`);
      }
    });

    it('never gives two faces the same person where nearest-neighbour and greedy would go wrong', function () {
      const g = Gallery.open(':memory:');
      g.add('X', axis(0));
      g.add('Y', axis(1));
      // A: X 0.70, Y 0.60; B: X 0.65, Y 0.10. Both nearest to X; greedy gives A→X, B→Y (total 0.80);
      // the optimum is A→Y, B→X (total 1.25).
      const A = vec([0.7, 0.6], 2);
      const B = vec([0.65, 0.1], 3);
      assert.deepEqual(g.match(A).map((m) => m.label), ['X']);
      assert.deepEqual(g.match(B).map((m) => m.label), ['X']);
      const frame = g.matchFrame([A, B], { threshold: 0.5 });
      assert.deepEqual(frame.map((f) => f.label), ['Y', 'X']);
      assert.ok(Math.abs(frame[0].similarity - 0.6) < 1e-6 && Math.abs(frame[1].similarity - 0.65) < 1e-6);
      // a higher threshold turns the weaker assignment into Unknown, without moving B
      assert.deepEqual(g.matchFrame([A, B], { threshold: 0.62 }).map((f) => f.label), [UNKNOWN, 'X']);
      g.close();
    });

    it('reports Unknown for faces beyond the number of identities and on an empty gallery', function () {
      const g = Gallery.open(':memory:');
      assert.deepEqual(g.matchFrame([axis(0), axis(1)], { threshold: 0.5 }), [{ label: UNKNOWN, similarity: 0 }, { label: UNKNOWN, similarity: 0 }]);
      g.add('X', axis(0));
      const frame = g.matchFrame([vec([0.8], 5), vec([0.95], 6), axis(7)], { threshold: 0.5 });
      assert.deepEqual(frame.map((f) => f.label), [UNKNOWN, 'X', UNKNOWN]);
      assert.deepEqual(g.matchFrame([], {}), []);
      g.close();
    });

    it('stays optimal on a large gallery (column pruning) against a full Hungarian', function () {
      const rand = rng(3);
      const g = Gallery.open(':memory:');
      const ids = Array.from({ length: 300 }, () => randomUnit(rand));
      g.addMany(ids.map((e, i) => ({ label: `p${i}`, embedding: e })));
      for (let trial = 0; trial < 5; trial++) {
        // faces near a few shared identities so that they compete
        const faces = Array.from({ length: 4 }, () => {
          const base = ids[Math.floor(rand() * 3)];
          const noise = randomUnit(rand);
          return base.map((x, i) => x + 0.6 * noise[i]);
        });
        const frame = g.matchFrame(faces, { threshold: -1 });
        const units = faces.map((f) => f.map((x) => x / Math.sqrt(dot(f, f))));
        const cost = [];
        for (const f of units) for (const e of ids) cost.push(1 - dot(f, e));
        const full = hungarian(cost, faces.length, ids.length);
        let fullCost = 0;
        full.forEach((c, r) => (fullCost += cost[r * ids.length + c]));
        const got = frame.reduce((s, f) => s + 1 - f.similarity, 0);
        assert.ok(Math.abs(got - fullCost) < 1e-4, `${got} vs ${fullCost}`);
        assert.equal(new Set(frame.map((f) => f.label)).size, faces.length);
      }
      g.close();
    });
  });

  describe('enrolment', function () {
    it('scans both layouts, reports no-face and failures, and reruns skip everything', async function () {
      const dir = join(root, 'small-folder');
      const expected = await makeImages(dir, 4, 2, rng(1));
      writeFileSync(join(dir, 'notes.txt'), 'not a picture');
      await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).jpeg().toFile(join(dir, 'zed-noface.jpg'));
      await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).jpeg().toFile(join(dir, 'yan-broken.jpg'));
      const scanned = scanFolder(dir);
      assert.deepEqual([...new Set(scanned.map((e) => e.label))], ['p0000', 'p0001', 'p0002', 'p0003', 'yan', 'zed']);
      const g = Gallery.open(':memory:');
      const progress = [];
      const first = await enrollFolder(g, dir, fakeEmbedFile(), { onProgress: (p) => progress.push(p) });
      assert.equal(first.enrolled, 8);
      assert.equal(first.skipped, 0);
      assert.deepEqual(first.noFace, [join(dir, 'zed-noface.jpg')]);
      assert.deepEqual(first.failed, [{ path: join(dir, 'yan-broken.jpg'), error: 'cannot decode' }]);
      assert.equal(progress.length, 10);
      assert.deepEqual(progress.map((p) => p.done), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (const [label, paths] of expected) assert.deepEqual(g.samples(label).map((s) => s.source).sort(), paths);
      const again = await enrollFolder(g, dir, fakeEmbedFile());
      assert.deepEqual({ enrolled: again.enrolled, skipped: again.skipped }, { enrolled: 0, skipped: 8 });
      assert.equal(g.sampleCount, 8);
      g.close();
    });

    it('survives SIGKILL mid-way: intact file, whole identities, rerun completes without duplicates', async function () {
      this.timeout(180000);
      const dir = join(root, 'crash-folder');
      const expected = await makeImages(dir, 250, 4, rng(11));
      const file = freshFile('crash.db');
      const kills = [];
      for (const killAt of [250, 600]) {
        const { killed } = await runChild(file, dir, { killAt, delayMs: 2 });
        assert.ok(killed, `the child finished before it could be killed at ${killAt}`);
        const state = checkGallery(file, expected);
        assert.ok(state.samples < 1000, 'the kill came before the end');
        kills.push(state);
      }
      assert.ok(kills[0].samples > 0 && kills[1].samples > kills[0].samples, `progress across kills: ${JSON.stringify(kills)}`);
      const rerun = await runChild(file, dir);
      assert.equal(rerun.enrolled + rerun.skipped, 1000);
      assert.equal(rerun.skipped, kills[1].samples, 'the rerun skipped exactly what was stored');
      assert.deepEqual(checkGallery(file, expected), { identities: 250, samples: 1000 });
    });

    it('two processes enrolling into one new file at once lose nothing and duplicate nothing', async function () {
      this.timeout(180000);
      const rand = rng(5);
      const dirA = join(root, 'concurrent-a');
      const dirB = join(root, 'concurrent-b');
      const expectedA = await makeImages(dirA, 100, 3, rand, { prefix: 'a' });
      const expectedB = await makeImages(dirB, 100, 3, rand, { prefix: 'b' });
      const expected = new Map([...expectedA, ...expectedB]);

      // Both open the new file at once (racing to create the schema), then wait at a barrier so
      // that their enrolments overlap however slowly either process started.
      const separate = freshFile('concurrent-separate.db');
      const go = join(root, 'concurrent-go');
      rmSync(go, { force: true });
      let readyCount = 0;
      const onReady = () => ++readyCount === 2 && writeFileSync(go, '');
      const [a, b] = await Promise.all([
        runChild(separate, dirA, { batch: 'image', delayMs: 1, goFile: go, onReady }),
        runChild(separate, dirB, { batch: 'image', delayMs: 1, goFile: go, onReady }),
      ]);
      assert.ok(a.start < b.end && b.start < a.end, 'the two enrolments overlapped in time');
      assert.equal(a.enrolled + b.enrolled, 600);
      assert.deepEqual(checkGallery(separate, expected), { identities: 200, samples: 600 });

      // Both on the same folder: every picture stored exactly once, whoever got it first.
      const same = freshFile('concurrent-same.db');
      const [c, d] = await Promise.all([runChild(same, dirA, { batch: 'image' }), runChild(same, dirA, { batch: 'image' })]);
      assert.equal(c.enrolled + d.enrolled, 300);
      assert.deepEqual(checkGallery(same, expectedA), { identities: 100, samples: 300 });
    });
  });

  describe('cli', function () {
    it('lists (text and JSON) and removes', function () {
      const file = freshFile('cli.db');
      const g = Gallery.open(file);
      g.add('alice', axis(0), { source: 'a' });
      g.add('alice', axis(1), { source: 'b' });
      g.add('bob', axis(2));
      g.close();
      const cli = (...args) => spawnSync(process.execPath, [CLI, 'gallery', ...args], { encoding: 'utf8' });
      const text = cli('list', '--gallery', file);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /alice\s+2/);
      assert.match(text.stdout, /2 identities, 3 samples/);
      const json = cli('list', '--gallery', file, '--json');
      assert.deepEqual(JSON.parse(json.stdout).map((i) => [i.label, i.samples]), [['alice', 2], ['bob', 1]]);
      const removed = cli('remove', 'alice', '--gallery', file);
      assert.equal(removed.status, 0, removed.stderr);
      assert.deepEqual(JSON.parse(cli('list', '--gallery', file, '--json').stdout).map((i) => i.label), ['bob']);
      const missing = cli('remove', 'alice', '--gallery', file);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /no identity "alice"/);
      assert.equal(cli('list').status, 2);
      assert.equal(cli('list', '--gallery', join(root, 'absent.db')).status, 1);
      assert.ok(!existsSync(join(root, 'absent.db')), 'list does not create a file');
    });
  });
});
