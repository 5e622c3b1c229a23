'use strict';
// What only the PostgreSQL gallery promises (the backend-independent contract runs in
// test/gallery.test.js on both backends): nodes on one database following each other through the
// change log and NOTIFY, catch-up after a reconnect, the outbox through outages, lost
// acknowledgements and kill -9, database search, and every bad input as a typed error within
// its timeout. A real server with pgvector (test/helpers/postgres.js); it fails when missing.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { rmSync, mkdirSync, existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { openSqliteFile: Database } = require('./helpers/sqlite');
const { Gallery } = require('../dist');
const { openPostgresStore } = require('../dist/gallery/stores/postgres');
const { resolveOptions } = require('../dist/gallery/options');
const { startPostgres } = require('./helpers/postgres');
const { startProxy, blackhole } = require('./helpers/tcp-proxy');
const { randomUnit, matches } = require('./helpers/vectors');
const { rng } = require('./helpers/random');
const { outputDir } = require('./helpers/env');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition, timeoutMs, what) {
  const start = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Rejects with the error `promise` rejects with, and how long that took. */
async function failure(promise) {
  const start = Date.now();
  try {
    await promise;
  } catch (err) {
    return { err, ms: Date.now() - start };
  }
  throw new Error('expected a rejection');
}

describe('gallery on PostgreSQL: fleet, outages, errors', function () {
  this.timeout(120000);
  const dir = outputDir('gallery-postgres');
  let pg;
  let url;
  let n = 0;
  const galleries = [];
  const rand = rng(14);

  before(async function () {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    pg = await startPostgres({ throwaway: true });
  });
  after(async () => {
    if (pg) await pg.stop();
  });
  beforeEach(async () => {
    url = await pg.createDatabase();
  });
  afterEach(async () => {
    for (const g of galleries.splice(0)) await g.close();
  });

  const outbox = (name = 'node') => join(dir, `${name}-${process.pid}-${++n}.sqlite`);
  async function open(location, options = {}) {
    const g = await Gallery.open(location, { outbox: outbox(), ...options });
    galleries.push(g);
    return g;
  }
  const person = (count) => Array.from({ length: count }, () => randomUnit(rand));
  const best = (g, v) => g.match(v, { threshold: 0.9 })[0]?.label;

  describe('nodes on one database', function () {
    it('see each other\'s enrolment and removal within a second', async function () {
      const a = await open(url);
      const b = await open(url);
      const alice = person(3);
      assert.equal(await a.add('alice', alice[0], { source: 'a0' }), 'stored');
      // Own writes: the promise resolves once the local matrix has them.
      assert.equal(best(a, alice[0]), 'alice');
      const seen = await waitFor(() => best(b, alice[0]) === 'alice', 1000, 'b to see alice');
      // The same identity grows from both nodes; removal on one takes every sample away everywhere.
      await b.add('alice', alice[1], { source: 'b1' });
      await a.add('alice', alice[2], { source: 'a2' });
      await waitFor(() => alice.every((v) => best(b, v) === 'alice'), 1000, 'b to see all three samples');
      assert.equal(b.status.state, 'connected');
      assert.equal(await b.remove('alice'), 'removed');
      assert.equal(best(b, alice[1]), undefined);
      const gone = await waitFor(() => alice.every((v) => best(a, v) === undefined), 1000, 'a to drop every sample of alice');
      assert.deepEqual(await a.samples('alice'), []);
      assert.equal(await a.sampleCount(), 0);
      assert.ok(seen <= 1000 && gone <= 1000, `${seen} ms, ${gone} ms`);
      // Removed then enrolled again: a new identity, not the old samples back.
      await a.add('alice', alice[0], { source: 'again' });
      await waitFor(() => best(b, alice[0]) === 'alice', 1000, 'b to see alice again');
      assert.equal(best(b, alice[1]), undefined);
      assert.equal(a.status.seq, b.status.seq);
    });

    it('catches up after a reconnect from its last seq, without a full reload', async function () {
      const proxy = await startProxy(pg.port);
      try {
        const a = await open(url);
        const b = await open(proxy.url(url));
        const [v1, v2, v3] = person(3);
        await a.add('one', v1, { source: 's' });
        await a.add('two', v2, { source: 's' });
        await waitFor(() => best(b, v2) === 'two', 1000, 'b to follow');
        const before = b.matrixStats;
        await proxy.cut(); // b's link drops; the server and a carry on
        await waitFor(() => b.status.state === 'offline', 2000, 'b to notice');
        assert.equal(best(b, v1), 'one', 'matching goes on from the local matrix');
        await a.remove('one');
        await a.add('three', v3, { source: 's' });
        await proxy.restore();
        await waitFor(() => b.status.state === 'connected' && best(b, v3) === 'three', 3000, 'b to catch up');
        assert.equal(best(b, v1), undefined);
        const after = b.matrixStats;
        assert.equal(after.fullLoads, before.fullLoads, 'no full reload');
        assert.ok(after.incrementalLoads > before.incrementalLoads && after.removals > before.removals);
        assert.equal(b.status.seq, a.status.seq);
      } finally {
        await proxy.close();
      }
    });

    it('reloads whole when the change log was pruned past it', async function () {
      const proxy = await startProxy(pg.port);
      try {
        const a = await openPostgresStore(url, resolveOptions({ outbox: false }));
        const b = await open(proxy.url(url));
        const vs = person(4);
        await a.add([{ label: 'p0', embedding: vs[0], source: null, identityMeta: null, model: a.model }]);
        await waitFor(() => best(b, vs[0]) === 'p0', 1000, 'b to follow');
        await proxy.cut();
        await waitFor(() => b.status.state === 'offline', 2000, 'b to notice');
        for (let i = 1; i < 4; i++) await a.add([{ label: `p${i}`, embedding: vs[i], source: null, identityMeta: null, model: a.model }]);
        await a.remove('p0');
        assert.equal(await a.pruneChangeLog(1), 4); // b's next change is gone from the log
        const loads = b.matrixStats.fullLoads;
        await proxy.restore();
        await waitFor(() => b.status.state === 'connected', 3000, 'b to reconnect');
        assert.equal(b.matrixStats.fullLoads, loads + 1);
        assert.deepEqual(vs.map((v) => best(b, v)), [undefined, 'p1', 'p2', 'p3']);
        await a.close();
      } finally {
        await proxy.close();
      }
    });
  });

  describe('outages', function () {
    it('keeps matching while the server is down, queues writes durably and lands them once, in order', async function () {
      const path = outbox('outage');
      const a = await open(url, { outbox: path });
      const b = await open(url);
      const [v1, v2, v3, v4] = person(4);
      await a.add('kept', v1, { source: 'k' });
      await waitFor(() => best(b, v1) === 'kept', 1000, 'b to follow');
      await pg.stopServer();
      try {
        await waitFor(() => a.status.state === 'offline' && b.status.state === 'offline', 2000, 'both nodes to go offline');
        assert.equal(best(a, v1), 'kept');
        assert.equal(best(b, v1), 'kept');
        // Order matters: add, remove, add again must end with the second sample only.
        assert.equal(await a.add('late', v2, { source: 'first' }), 'queued');
        assert.equal(await a.remove('late'), 'queued');
        assert.equal(await a.add('late', v3, { source: 'second' }), 'queued');
        assert.deepEqual(await a.addMany([{ label: 'batch', embedding: v4, meta: { source: 'x' } }]), { stored: 0, duplicates: 0, queued: 1 });
        await a.sightings.record({ source: 'cam', label: 'kept', similarity: 0.8 });
        const status = a.status;
        assert.equal(status.outbox, 5);
        assert.match(status.lastError, /unavailable/i);
        const { err } = await failure(a.list());
        assert.equal(err.code, 'GALLERY_UNAVAILABLE');
        await assert.rejects(a.synced(), matches({ code: 'GALLERY_UNAVAILABLE' }));
      } finally {
        await pg.startServer();
      }
      await waitFor(() => a.status.state === 'connected' && a.status.outbox === 0, 5000, 'a to replay its outbox');
      await waitFor(() => best(b, v3) === 'late' && best(b, v4) === 'batch', 2000, 'b to see the replayed writes');
      assert.equal(best(b, v2), undefined);
      assert.deepEqual((await b.samples('late')).map((s) => s.source), ['second']);
      assert.equal(await b.sampleCount(), 3);
      assert.equal((await b.sightings.query({ label: 'kept' })).length, 1);
      await a.close();
      const file = new Database(path);
      try {
        assert.equal(file.prepare('SELECT count(*) AS n FROM ops').get().n, 0);
      } finally {
        file.close();
      }
    });

    it('does not apply twice a write whose commit reached the server but whose acknowledgement was lost', async function () {
      const path = outbox('lost-ack');
      const g = await open(url, { outbox: path });
      const [v1, v2] = person(2);
      await g.add('nosource', v1); // no source: only the operation id can tell a replay
      await g.close();
      // The operation as the outbox held it, and its id as the server recorded it.
      const [{ op_id: id }] = (await pg.query('SELECT op_id FROM applied_ops', [], url)).rows;
      const replay = (opId, label, v) => JSON.stringify({
        id: opId,
        kind: 'add',
        samples: [{ label, vector: `[${Array.from(v).join(',')}]`, source: null, meta: null, model: g.model }],
      });
      const file = new Database(path);
      file.prepare('INSERT INTO ops (id, body) VALUES (?, ?)').run(id, replay(id, 'nosource', v1));
      const fresh = '8b1d35c4-4a57-4d3e-9d6a-3f0e6cbd2a11';
      file.prepare('INSERT INTO ops (id, body) VALUES (?, ?)').run(fresh, replay(fresh, 'other', v2));
      file.close();
      const again = await open(url, { outbox: path });
      assert.equal(again.status.outbox, 0, 'replayed on open');
      assert.equal((await again.samples('nosource')).length, 1, 'the replayed operation was not applied again');
      assert.equal((await again.samples('other')).length, 1, 'a new operation was');
    });

    it('rejects writes while offline when the outbox is disabled', async function () {
      const proxy = await startProxy(pg.port);
      try {
        const g = await open(proxy.url(url), { outbox: false });
        await proxy.cut();
        await waitFor(() => g.status.state === 'offline', 2000, 'offline');
        await assert.rejects(g.add('x', person(1)[0]), matches({ code: 'GALLERY_UNAVAILABLE', message: /outbox is disabled/ }));
        assert.equal(g.status.outbox, 0);
      } finally {
        await proxy.close();
      }
    });

    it('after kill -9 mid-enrolment: no half identity, and the outbox replays on restart', async function () {
      const proxy = await startProxy(pg.port);
      const path = outbox('killed');
      const child = (mode) => {
        const p = spawn(process.execPath, [join(__dirname, 'helpers', 'pg-enrol-child.js'), proxy.url(url), path, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
        const lines = [];
        let stderr = '';
        p.stdout.on('data', (d) => lines.push(...d.toString().split('\n').filter(Boolean)));
        p.stderr.on('data', (d) => (stderr += d));
        const exited = new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal, stderr })));
        return { p, lines, exited };
      };
      try {
        const first = child('enrol');
        await waitFor(() => first.lines.filter((l) => l.startsWith('stored')).length >= 3, 30000, 'three identities stored');
        await proxy.cut(); // the link drops: the next writes queue in the outbox
        await waitFor(() => first.lines.filter((l) => l.startsWith('queued')).length >= 3, 30000, 'three identities queued');
        first.p.kill('SIGKILL');
        const { signal } = await first.exited;
        assert.equal(signal, 'SIGKILL');
        const reported = first.lines.filter((l) => /^(stored|queued) /.test(l)).map((l) => l.split(' ')[1]);
        await proxy.restore();
        const second = child('replay');
        const { code, stderr } = await second.exited;
        assert.equal(code, 0, stderr);
        assert.ok(second.lines.includes('outbox 0'), second.lines.join('\n'));
        const rows = (await pg.query('SELECT i.label, count(s.id)::int AS n FROM identities i LEFT JOIN samples s ON s.identity_id = i.id GROUP BY i.label', [], url)).rows;
        for (const { label, n: count } of rows) assert.equal(count, 8, `${label} has ${count} of its 8 samples`);
        for (const label of reported) assert.ok(rows.some((r) => r.label === label), `${label} was acknowledged and is missing`);
        const dupes = await pg.query('SELECT count(*)::int AS n FROM (SELECT source FROM samples GROUP BY source HAVING count(*) > 1) d', [], url);
        assert.equal(dupes.rows[0].n, 0);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('database search', function () {
    it('finds the best sample per identity with HNSW, as exact search does', async function () {
      const g = await open(url);
      const db = await open(url, { search: 'database', efSearch: 100 });
      const people = Array.from({ length: 300 }, () => person(2));
      await g.addMany(people.flatMap((vs, i) => vs.map((v, j) => ({ label: `p${i}`, embedding: v, meta: { source: `s${j}` } }))));
      let same = 0;
      for (let i = 0; i < people.length; i++) {
        const q = people[i][1].map((x, d) => x + 0.02 * (randomUnit(rand)[d]));
        const [local] = g.match(q, { threshold: -1 });
        const [remote] = await db.search(q, { threshold: -1 });
        if (remote.label === local.label) same++;
        assert.ok(Math.abs(remote.similarity - local.similarity) < 1e-5 || remote.label !== local.label);
      }
      assert.ok(same / people.length >= 0.99, `recall@1 ${same / people.length}`);
      // Threshold and k as in local search.
      const q = people[0][0];
      assert.deepEqual((await db.search(q, { threshold: 0.99, k: 5 })).map((m) => m.label), ['p0']);
      assert.equal((await db.search(q, { k: 7, threshold: -1 })).length, 7);
      assert.throws(() => db.match(q), matches({ code: 'GALLERY_SEARCH_MODE' }));
      assert.equal(db.status.search, 'database');
    });
  });

  describe('bad input: a typed error within its timeout', function () {
    const fast = { connectTimeoutMs: 1000, statementTimeoutMs: 1000 };

    for (const [what, bad] of [
      ['no host', 'postgres:///gallery'],
      ['no database', 'postgres://u:p@127.0.0.1:5432/'],
      ['a bad port', 'postgresql://u:p@127.0.0.1:99999/db'],
      ['not a URL', 'postgres://u:p@[::1/db'],
    ]) {
      it(`a malformed URL (${what})`, async function () {
        const { err } = await failure(Gallery.open(bad, fast));
        assert.equal(err.code, 'GALLERY_URL_INVALID', err.message);
        assert.doesNotMatch(err.message, /:p@/, 'the password is not printed');
      });
    }

    it('a wrong password', async function () {
      const u = new URL(url);
      u.password = 'wrong';
      const { err, ms } = await failure(Gallery.open(u.toString(), fast));
      assert.equal(err.code, 'GALLERY_AUTH_FAILED', err.message);
      assert.doesNotMatch(err.message, /wrong/);
      assert.ok(ms < 2000, `${ms} ms`);
    });

    it('a database without the vector extension (and no right to create it)', async function () {
      const plain = await pg.createDatabase({ vector: false });
      const name = new URL(plain).pathname.slice(1);
      await pg.query("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'plain') THEN CREATE ROLE plain LOGIN PASSWORD 'plain'; END IF; END $$");
      await pg.query(`ALTER DATABASE "${name}" OWNER TO plain`);
      const u = new URL(plain);
      u.username = 'plain';
      u.password = 'plain';
      const { err } = await failure(Gallery.open(u.toString(), fast));
      assert.equal(err.code, 'GALLERY_EXTENSION_MISSING', err.message);
      assert.match(err.message, /install-postgres\.sh/);
      assert.match(err.message, /CREATE EXTENSION vector/);
    });

    it('a schema from a newer version', async function () {
      await (await open(url)).close();
      await pg.query('UPDATE gallery_schema SET version = 99', [], url);
      const { err } = await failure(Gallery.open(url, fast));
      assert.equal(err.code, 'GALLERY_SCHEMA_UNSUPPORTED');
      assert.match(err.message, /version 99/);
    });

    it('a gallery of another model', async function () {
      await (await open(url, { model: 'face-reidentification-retail-0095/FP32' })).close();
      const { err } = await failure(Gallery.open(url, { ...fast, model: 'face-reidentification-retail-0095/FP16' }));
      assert.equal(err.code, 'GALLERY_MODEL_MISMATCH');
    });

    it('no server at the port, and a server that never answers the connection', async function () {
      const hole = await blackhole();
      try {
        const refused = await failure(Gallery.open(`postgres://u:p@127.0.0.1:${hole.port + 1}/db`, fast));
        assert.equal(refused.err.code, 'GALLERY_UNAVAILABLE', refused.err.message);
        const silent = await failure(Gallery.open(`postgres://u:p@127.0.0.1:${hole.port}/db`, fast));
        assert.equal(silent.err.code, 'GALLERY_UNAVAILABLE', silent.err.message);
        assert.ok(silent.ms >= 900 && silent.ms < 3000, `${silent.ms} ms`);
      } finally {
        await hole.close();
      }
    });

    it('a statement that runs past statementTimeoutMs', async function () {
      const g = await open(url, { statementTimeoutMs: 300 });
      const { Client } = require('pg');
      const locker = new Client({ connectionString: url });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE identities IN ACCESS EXCLUSIVE MODE');
        const { err, ms } = await failure(g.list());
        assert.equal(err.code, 'GALLERY_TIMEOUT', err.message);
        assert.ok(ms < 1500, `${ms} ms`);
      } finally {
        await locker.end();
      }
    });

    it('a server that goes away mid-query, or freezes', async function () {
      const g = await open(url, { statementTimeoutMs: 500 });
      const { Client } = require('pg');
      const locker = new Client({ connectionString: url });
      await locker.connect();
      locker.on('error', () => {});
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE identities IN ACCESS EXCLUSIVE MODE');
      const pending = failure(g.list());
      await sleep(100);
      await pg.stopServer({ mode: 'immediate' });
      const gone = await pending;
      assert.equal(gone.err.code, 'GALLERY_UNAVAILABLE', gone.err.message);
      assert.ok(gone.ms < 1500, `${gone.ms} ms`);
      await pg.startServer();
      await waitFor(() => g.status.state === 'connected', 5000, 'reconnect');
      pg.pause();
      try {
        const frozen = await failure(g.list());
        assert.equal(frozen.err.code, 'GALLERY_TIMEOUT', frozen.err.message);
        assert.ok(frozen.ms < 3000, `${frozen.ms} ms`);
      } finally {
        pg.resume();
      }
      await waitFor(async () => g.status.state === 'connected', 10000, 'reconnect after the freeze');
    });
  });

  describe('face-reid gallery migrate', function () {
    const cli = join(__dirname, '..', 'dist', 'cli', 'main.js');
    const run = (...args) =>
      new Promise((resolve) => {
        const p = spawn(process.execPath, [cli, 'gallery', 'migrate', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    const snapshot = async (g) => {
      const identities = await g.list();
      const samples = {};
      for (const i of identities) samples[i.label] = (await g.samples(i.label)).map((s) => [s.source, s.model, Buffer.from(s.embedding.buffer).toString('hex')]);
      const sightings = (await g.sightings.query({ limit: 100000 })).map((s) => JSON.stringify(s));
      return { identities: identities.map((i) => [i.label, i.samples, i.meta]), samples, sightings: sightings.sort() };
    };

    it('copies a SQLite gallery into PostgreSQL and back, with a progress bar, idempotently', async function () {
      const file = join(dir, `migrate-${process.pid}.sqlite`);
      const back = join(dir, `migrate-back-${process.pid}.sqlite`);
      rmSync(file, { force: true });
      rmSync(back, { force: true });
      const model = 'face-reidentification-retail-0095/FP32';
      const original = await Gallery.open(file, { model });
      const vs = person(5);
      await original.add('alice', vs[0], { source: 'a1.jpg', team: 'red' });
      await original.add('alice', vs[1], { source: 'a2.jpg' });
      await original.add('alice', vs[2]); // no source: kept by its vector on a rerun
      await original.add('bob', vs[3], { source: 'b1.jpg' });
      await original.add('carol', vs[4], { source: 'c.jpg' });
      const t0 = Date.parse('2026-01-01T00:00:00Z');
      await original.sightings.record(Array.from({ length: 30 }, (_, i) => ({ at: new Date(t0 + Math.floor(i / 3) * 1000).toISOString(), node: 'door', source: 'cam', label: i % 2 ? 'alice' : 'Unknown', similarity: 0.5 + i / 100, box: { x: i, y: 1, width: 2, height: 3 } })));
      const keyRecord = (id, revoked = null) => ({ id, name: `key ${id}`, scope: 'manage', salt: '0a1b', hash: 'c0ffee', rateLimit: id === 'k1' ? 60 : null, created: '2026-01-02T03:04:05.678Z', revoked });
      await original.keys.create(keyRecord('k1'));
      await original.keys.create(keyRecord('k2', '2026-01-03T00:00:00.000Z'));
      const expected = await snapshot(original);
      const expectedKeys = await original.keys.list();
      await original.close();

      const first = await run('--from', file, '--to', url);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /3 identities: 5 samples copied, 0 already there; 30 sightings copied; 2 API keys copied/);
      assert.match(first.stderr, /migrate .*\/5 samples[\s\S]*migrate 5 samples in/);
      const rerun = await run('--from', file, '--to', url, '--quiet');
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(rerun.stdout, /3 identities: 0 samples copied, 5 already there; 0 sightings copied; 0 API keys copied/);
      assert.equal(rerun.stderr, '');
      const copied = await open(url, { model });
      assert.deepEqual(await snapshot(copied), expected);
      assert.deepEqual(await copied.keys.list(), expectedKeys, 'the key records, hashes and all, idempotently');
      await copied.close();
      // A key revoked in the source after a first copy is revoked in the target by the next one.
      const source = await Gallery.open(file);
      await source.keys.revoke('k1');
      await source.close();
      assert.match((await run('--from', file, '--to', url, '--quiet')).stdout, /; 1 API keys copied/);
      const revoked = await open(url, { model });
      assert.notEqual((await revoked.keys.get('k1')).revoked, null);
      await revoked.close();

      const down = await run('--from', url, '--to', back, '--quiet');
      assert.equal(down.code, 0, down.stderr);
      assert.match(down.stdout, /5 samples copied/);
      assert.match((await run('--from', url, '--to', back, '--quiet')).stdout, /0 samples copied, 5 already there; 0 sightings copied/);
      const returned = await Gallery.open(back, { readonly: true });
      assert.deepEqual(await snapshot(returned), expected);
      assert.deepEqual((await returned.keys.list()).map((k) => [k.id, k.hash, k.salt, k.scope, k.revoked !== null]), [['k1', 'c0ffee', '0a1b', 'manage', true], ['k2', 'c0ffee', '0a1b', 'manage', true]]);
      assert.equal(returned.model, model);
      await returned.close();
    });

    it('refuses a target of another model, and a missing source file, with typed errors', async function () {
      const file = join(dir, `migrate-model-${process.pid}.sqlite`);
      rmSync(file, { force: true });
      const g = await Gallery.open(file, { model: 'face-reidentification-retail-0095/FP32' });
      await g.add('x', person(1)[0]);
      await g.close();
      await (await open(url, { model: 'face-reidentification-retail-0095/FP16' })).close();
      const mismatch = await run('--from', file, '--to', url);
      assert.equal(mismatch.code, 1);
      assert.match(mismatch.stderr, /GALLERY_MODEL_MISMATCH/);
      const missing = await run('--from', join(dir, 'nope.sqlite'), '--to', url);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /GALLERY_NOT_FOUND/);
    });
  });

  it('keeps its default outbox in the state folder, never in the model cache', async function () {
    const saved = { FACE_REID_STATE_DIR: process.env.FACE_REID_STATE_DIR, XDG_STATE_HOME: process.env.XDG_STATE_HOME, FACE_REID_CACHE_DIR: process.env.FACE_REID_CACHE_DIR };
    const restore = () => {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    };
    const state = join(dir, 'state');
    const xdg = join(dir, 'xdg-state');
    const cache = join(dir, 'model-cache');
    const files = (folder) => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.sqlite')) : []);
    try {
      process.env.FACE_REID_CACHE_DIR = cache;
      process.env.FACE_REID_STATE_DIR = state;
      process.env.XDG_STATE_HOME = xdg;
      const a = await Gallery.open(url);
      await a.add('x', person(1)[0]);
      await a.close();
      assert.equal(files(join(state, 'outbox')).length, 1, 'FACE_REID_STATE_DIR/outbox holds the queue');
      delete process.env.FACE_REID_STATE_DIR;
      const b = await Gallery.open(url);
      await b.close();
      assert.equal(files(join(xdg, 'ov-face-reid', 'outbox')).length, 1, 'else $XDG_STATE_HOME/ov-face-reid/outbox');
      assert.ok(!existsSync(cache), 'nothing written under the model cache');
    } finally {
      restore();
    }
  });

  it('close() ends every connection and releases the outbox', async function () {
    const path = outbox('close');
    const g = await Gallery.open(url, { outbox: path });
    await g.add('x', person(1)[0]);
    const sessions = async () => (await pg.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'ov-face-reid' AND datname = current_database()", [], url)).rows[0].n;
    assert.ok((await sessions()) >= 2);
    await g.close();
    await waitFor(async () => (await sessions()) === 0, 2000, 'every session to end');
    const again = await open(url, { outbox: path }); // the file lock is free
    assert.equal(again.status.outbox, 0);
    assert.ok(existsSync(path));
  });
});
