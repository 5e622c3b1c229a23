'use strict';
// The gallery: the backend-independent contract runs once per backend (test/helpers/backends.js);
// the in-memory matrix and the assignment alone; then what only SQLite has (schema migration,
// WAL, several processes on one file, its paths) and the gallery CLI.
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const { mkdirSync, rmSync, writeFileSync, existsSync, readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { hostname } = require('node:os');
// Raw access to the files goes through the store's own driver layer, so this suite runs on
// node:sqlite and on better-sqlite3 alike (FACE_REID_SQLITE_DRIVER picks one).
const { openSqlite } = require('../dist/gallery/stores/sqlite-driver');

function Database(file, options = {}) {
  return openSqlite(file, options);
}
const sharp = require('sharp');
const { Gallery, enrollFolder, scanFolder, hungarian, DEFAULT_MATCH_THRESHOLD, DEFAULT_EMBEDDING_MODEL, EMBEDDING_SIZE, UNKNOWN } = require('../dist');
const { EmbeddingMatrix } = require('../dist/gallery/matrix');
const { SCHEMA_V1_SQL } = require('../dist/gallery/stores/sqlite-schema');
const { outputDir } = require('./helpers/env');
const { embeddingFromBytes, fakeEmbedFile } = require('./helpers/fake-embed');
const { rng } = require('./helpers/random');
const { randomUnit, vec, axis, dot, matches } = require('./helpers/vectors');
const { backends } = require('./helpers/backends');

const root = outputDir('gallery');
const CHILD = resolve(__dirname, 'fixtures', 'gallery-enroll-child.js');
const CLI = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
const FP32 = 'face-reidentification-retail-0095/FP32';

function freshFile(name) {
  const file = join(root, name);
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  return file;
}

/** The bytes of a unit vector as a matrix row stores them. */
const bytesOf = (v) => new Uint8Array(Float32Array.from(v).buffer);

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
async function checkGallery(file, expected) {
  const raw = new Database(file, { readonly: true });
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  const dupes = raw.prepare('SELECT count(*) FROM (SELECT source FROM samples GROUP BY source HAVING count(*) > 1)').pluck().get();
  assert.equal(dupes, 0, 'a source is stored twice');
  const orphans = raw.prepare('SELECT count(*) FROM identities i WHERE NOT EXISTS (SELECT 1 FROM samples s WHERE s.identity_id = i.id)').pluck().get();
  assert.equal(orphans, 0, 'an identity without samples');
  raw.close();
  const g = await Gallery.open(file, { readonly: true });
  try {
    const identities = await g.list();
    for (const { label, samples } of identities) {
      const paths = expected.get(label);
      assert.ok(paths, `unexpected identity ${label}`);
      const stored = await g.samples(label);
      assert.equal(samples, paths.length, `identity ${label} is partial: ${samples} of ${paths.length} samples`);
      assert.deepEqual(stored.map((s) => s.source).sort(), paths);
      for (const s of stored) {
        const want = embeddingFromBytes(readFileSync(s.source));
        const n = Math.sqrt(dot(want, want));
        assert.ok(Math.abs(dot(s.embedding, want) / n - 1) < 1e-5, `embedding of ${s.source} differs`);
      }
    }
    return { identities: identities.length, samples: await g.sampleCount() };
  } finally {
    await g.close();
  }
}

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

/** Everything a gallery promises whatever its backend. */
function contract(backend) {
  describe(`gallery on ${backend.name}`, function () {
    this.timeout(120000);
    before(() => backend.setup());
    after(() => backend.teardown());
    const open = (options, location) => backend.open(options, location);

    describe('store', function () {
      it('adds, lists, removes, and keeps meta and created', async function () {
        const g = await open();
        assert.equal(await g.add('alice', axis(0), { source: 'a1.jpg', team: 'red' }), 'stored');
        assert.equal(await g.add('alice', axis(1), { source: 'a2.jpg' }), 'stored');
        assert.equal(await g.add('bob', Array.from(axis(2))), 'stored');
        assert.equal(await g.count(), 2);
        assert.equal(await g.sampleCount(), 3);
        const list = await g.list();
        assert.deepEqual(list.map((i) => [i.label, i.samples, i.meta]), [['alice', 2, { team: 'red' }], ['bob', 1, {}]]);
        assert.match(list[0].created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.ok(await g.hasSource('a2.jpg'));
        assert.ok(!(await g.hasSource('nope.jpg')));
        assert.ok(await g.hasLabel('bob'));
        assert.ok(!(await g.hasLabel('carol')));
        assert.equal(await g.remove('alice'), 'removed');
        assert.equal(await g.remove('alice'), 'absent');
        assert.equal(await g.sampleCount(), 1);
        assert.ok(!(await g.hasSource('a1.jpg')));
        assert.deepEqual(await g.samples('alice'), []);
        await g.close();
      });

      it('skips a sample whose (identity, source) is already stored', async function () {
        const g = await open();
        assert.equal(await g.add('alice', axis(0), { source: 'a1.jpg' }), 'stored');
        assert.equal(await g.add('alice', axis(5), { source: 'a1.jpg' }), 'duplicate');
        const result = await g.addMany([{ label: 'alice', embedding: axis(0), meta: { source: 'a1.jpg' } }, { label: 'bob', embedding: axis(1), meta: { source: 'b.jpg' } }]);
        assert.deepEqual(result, { stored: 1, duplicates: 1, queued: 0 });
        // The key is per identity: another person may have a sample from the same picture (a group photo).
        assert.equal(await g.add('carol', axis(7), { source: 'a1.jpg' }), 'stored');
        assert.equal(await g.sampleCount(), 3);
        assert.deepEqual(Array.from((await g.samples('alice'))[0].embedding), Array.from(axis(0)), 'the first sample was kept');
        assert.deepEqual(await g.addMany([]), { stored: 0, duplicates: 0, queued: 0 });
        await g.close();
      });

      it('normalises embeddings on insert and records the model of every sample', async function () {
        const g = await open();
        const v = new Float32Array(EMBEDDING_SIZE).fill(3);
        await g.add('x', v);
        const [s] = await g.samples('x');
        assert.ok(Math.abs(dot(s.embedding, s.embedding) - 1) < 1e-6);
        assert.equal(v[0], 3, "the caller's array is not modified");
        assert.equal(s.model, DEFAULT_EMBEDDING_MODEL);
        assert.equal(g.model, DEFAULT_EMBEDDING_MODEL);
        assert.match(s.created, /Z$/);
        await g.close();
      });

      it('persists across close and reopen', async function () {
        const location = await backend.fresh('persist');
        const g = await open({}, location);
        await g.addMany([
          { label: 'alice', embedding: axis(0), meta: { source: 's1', note: 1 } },
          { label: 'bob', embedding: axis(1), meta: { source: 's2' } },
        ]);
        await g.close();
        const again = await open({}, location);
        assert.deepEqual((await again.list()).map((i) => [i.label, i.samples, i.meta]), [['alice', 1, { note: 1 }], ['bob', 1, {}]]);
        assert.deepEqual(again.match(axis(1), { threshold: 0.9 }).map((m) => m.label), ['bob']);
        await again.close();
      });

      it('read-only galleries read but refuse writes', async function () {
        const location = await backend.fresh('readonly');
        const w = await open({}, location);
        await w.add('a', axis(0));
        await w.close();
        const g = await open({ readonly: true }, location);
        assert.deepEqual((await g.list()).map((i) => i.label), ['a']);
        assert.deepEqual(g.match(axis(0)).map((m) => m.label), ['a']);
        await assert.rejects(g.add('b', axis(1)), matches({ code: 'GALLERY_ERROR', message: /read-only/ }));
        await assert.rejects(g.remove('a'), matches({ code: 'GALLERY_ERROR', message: /read-only/ }));
        await assert.rejects(g.sightings.record({ source: 'cam', label: 'a', similarity: 0.9 }), matches({ code: 'GALLERY_ERROR', message: /read-only/ }));
        assert.equal(await g.count(), 1);
        await g.close();
      });

      it('reports its status and location', async function () {
        const g = await open();
        assert.equal(g.backend, backend.name);
        assert.equal(typeof g.location, 'string');
        await g.add('a', axis(0));
        await g.synced();
        const s = g.status;
        assert.deepEqual({ backend: s.backend, state: s.state, outbox: s.outbox, search: s.search }, { backend: backend.name, state: 'connected', outbox: 0, search: 'local' });
        assert.ok(Number.isInteger(s.seq) && s.seq > 0, `seq ${s.seq}`);
        await g.close();
      });
    });

    describe('closing', function () {
      it('refuses every call once closed, with CLOSED; close is idempotent', async function () {
        const g = await open();
        await g.add('a', axis(0));
        assert.equal(g.isOpen, true);
        await g.close();
        await g.close();
        assert.equal(g.isOpen, false);
        const closed = matches({ code: 'CLOSED' });
        assert.throws(() => g.match(axis(0)), closed);
        assert.throws(() => g.matchFrame([axis(0)]), closed);
        assert.throws(() => g.status, closed);
        for (const call of [
          () => g.add('b', axis(1)),
          () => g.addMany([{ label: 'b', embedding: axis(1) }]),
          () => g.remove('a'),
          () => g.list(),
          () => g.samples('a'),
          () => g.hasSource('x'),
          () => g.hasLabel('a'),
          () => g.count(),
          () => g.sampleCount(),
          () => g.search(axis(0)),
          () => g.searchFrame([axis(0)]),
          () => g.synced(),
          () => g.sightings.record({ source: 'cam', label: 'a', similarity: 1 }),
          () => g.sightings.query(),
          () => g.sightings.prune({ olderThanDays: 1 }),
          () => g.keys.list(),
        ]) {
          await assert.rejects(call(), closed, call.toString());
        }
      });
    });

    describe('validation', function () {
      let g;
      before(async () => (g = await open()));
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
        ['meta that is not an object', () => g.add('a', axis(0), 'team'), TypeError, 'ERR_INVALID_ARG_TYPE', /items\[0\]\.meta/],
        ['items that are not an array', () => g.addMany({ label: 'a' }), TypeError, 'ERR_INVALID_ARG_TYPE', /for items/],
        ['a malformed model', () => g.add('a', axis(0), {}, { model: 'FP16' }), RangeError, 'ERR_OUT_OF_RANGE', /items\[0\]\.model/],
        ['a number label to remove', () => g.remove(3), TypeError, 'ERR_INVALID_ARG_TYPE', /for label/],
        ['a number source', () => g.hasSource(3), TypeError, 'ERR_INVALID_ARG_TYPE', /for source/],
        ['k = 0', () => g.match(axis(0), { k: 0 }), RangeError, 'ERR_OUT_OF_RANGE', /options\.k/],
        ['threshold 2', () => g.match(axis(0), { threshold: 2 }), RangeError, 'ERR_OUT_OF_RANGE', /options\.threshold/],
        ['a short query', () => g.match([1, 2, 3]), RangeError, 'ERR_OUT_OF_RANGE', /for embedding but received an array of length 3/],
        ['a frame that is not an array', () => g.matchFrame(axis(0)), TypeError, 'ERR_INVALID_ARG_TYPE', /for embeddings/],
        ['a bad face in a frame', () => g.matchFrame([axis(0), [1]]), RangeError, 'ERR_OUT_OF_RANGE', /embeddings\[1\]/],
        ['k = 1.5 in search', () => g.search(axis(0), { k: 1.5 }), RangeError, 'ERR_OUT_OF_RANGE', /options\.k/],
      ];
      for (const [what, fn, type, code, message] of bad) {
        it(`rejects ${what}`, async function () {
          // Synchronous calls throw; async ones reject: both with the same typed error.
          let outcome;
          try {
            outcome = fn();
          } catch (err) {
            return void matches({ type, code, message })(err);
          }
          await assert.rejects(outcome, matches({ type, code, message }));
        });
      }

      it('writes nothing from addMany when one item is invalid', async function () {
        await assert.rejects(g.addMany([{ label: 'ok', embedding: axis(0) }, { label: 'bad', embedding: [1] }]), matches({ message: /items\[1\]\.embedding/ }));
        assert.equal(await g.sampleCount(), 0);
      });
    });

    describe('match and search', function () {
      it('ranks identities by their best sample, honours k and threshold, in both match and search', async function () {
        const g = await open();
        await g.add('a', vec([0.9, 0.1]));
        await g.add('a', vec([0.2, 0.95])); // a's second sample is the closest to the query below
        await g.add('b', vec([0.7, 0.6]));
        await g.add('c', vec([0.1, 0.3]));
        await g.add('d', axis(100));
        const q = vec([0, 1], 201);
        const all = g.match(q, { k: 10, threshold: -1 });
        assert.deepEqual(all.map((m) => m.label), ['a', 'b', 'c', 'd']);
        assert.ok(Math.abs(all[0].similarity - 0.95) < 1e-6);
        assert.ok(Math.abs(all[1].similarity - 0.6) < 1e-6);
        assert.deepEqual(g.match(q, { k: 2, threshold: -1 }).map((m) => m.label), ['a', 'b']);
        assert.deepEqual(g.match(q, { k: 3, threshold: 0.5 }).map((m) => m.label), ['a', 'b']);
        assert.deepEqual(g.match(q).map((m) => m.label), ['a'], `default k = 1, threshold ${DEFAULT_MATCH_THRESHOLD}`);
        assert.deepEqual(g.match(q, { threshold: 0.99 }), [], 'below threshold: Unknown');
        assert.deepEqual(await g.search(q, { k: 10, threshold: -1 }), all, 'search in local mode is match');
        await g.close();
      });

      it('returns [] on an empty gallery', async function () {
        const g = await open();
        assert.deepEqual(g.match(axis(0), { k: 5, threshold: -1 }), []);
        assert.deepEqual(await g.search(axis(0), { k: 5, threshold: -1 }), []);
        await g.close();
      });

      it('WebAssembly SIMD and the JavaScript loop agree, and agree with a float64 reference', async function () {
        // 6000 samples: on PostgreSQL each one is an HNSW insertion (about 1 ms on a quiet core, 15 ms on a loaded one).
        this.timeout(600000);
        const rand = rng(7);
        const items = Array.from({ length: 3000 }, (_, i) => ({ label: `id${i % 1000}`, embedding: randomUnit(rand) }));
        const simd = await open();
        const js = await open({ kernel: 'js' });
        await simd.addMany(items);
        await js.addMany(items);
        assert.equal(js.kernel, 'js');
        assert.equal(simd.kernel, 'simd', 'this Node has WebAssembly SIMD');
        for (let t = 0; t < 20; t++) {
          const q = randomUnit(rand);
          const a = simd.match(q, { k: 5, threshold: -1 });
          const b = js.match(q, { k: 5, threshold: -1 });
          assert.deepEqual(a.map((m) => m.label), b.map((m) => m.label));
          a.forEach((m, i) => assert.ok(Math.abs(m.similarity - b[i].similarity) < 1e-5));
          const best = new Map();
          const qn = Array.from(q);
          for (const it of items) best.set(it.label, Math.max(best.get(it.label) ?? -Infinity, dot(it.embedding, qn)));
          const ref = [...best.entries()].sort((x, y) => y[1] - x[1]).slice(0, 5);
          assert.deepEqual(a.map((m) => m.label), ref.map((r) => r[0]));
        }
        await simd.close();
        await js.close();
      });

      it("follows another connection's enrolments and removals", async function () {
        const location = await backend.fresh('two-connections');
        const reader = await open({}, location);
        const writer = await open({}, location);
        assert.deepEqual(reader.match(axis(3), { threshold: 0.9 }), []);
        await writer.add('carol', axis(3));
        await reader.synced();
        assert.deepEqual(reader.match(axis(3), { threshold: 0.9 }).map((m) => m.label), ['carol']);
        await writer.add('dave', axis(4));
        await writer.add('carol', axis(5));
        await reader.synced();
        assert.deepEqual(reader.match(axis(4), { threshold: 0.9 }).map((m) => m.label), ['dave']);
        assert.deepEqual(reader.match(axis(5), { threshold: 0.9 }).map((m) => m.label), ['carol']);
        await writer.remove('carol');
        await reader.synced();
        assert.deepEqual(reader.match(axis(3), { threshold: 0.9 }), [], 'every sample of a removed identity is gone');
        assert.deepEqual(reader.match(axis(5), { threshold: 0.9 }), []);
        assert.deepEqual(reader.match(axis(4), { threshold: 0.9 }).map((m) => m.label), ['dave']);
        // and its own writes without another query in between
        await reader.add('erin', axis(9));
        assert.deepEqual(reader.match(axis(9), { threshold: 0.9 }).map((m) => m.label), ['erin']);
        await reader.remove('dave');
        assert.deepEqual(reader.match(axis(4), { threshold: 0.9 }), []);
        assert.deepEqual(reader.match(axis(9), { threshold: 0.9 }).map((m) => m.label), ['erin']);
        await reader.close();
        await writer.close();
      });

      it('matches exactly what is stored after many removals (the matrix compacts in place)', async function () {
        const rand = rng(21);
        const g = await open();
        const people = Array.from({ length: 60 }, (_, i) => ({ label: `p${i}`, samples: [randomUnit(rand), randomUnit(rand)] }));
        await g.addMany(people.flatMap((p) => p.samples.map((embedding) => ({ label: p.label, embedding }))));
        g.match(axis(0)); // loads the matrix
        const kept = people.filter((_, i) => i % 3 !== 0);
        for (const p of people.filter((_, i) => i % 3 === 0)) assert.equal(await g.remove(p.label), 'removed');
        for (let t = 0; t < 10; t++) {
          const q = randomUnit(rand);
          const best = kept.map((p) => [p.label, Math.max(...p.samples.map((s) => dot(s, q)))]).sort((a, b) => b[1] - a[1]);
          const got = g.match(q, { k: 5, threshold: -1 });
          assert.deepEqual(got.map((m) => m.label), best.slice(0, 5).map((b) => b[0]));
          got.forEach((m, i) => assert.ok(Math.abs(m.similarity - best[i][1]) < 1e-5));
        }
        await g.close();
      });
    });

    describe('assignment', function () {
      it('never gives two faces the same person where nearest-neighbour and greedy would go wrong', async function () {
        const g = await open();
        await g.add('X', axis(0));
        await g.add('Y', axis(1));
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
        assert.deepEqual(await g.searchFrame([A, B], { threshold: 0.5 }), frame);
        await g.close();
      });

      it('reports Unknown for faces beyond the number of identities and on an empty gallery', async function () {
        const g = await open();
        assert.deepEqual(g.matchFrame([axis(0), axis(1)], { threshold: 0.5 }), [{ label: UNKNOWN, similarity: 0 }, { label: UNKNOWN, similarity: 0 }]);
        await g.add('X', axis(0));
        const frame = g.matchFrame([vec([0.8], 5), vec([0.95], 6), axis(7)], { threshold: 0.5 });
        assert.deepEqual(frame.map((f) => f.label), [UNKNOWN, 'X', UNKNOWN]);
        assert.deepEqual(g.matchFrame([], {}), []);
        assert.deepEqual(await g.searchFrame([], {}), []);
        await g.close();
      });

      it('stays optimal on a large gallery (column pruning) against a full Hungarian', async function () {
        const rand = rng(3);
        const g = await open();
        const ids = Array.from({ length: 300 }, () => randomUnit(rand));
        await g.addMany(ids.map((e, i) => ({ label: `p${i}`, embedding: e })));
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
          assert.deepEqual(await g.searchFrame(faces, { threshold: -1 }), frame);
        }
        await g.close();
      });
    });

    describe('model tagging', function () {
      it('refuses samples and queries of another model, naming both', async function () {
        const g = await open();
        assert.equal(await g.add('a', axis(0), {}, { model: DEFAULT_EMBEDDING_MODEL }), 'stored', 'its own model is welcome');
        const mismatch = matches({ code: 'GALLERY_MODEL_MISMATCH', message: new RegExp(`${DEFAULT_EMBEDDING_MODEL}.*${FP32}`) });
        await assert.rejects(g.add('b', axis(1), {}, { model: FP32 }), mismatch);
        await assert.rejects(g.addMany([{ label: 'c', embedding: axis(2) }, { label: 'b', embedding: axis(1), model: FP32 }]), mismatch);
        assert.equal(await g.sampleCount(), 1, 'nothing of the refused batch was written');
        assert.throws(() => g.match(axis(0), { model: FP32 }), mismatch);
        assert.throws(() => g.matchFrame([axis(0)], { model: FP32 }), mismatch);
        await assert.rejects(g.search(axis(0), { model: FP32 }), mismatch);
        await assert.rejects(g.searchFrame([axis(0)], { model: FP32 }), mismatch);
        assert.deepEqual(g.match(axis(0), { model: DEFAULT_EMBEDDING_MODEL }).map((m) => m.label), ['a']);
        await g.close();
      });

      it('records the model a new gallery was opened for, and refuses to reopen it for another', async function () {
        const location = await backend.fresh('model');
        const g = await open({ model: FP32 }, location);
        assert.equal(g.model, FP32);
        await g.add('a', axis(0));
        assert.equal((await g.samples('a'))[0].model, FP32);
        await assert.rejects(g.add('b', axis(1), {}, { model: DEFAULT_EMBEDDING_MODEL }), matches({ code: 'GALLERY_MODEL_MISMATCH' }));
        await g.close();
        await assert.rejects(open({ model: DEFAULT_EMBEDDING_MODEL }, location), matches({ code: 'GALLERY_MODEL_MISMATCH', message: /FP32.*FP16/ }));
        const adopted = await open({}, location);
        assert.equal(adopted.model, FP32, 'no model named: the stored one');
        await adopted.close();
      });
    });

    describe('sightings', function () {
      const at = (minutesAgo) => new Date(Date.now() - minutesAgo * 60_000);

      it('records, queries by label, source and time range (newest first), and prunes by age', async function () {
        const g = await open({ node: 'door-1' });
        await g.sightings.record({ at: at(3 * 24 * 60), source: 'cam-a', label: 'alice', similarity: 0.8 });
        await g.sightings.record([
          { at: at(30).toISOString(), source: 'cam-a', label: 'alice', similarity: 0.7, box: { x: 1, y: 2, width: 30, height: 40 }, track: 't1' },
          { at: at(20), node: 'door-2', source: 'cam-b', label: 'Unknown', similarity: 0.2 },
          { source: 'cam-b', label: 'alice', similarity: 0.9 },
        ]);
        const all = await g.sightings.query();
        assert.equal(all.length, 4);
        assert.deepEqual(all.map((s) => s.similarity), [0.9, 0.2, 0.7, 0.8], 'newest first');
        assert.deepEqual(all[2], { at: all[2].at, node: 'door-1', source: 'cam-a', label: 'alice', similarity: 0.7, box: { x: 1, y: 2, width: 30, height: 40 }, track: 't1' });
        assert.equal(all[1].node, 'door-2');
        assert.match(all[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.deepEqual((await g.sightings.query({ label: 'alice' })).map((s) => s.similarity), [0.9, 0.7, 0.8]);
        assert.deepEqual((await g.sightings.query({ source: 'cam-b' })).map((s) => s.label), ['alice', 'Unknown']);
        assert.deepEqual((await g.sightings.query({ label: 'alice', from: at(60), to: at(10) })).map((s) => s.similarity), [0.7]);
        assert.deepEqual((await g.sightings.query({ from: at(25).toISOString() })).map((s) => s.similarity), [0.9, 0.2]);
        assert.equal((await g.sightings.query({ limit: 2 })).length, 2);
        assert.equal(await g.sightings.prune({ olderThanDays: 1 }), 1);
        assert.equal((await g.sightings.query()).length, 3);
        assert.equal(await g.sightings.prune({ olderThanDays: 1 }), 0);
        await g.close();
        const unnamed = await open();
        await unnamed.sightings.record({ source: 'cam', label: 'a', similarity: 0.5 });
        assert.equal((await unnamed.sightings.query())[0].node, hostname(), 'the node defaults to the host name');
        await unnamed.close();
      });

      it('forgets a person: remove() deletes the identity, every sample and every sighting under the label', async function () {
        const g = await open();
        await g.addMany([
          { label: 'alice', embedding: axis(0), meta: { source: 'a1' } },
          { label: 'alice', embedding: axis(1), meta: { source: 'a2' } },
          { label: 'bob', embedding: axis(2) },
        ]);
        await g.sightings.record([
          { source: 'cam', label: 'alice', similarity: 0.9 },
          { source: 'cam', label: 'bob', similarity: 0.8 },
          { source: 'cam', label: 'alice', similarity: 0.7 },
        ]);
        assert.equal(await g.remove('alice'), 'removed');
        assert.deepEqual(await g.samples('alice'), []);
        assert.ok(!(await g.hasLabel('alice')));
        assert.ok(!(await g.hasSource('a1')) && !(await g.hasSource('a2')));
        assert.deepEqual(await g.sightings.query({ label: 'alice' }), []);
        assert.deepEqual((await g.sightings.query()).map((s) => s.label), ['bob']);
        assert.deepEqual(g.match(axis(0), { threshold: 0.5 }), []);
        assert.deepEqual(g.match(axis(1), { threshold: 0.5 }), []);
        // Sightings of someone never enrolled (a visitor id) go too.
        await g.sightings.record({ source: 'cam', label: 'visitor-7', similarity: 0.3 });
        assert.equal(await g.remove('visitor-7'), 'removed');
        assert.deepEqual(await g.sightings.query({ label: 'visitor-7' }), []);
        await g.close();
      });

      it('rejects malformed sightings and queries, writing nothing', async function () {
        const g = await open();
        const ok = { source: 'cam', label: 'a', similarity: 0.5 };
        const bad = [
          [{ ...ok, at: 'yesterday' }, RangeError, /sighting\.at/],
          [{ ...ok, at: '2026-01-01 12:00' }, RangeError, /ISO 8601/],
          [{ ...ok, at: new Date('nope') }, RangeError, /invalid Date/],
          [{ ...ok, at: 5 }, TypeError, /sighting\.at/],
          [{ ...ok, node: '' }, TypeError, /sighting\.node/],
          [{ ...ok, source: undefined }, TypeError, /sighting\.source/],
          [{ ...ok, label: 3 }, TypeError, /sighting\.label/],
          [{ ...ok, similarity: NaN }, RangeError, /sighting\.similarity/],
          [{ ...ok, similarity: '0.5' }, TypeError, /sighting\.similarity/],
          [{ ...ok, box: { x: 0, y: 0, width: 10 } }, TypeError, /sighting\.box\.height/],
          [{ ...ok, box: { x: 0, y: 0, width: -1, height: 3 } }, RangeError, /sighting\.box\.width/],
          [{ ...ok, track: 7 }, TypeError, /sighting\.track/],
          [null, TypeError, /sighting/],
        ];
        for (const [s, type, message] of bad) await assert.rejects(g.sightings.record(s), matches({ type, message }), JSON.stringify(s));
        await assert.rejects(g.sightings.record([ok, { ...ok, similarity: Infinity }]), matches({ type: RangeError, message: /sightings\[1\]\.similarity/ }));
        assert.deepEqual(await g.sightings.query(), [], 'a batch with one bad sighting writes nothing');
        await assert.rejects(g.sightings.query({ from: 'last week' }), matches({ type: RangeError, message: /query\.from/ }));
        await assert.rejects(g.sightings.query({ limit: 0 }), matches({ type: RangeError, message: /query\.limit/ }));
        await assert.rejects(g.sightings.query({ label: '' }), matches({ type: TypeError, message: /query\.label/ }));
        await assert.rejects(g.sightings.prune({ olderThanDays: -1 }), matches({ type: RangeError, message: /olderThanDays/ }));
        await assert.rejects(g.sightings.prune({}), matches({ type: TypeError, message: /olderThanDays/ }));
        await g.close();
      });
    });

    describe('API keys', function () {
      const record = (id, scope = 'recognize') => ({ id, name: `key ${id}`, scope, salt: 'a1b2', hash: 'ff00ee', rateLimit: null, created: new Date().toISOString(), revoked: null });

      it('creates, lists, finds and revokes key records', async function () {
        const g = await open();
        const k1 = record('k1');
        await g.keys.create(k1);
        await g.keys.create({ ...record('k2', 'admin'), rateLimit: 600 });
        assert.deepEqual((await g.keys.list()).map((k) => [k.id, k.scope, k.rateLimit, k.revoked]), [['k1', 'recognize', null, null], ['k2', 'admin', 600, null]]);
        assert.deepEqual(await g.keys.get('k1'), k1);
        assert.equal(await g.keys.get('nope'), undefined);
        assert.equal(await g.keys.revoke('k1'), true);
        assert.equal(await g.keys.revoke('k1'), false, 'already revoked');
        assert.equal(await g.keys.revoke('nope'), false);
        assert.match((await g.keys.get('k1')).revoked, /Z$/);
        await assert.rejects(g.keys.create(record('k2')), matches({ code: 'GALLERY_ERROR' }), 'ids are unique');
        await g.close();
      });

      it('rejects malformed key records', async function () {
        const g = await open();
        await assert.rejects(g.keys.create({ ...record('k'), scope: 'root' }), matches({ type: RangeError, message: /record\.scope/ }));
        await assert.rejects(g.keys.create({ ...record('k'), hash: 'xyz' }), matches({ type: RangeError, message: /record\.hash/ }));
        await assert.rejects(g.keys.create({ ...record('k'), rateLimit: 0 }), matches({ type: RangeError, message: /record\.rateLimit/ }));
        await assert.rejects(g.keys.create({ ...record('k'), created: 'now' }), matches({ type: RangeError, message: /record\.created/ }));
        await assert.rejects(g.keys.create({ ...record('k'), id: '' }), matches({ type: TypeError, message: /record\.id/ }));
        await assert.rejects(g.keys.get(5), matches({ type: TypeError, message: /for id/ }));
        assert.deepEqual(await g.keys.list(), []);
        await g.close();
      });
    });

    describe('enrolment', function () {
      it('scans both layouts, reports no-face and failures, and reruns skip everything', async function () {
        const dir = join(root, `small-folder-${backend.name}`);
        const expected = await makeImages(dir, 4, 2, rng(1));
        writeFileSync(join(dir, 'notes.txt'), 'not a picture');
        await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).jpeg().toFile(join(dir, 'zed-noface.jpg'));
        await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).jpeg().toFile(join(dir, 'yan-broken.jpg'));
        const scanned = scanFolder(dir);
        assert.deepEqual([...new Set(scanned.map((e) => e.label))], ['p0000', 'p0001', 'p0002', 'p0003', 'yan', 'zed']);
        const g = await open();
        const progress = [];
        const first = await enrollFolder(g, dir, fakeEmbedFile(), { onProgress: (p) => progress.push(p), model: DEFAULT_EMBEDDING_MODEL });
        assert.equal(first.enrolled, 8);
        assert.equal(first.skipped, 0);
        assert.deepEqual(first.noFace, [join(dir, 'zed-noface.jpg')]);
        assert.deepEqual(first.failed, [{ path: join(dir, 'yan-broken.jpg'), error: 'cannot decode' }]);
        assert.equal(progress.length, 10);
        assert.deepEqual(progress.map((p) => p.done), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        for (const [label, paths] of expected) assert.deepEqual((await g.samples(label)).map((s) => s.source).sort(), paths);
        const again = await enrollFolder(g, dir, fakeEmbedFile());
        assert.deepEqual({ enrolled: again.enrolled, skipped: again.skipped }, { enrolled: 0, skipped: 8 });
        assert.equal(await g.sampleCount(), 8);
        // Another model's embedder is refused before a single picture is embedded.
        let embedded = 0;
        await assert.rejects(
          enrollFolder(g, dir, async () => (embedded++, axis(0)), { model: FP32 }),
          matches({ code: 'GALLERY_MODEL_MISMATCH', message: /FP16.*FP32/ }),
        );
        assert.equal(embedded, 0);
        await g.close();
      });

      it('names a folder that does not exist (PATH_NOT_FOUND) instead of a raw ENOENT', async function () {
        const g = await open();
        const missing = join(root, 'no-such-folder');
        await assert.rejects(enrollFolder(g, missing, fakeEmbedFile()), matches({ code: 'PATH_NOT_FOUND', message: new RegExp(missing) }));
        const file = join(root, 'a-file.txt');
        writeFileSync(file, 'x');
        await assert.rejects(enrollFolder(g, file, fakeEmbedFile()), matches({ code: 'PATH_NOT_FOUND', message: /is a file/ }));
        await g.close();
      });
    });
  });
}

describe('gallery', function () {
  before(() => mkdirSync(root, { recursive: true }));

  describe('matrix (in memory, driven by its store)', function () {
    const row = (id, identityId, label, v) => ({ id, identityId, label, embedding: bytesOf(v) });

    it('appends, takes identities out in place, clears, and always matches a brute-force reference', function () {
      const rand = rng(9);
      const m = new EmbeddingMatrix();
      const live = new Map(); // sample id -> { identityId, label, v }
      let id = 0;
      const addRows = (n) => {
        const rows = [];
        for (let i = 0; i < n; i++) {
          const identityId = 1 + Math.floor(rand() * 40);
          const v = randomUnit(rand);
          rows.push(row(++id, identityId, `id${identityId}`, v));
          live.set(id, { identityId, label: `id${identityId}`, v });
        }
        assert.equal(m.append(rows), n);
      };
      const check = () => {
        assert.equal(m.sampleCount, live.size);
        assert.equal(m.identityCount, new Set([...live.values()].map((r) => r.identityId)).size);
        for (let t = 0; t < 5; t++) {
          const q = randomUnit(rand);
          const best = new Map();
          for (const r of live.values()) best.set(r.label, Math.max(best.get(r.label) ?? -Infinity, dot(r.v, q)));
          const ref = [...best].sort((a, b) => b[1] - a[1]).slice(0, 3);
          const got = m.match(q, 3, -1);
          assert.deepEqual(got.map((x) => x.label), ref.map((r) => r[0]));
          got.forEach((x, i) => assert.ok(Math.abs(x.similarity - ref[i][1]) < 1e-5));
        }
      };
      addRows(500);
      check();
      assert.equal(m.lastSampleId, 500);
      for (const gone of [7, 1, 40, 13]) {
        const expected = [...live].filter(([, r]) => r.identityId === gone).length;
        assert.equal(m.removeIdentity(gone), expected);
        for (const [k, r] of live) if (r.identityId === gone) live.delete(k);
        check();
      }
      assert.equal(m.removeIdentity(7), 0, 'an identity that is not there');
      assert.equal(m.lastSampleId, 500, 'ids are never reused: the last id stays');
      addRows(1500); // grows past the first capacity after compaction
      check();
      assert.deepEqual(m.stats, { fullLoads: 1, incrementalLoads: 1, removals: 4 });
      m.clear();
      live.clear();
      assert.equal(m.sampleCount, 0);
      assert.equal(m.lastSampleId, 0);
      assert.deepEqual(m.match(axis(0), 5, -1), []);
      addRows(10);
      check();
      assert.equal(m.stats.fullLoads, 2);
    });

    it('refuses a row that is not 1024 bytes', function () {
      const m = new EmbeddingMatrix();
      assert.throws(() => m.append([{ id: 1, identityId: 1, label: 'a', embedding: new Uint8Array(1000) }]), matches({ code: 'GALLERY_CORRUPT' }));
    });
  });

  describe('assignment', function () {
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

    it('assigns per-face candidate lists (what a database search returns) as the full matrix would', function () {
      const { assignFrame } = require('../dist/gallery/assignment');
      const rand = rng(17);
      for (let trial = 0; trial < 200; trial++) {
        const faces = 1 + Math.floor(rand() * 5);
        const people = 1 + Math.floor(rand() * 8);
        const sim = Array.from({ length: faces }, () => Array.from({ length: people }, () => Math.round((rand() * 2 - 1) * 1000) / 1000));
        // Each face's top `faces` only, as a top-k search gives them.
        const lists = sim.map((row) => row.map((similarity, p) => ({ label: `p${p}`, similarity })).sort((a, b) => b.similarity - a.similarity).slice(0, faces));
        const got = assignFrame(lists, -1);
        const cost = sim.flatMap((row) => row.map((s) => 1 - s));
        const optimum = bruteForce(cost, faces, people);
        const total = got.reduce((s, f) => s + (f.label === UNKNOWN ? 0 : 1 - f.similarity), 0);
        assert.ok(Math.abs(total - optimum) < 1e-9, `trial ${trial}: ${total} vs ${optimum}`);
        const named = got.filter((f) => f.label !== UNKNOWN);
        assert.equal(named.length, Math.min(faces, people));
        assert.equal(new Set(named.map((f) => f.label)).size, named.length);
      }
    });
  });

  for (const backend of backends()) contract(backend);

  describe('opening', function () {
    it('refuses URLs of other databases and bad locations', async function () {
      for (const url of ['mysql://localhost/faces', 'http://example.com/gallery', 'file:///tmp/g.sqlite']) {
        await assert.rejects(Gallery.open(url), matches({ code: 'GALLERY_URL_INVALID', message: /postgres/ }), url);
      }
      await assert.rejects(Gallery.open(''), matches({ type: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /for location/ }));
      await assert.rejects(Gallery.open(42), matches({ type: TypeError, message: /for location but received 42/ }));
    });

    it('names a misspelled option and the one it probably meant', async function () {
      await assert.rejects(
        Gallery.open(':memory:', { busyTimeout: 5 }),
        matches({ type: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: 'Expected a known option (did you mean "busyTimeoutMs"?) for options.busyTimeout but received 5' }),
      );
      await assert.rejects(Gallery.open(':memory:', { readOnly: true }), matches({ type: TypeError, message: /did you mean "readonly"\?\) for options\.readOnly/ }));
      await assert.rejects(Gallery.open(':memory:', { colour: 'red' }), matches({ type: TypeError, message: /Expected one of the options readonly, busyTimeoutMs, .* for options\.colour but received "red"/ }));
      await assert.rejects(Gallery.open(':memory:', { busyTimeoutMs: -1 }), matches({ type: RangeError, message: /options\.busyTimeoutMs/ }));
      await assert.rejects(Gallery.open(':memory:', { kernel: 'gpu' }), matches({ type: RangeError, message: /options\.kernel/ }));
      await assert.rejects(Gallery.open(':memory:', { search: 'remote' }), matches({ type: RangeError, message: /options\.search/ }));
      await assert.rejects(Gallery.open(':memory:', { efSearch: 0 }), matches({ type: RangeError, message: /options\.efSearch/ }));
      await assert.rejects(Gallery.open(':memory:', { outbox: 3 }), matches({ type: TypeError, message: /options\.outbox/ }));
      await assert.rejects(Gallery.open(':memory:', { model: 'resnet' }), matches({ type: RangeError, message: /options\.model/ }));
      await assert.rejects(Gallery.open(':memory:', null), matches({ type: TypeError, message: /for options/ }));
    });

    it("search: 'database' needs PostgreSQL; match on a SQLite gallery is local", async function () {
      await assert.rejects(Gallery.open(':memory:', { search: 'database' }), matches({ code: 'GALLERY_SEARCH_MODE', message: /PostgreSQL/ }));
    });
  });

  describe('SQLite only', function () {
    it('creates a WAL file at schema version 2 that records its model', async function () {
      const file = freshFile('fresh.db');
      const g = await Gallery.open(file);
      await g.add('a', axis(0));
      await g.close();
      const raw = new Database(file, { readonly: true });
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(raw.pragma('user_version', { simple: true }), 2);
      assert.equal(raw.prepare("SELECT value FROM gallery_meta WHERE key = 'model'").pluck().get(), DEFAULT_EMBEDDING_MODEL);
      assert.deepEqual(raw.prepare('SELECT model FROM samples').pluck().all(), [DEFAULT_EMBEDDING_MODEL]);
      raw.close();
    });

    it('upgrades a v1 gallery in place: identities, samples and matching survive, samples get the model', async function () {
      const file = freshFile('v1.db');
      const raw = new Database(file);
      raw.pragma('journal_mode = WAL');
      raw.exec(SCHEMA_V1_SQL);
      raw.pragma('user_version = 1');
      const insertIdentity = raw.prepare("INSERT INTO identities (label, meta) VALUES (?, ?)");
      const insertSample = raw.prepare('INSERT INTO samples (identity_id, embedding, source) VALUES (?, ?, ?)');
      const alice = insertIdentity.run('alice', '{"team":"red"}').lastInsertRowid;
      const bob = insertIdentity.run('bob', '{}').lastInsertRowid;
      insertSample.run(alice, Buffer.from(bytesOf(axis(0))), 'a1.jpg');
      insertSample.run(alice, Buffer.from(bytesOf(axis(1))), 'a2.jpg');
      insertSample.run(bob, Buffer.from(bytesOf(axis(2))), null);
      raw.close();

      await assert.rejects(Gallery.open(file, { readonly: true }), matches({ code: 'GALLERY_SCHEMA_UNSUPPORTED', message: /version 1 needs an upgrade to 2/ }));
      const g = await Gallery.open(file);
      assert.equal(g.model, DEFAULT_EMBEDDING_MODEL, 'a v1 file is taken to hold the default model');
      assert.deepEqual((await g.list()).map((i) => [i.label, i.samples, i.meta]), [['alice', 2, { team: 'red' }], ['bob', 1, {}]]);
      assert.deepEqual((await g.samples('alice')).map((s) => [s.source, s.model]), [['a1.jpg', DEFAULT_EMBEDDING_MODEL], ['a2.jpg', DEFAULT_EMBEDDING_MODEL]]);
      assert.deepEqual(g.match(axis(1), { threshold: 0.9 }).map((m) => m.label), ['alice']);
      assert.ok(await g.hasSource('a2.jpg'));
      assert.equal(await g.add('alice', axis(3), { source: 'a1.jpg' }), 'duplicate', 'the idempotency key survived');
      await g.sightings.record({ source: 'cam', label: 'bob', similarity: 0.9 });
      assert.equal(await g.remove('bob'), 'removed');
      await g.close();
      const check = new Database(file, { readonly: true });
      assert.equal(check.pragma('user_version', { simple: true }), 2);
      assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
      check.close();
      const ro = await Gallery.open(file, { readonly: true });
      assert.equal(await ro.count(), 1);
      await ro.close();
    });

    it('upgrades a v1 gallery for the model it is opened for', async function () {
      const file = freshFile('v1-fp32.db');
      const raw = new Database(file);
      raw.exec(SCHEMA_V1_SQL);
      raw.pragma('user_version = 1');
      raw.close();
      const g = await Gallery.open(file, { model: FP32 });
      assert.equal(g.model, FP32);
      await g.close();
    });

    it('refuses files that are not galleries or are from a newer version', async function () {
      const other = freshFile('other.db');
      const raw = new Database(other);
      raw.exec('CREATE TABLE t (x)');
      raw.close();
      await assert.rejects(Gallery.open(other), matches({ code: 'GALLERY_SCHEMA_UNSUPPORTED' }));
      const newer = freshFile('newer.db');
      await (await Gallery.open(newer)).close();
      const db = new Database(newer);
      db.pragma('user_version = 99');
      db.close();
      await assert.rejects(Gallery.open(newer), matches({ code: 'GALLERY_SCHEMA_UNSUPPORTED', message: /99/ }));
      const junk = freshFile('junk.db');
      writeFileSync(junk, 'this is not a database, just some text that is long enough to have a header'.repeat(20));
      await assert.rejects(Gallery.open(junk), matches({ code: 'GALLERY_CORRUPT' }));
    });

    it('names the path when the file or its folder does not exist (GALLERY_NOT_FOUND)', async function () {
      const missing = join(root, 'missing.db');
      rmSync(missing, { force: true });
      await assert.rejects(Gallery.open(missing, { readonly: true }), matches({ code: 'GALLERY_NOT_FOUND', message: new RegExp(`no gallery file at ${missing}`) }));
      const inMissingFolder = join(root, 'no-such-folder', 'g.sqlite');
      await assert.rejects(Gallery.open(inMissingFolder), matches({ code: 'GALLERY_NOT_FOUND', message: /the folder .*no-such-folder does not exist/ }));
      await assert.rejects(Gallery.open(root), matches({ code: 'GALLERY_NOT_FOUND', message: /is a folder/ }));
      await assert.rejects(Gallery.open(':memory:', { readonly: true }), matches({ type: RangeError, message: /cannot be read-only/ }));
      assert.ok(!existsSync(missing));
    });

    it("follows another connection by data_version: appends are incremental, a removal rebuilds, its own removal compacts", async function () {
      const file = freshFile('two-connections.db');
      const reader = await Gallery.open(file);
      const writer = await Gallery.open(file);
      assert.deepEqual(reader.match(axis(3), { threshold: 0.9 }), []);
      await writer.add('carol', axis(3));
      assert.deepEqual(reader.match(axis(3), { threshold: 0.9 }).map((m) => m.label), ['carol'], 'no synced() needed: match follows the file');
      const afterAppend = reader.matrixStats;
      await writer.add('dave', axis(4));
      assert.deepEqual(reader.match(axis(4), { threshold: 0.9 }).map((m) => m.label), ['dave']);
      assert.equal(reader.matrixStats.incrementalLoads, afterAppend.incrementalLoads + 1, 'an append is loaded incrementally');
      assert.equal(reader.matrixStats.fullLoads, afterAppend.fullLoads);
      await writer.remove('carol');
      assert.deepEqual(reader.match(axis(3), { threshold: 0.9 }), []);
      assert.equal(reader.matrixStats.fullLoads, afterAppend.fullLoads + 1, "another connection's removal rebuilds");
      const beforeOwn = reader.matrixStats;
      await reader.remove('dave');
      assert.deepEqual(reader.match(axis(4), { threshold: 0.9 }), []);
      assert.equal(reader.matrixStats.fullLoads, beforeOwn.fullLoads, 'its own removal does not reload');
      assert.equal(reader.matrixStats.removals, beforeOwn.removals + 1);
      await reader.close();
      await writer.close();
    });

    it('waits for another connection holding the write lock (busy timeout), then writes', async function () {
      const file = freshFile('busy.db');
      const g = await Gallery.open(file, { busyTimeoutMs: 3000 });
      const locker = spawn(process.execPath, ['-e', `
        const { openSqlite } = require(${JSON.stringify(require.resolve('../dist/gallery/stores/sqlite-driver'))});
        const db = openSqlite(${JSON.stringify(file)});
        db.prepare('BEGIN IMMEDIATE').run();
        process.stdout.write('LOCKED\\n');
        setTimeout(() => { db.prepare('COMMIT').run(); db.close(); }, 400);
      `], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((r) => locker.stdout.once('data', r));
      const t0 = Date.now();
      assert.equal(await g.add('a', axis(0)), 'stored');
      assert.ok(Date.now() - t0 >= 300, 'the write waited for the lock');
      await new Promise((r) => locker.on('exit', r));
      const quick = await Gallery.open(file, { busyTimeoutMs: 0 });
      const again = spawn(process.execPath, ['-e', `
        const { openSqlite } = require(${JSON.stringify(require.resolve('../dist/gallery/stores/sqlite-driver'))});
        const db = openSqlite(${JSON.stringify(file)});
        db.prepare('BEGIN IMMEDIATE').run();
        process.stdout.write('LOCKED\\n');
        setTimeout(() => { db.prepare('COMMIT').run(); db.close(); }, 400);
      `], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((r) => again.stdout.once('data', r));
      await assert.rejects(quick.add('b', axis(1)), matches({ code: 'GALLERY_BUSY' }));
      await new Promise((r) => again.on('exit', r));
      assert.equal(await quick.count(), 1, 'the refused write left nothing');
      await quick.close();
      await g.close();
    });

    it('opens postgres:// and postgresql:// URLs with the PostgreSQL store (no server there: GALLERY_UNAVAILABLE naming it, without the password)', async function () {
      await assert.rejects(Gallery.open('postgres://user:secret@127.0.0.1:1/faces'), matches({ code: 'GALLERY_UNAVAILABLE', message: /PostgreSQL at postgres:\/\/user@127\.0\.0\.1:1\/faces is unavailable/ }));
      await assert.rejects(Gallery.open('postgresql://user@127.0.0.1:1/faces'), matches({ code: 'GALLERY_UNAVAILABLE' }));
    });
  });

  describe('enrolment across processes (SQLite file)', function () {
    it('survives SIGKILL mid-way: intact file, whole identities, rerun completes without duplicates', async function () {
      this.timeout(180000);
      const dir = join(root, 'crash-folder');
      const expected = await makeImages(dir, 250, 4, rng(11));
      const file = freshFile('crash.db');
      const kills = [];
      for (const killAt of [250, 600]) {
        const { killed } = await runChild(file, dir, { killAt, delayMs: 2 });
        assert.ok(killed, `the child finished before it could be killed at ${killAt}`);
        const state = await checkGallery(file, expected);
        assert.ok(state.samples < 1000, 'the kill came before the end');
        kills.push(state);
      }
      assert.ok(kills[0].samples > 0 && kills[1].samples > kills[0].samples, `progress across kills: ${JSON.stringify(kills)}`);
      const rerun = await runChild(file, dir);
      assert.equal(rerun.enrolled + rerun.skipped, 1000);
      assert.equal(rerun.skipped, kills[1].samples, 'the rerun skipped exactly what was stored');
      assert.deepEqual(await checkGallery(file, expected), { identities: 250, samples: 1000 });
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
      assert.deepEqual(await checkGallery(separate, expected), { identities: 200, samples: 600 });

      // Both on the same folder: every picture stored exactly once, whoever got it first.
      const same = freshFile('concurrent-same.db');
      const [c, d] = await Promise.all([runChild(same, dirA, { batch: 'image' }), runChild(same, dirA, { batch: 'image' })]);
      assert.equal(c.enrolled + d.enrolled, 300);
      assert.deepEqual(await checkGallery(same, expectedA), { identities: 100, samples: 300 });
    });
  });

  describe('cli', function () {
    const cli = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, FACE_REID_MODELS: process.env.FACE_REID_MODELS ?? '/nonexistent' } });

    it('lists (text and JSON) and removes', async function () {
      const file = freshFile('cli.db');
      const g = await Gallery.open(file);
      await g.add('alice', axis(0), { source: 'a' });
      await g.add('alice', axis(1), { source: 'b' });
      await g.add('bob', axis(2));
      await g.sightings.record({ source: 'cam', label: 'alice', similarity: 0.9 });
      await g.close();
      const text = cli('gallery', 'list', '--gallery', file);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /alice\s+2/);
      assert.match(text.stdout, /2 identities, 3 samples/);
      const json = cli('gallery', 'list', '--gallery', file, '--json');
      assert.deepEqual(JSON.parse(json.stdout).map((i) => [i.label, i.samples]), [['alice', 2], ['bob', 1]]);
      const removed = cli('gallery', 'remove', 'alice', '--gallery', file);
      assert.equal(removed.status, 0, removed.stderr);
      assert.match(removed.stdout, /removed "alice" with its samples and sightings/);
      assert.deepEqual(JSON.parse(cli('gallery', 'list', '--gallery', file, '--json').stdout).map((i) => i.label), ['bob']);
      const after = await Gallery.open(file, { readonly: true });
      assert.deepEqual(await after.sightings.query({ label: 'alice' }), []);
      await after.close();
      const missing = cli('gallery', 'remove', 'alice', '--gallery', file);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /no identity "alice"/);
      assert.equal(cli('gallery', 'list').status, 2);
      const absent = cli('gallery', 'list', '--gallery', join(root, 'absent.db'));
      assert.equal(absent.status, 1);
      assert.match(absent.stderr, /no gallery file at .*absent\.db/);
      assert.ok(!existsSync(join(root, 'absent.db')), 'list does not create a file');
      const url = cli('gallery', 'list', '--gallery', 'mysql://localhost/faces');
      assert.equal(url.status, 1);
      assert.match(url.stderr, /GALLERY_URL_INVALID/);
      assert.doesNotMatch(url.stderr, /\n\s+at /, 'no stack trace');
    });

    it('enroll and identify name a missing folder, picture or gallery folder with a typed error, no stack trace', function () {
      const missingDir = join(root, 'no-such-pictures');
      const enroll = cli('enroll', missingDir, '--gallery', join(root, 'g.sqlite'));
      assert.equal(enroll.status, 1);
      assert.match(enroll.stderr, new RegExp(`no folder at ${missingDir}.*\\[PATH_NOT_FOUND\\]`));
      assert.doesNotMatch(enroll.stderr, /\n\s+at |ENOENT/);
      const identify = cli('identify', join(root, 'no-such-picture.jpg'), '--gallery', join(root, 'g.sqlite'));
      assert.equal(identify.status, 1);
      assert.match(identify.stderr, /no picture or folder at .*no-such-picture\.jpg.*\[PATH_NOT_FOUND\]/);
      assert.doesNotMatch(identify.stderr, /\n\s+at /);
    });
  });
});
