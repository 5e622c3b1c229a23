'use strict';
// The gallery's SQLite driver layer (src/gallery/stores/sqlite-driver.ts) behaves the same over
// node:sqlite and better-sqlite3: statements, pluck/raw/iterate, pragmas, transactions (commit,
// rollback, nesting, IMMEDIATE) and SQLite's error codes. In this process the suite runs on the
// driver this Node picks (FACE_REID_SQLITE_DRIVER forces one); then it runs itself again on Node 24
// with node:sqlite (scripts/install-node-lines.sh fetches Node 24 from the npm registry).
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { projectRoot } = require('./helpers/env');
const { openSqlite, sqliteDriver, sqliteDriverOrder } = require('../dist/gallery/stores/sqlite-driver');

describe(`SQLite driver layer (${sqliteDriver().name} on Node ${process.version})`, function () {
  let dir;
  let db;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'face-reid-sqlite-'));
    db = openSqlite(join(dir, 'a.db'));
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL, blob BLOB)');
  });

  afterEach(function () {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs statements: changes and row ids, rows as objects, pluck and raw, iterate', function () {
    const insert = db.prepare('INSERT INTO t (name, blob) VALUES (?, ?)');
    assert.deepStrictEqual({ ...insert.run('a', new Uint8Array([1, 2, 3])) }, { changes: 1, lastInsertRowid: 1 });
    insert.run('b', null);
    assert.deepStrictEqual({ ...db.prepare('SELECT name FROM t WHERE id = ?').get(2) }, { name: 'b' });
    assert.strictEqual(db.prepare('SELECT name FROM t WHERE id = ?').get(99), undefined);
    assert.strictEqual(db.prepare('SELECT count(*) FROM t').pluck().get(), 2);
    assert.deepStrictEqual(db.prepare('SELECT name FROM t ORDER BY id').pluck().all(), ['a', 'b']);
    const rows = [...db.prepare('SELECT id, name, blob FROM t ORDER BY id').raw().iterate()];
    assert.strictEqual(rows.length, 2);
    assert.deepStrictEqual(rows[0].slice(0, 2), [1, 'a']);
    assert.ok(rows[0][2] instanceof Uint8Array);
    assert.deepStrictEqual([...rows[0][2]], [1, 2, 3]);
    assert.strictEqual(rows[1][2], null);
  });

  it('a new connection waits up to 5 s for a lock by default, as better-sqlite3 does', function () {
    assert.strictEqual(db.pragma('busy_timeout', { simple: true }), 5000);
  });

  it('pragmas: every row, or the first value with simple', function () {
    assert.strictEqual(db.pragma('journal_mode = WAL', { simple: true }), 'wal');
    db.pragma('user_version = 7');
    assert.strictEqual(db.pragma('user_version', { simple: true }), 7);
    const rows = db.pragma('table_info(t)');
    assert.deepStrictEqual(rows.map((r) => r.name), ['id', 'name', 'blob']);
  });

  it('transactions commit, roll back on a throw, nest as savepoints, and take the lock up front with immediate', function () {
    const insert = db.prepare('INSERT INTO t (name) VALUES (?)');
    const count = db.prepare('SELECT count(*) FROM t').pluck();
    const many = db.transaction((names) => {
      for (const n of names) insert.run(n);
      return names.length;
    });
    assert.strictEqual(many(['a', 'b']), 2);
    assert.throws(() => many(['c', 'a']), (err) => err.code.startsWith('SQLITE_CONSTRAINT'));
    assert.strictEqual(count.get(), 2, 'the failed transaction left nothing');
    const outer = db.transaction(() => {
      insert.run('d');
      try {
        many(['e', 'd']); // fails inside: only the inner part is undone
      } catch {
        /* expected */
      }
      return count.get();
    });
    assert.strictEqual(outer.immediate(), 3);
    assert.deepStrictEqual(db.prepare('SELECT name FROM t ORDER BY id').pluck().all(), ['a', 'b', 'd']);
    // IMMEDIATE holds the write lock from BEGIN: a second connection cannot write meanwhile.
    const other = openSqlite(join(dir, 'a.db'));
    other.pragma('busy_timeout = 0');
    const blocked = db.transaction(() => {
      assert.throws(() => other.prepare('INSERT INTO t (name) VALUES (?)').run('x'), (err) => err.code.startsWith('SQLITE_BUSY'));
    });
    blocked.immediate();
    other.close();
  });

  it('SQLite failures carry SQLITE_* codes; read-only refuses writes and never creates a file (missing folders are the store\'s check)', function () {
    assert.throws(() => db.exec('SELECT * FROM nowhere'), (err) => err.code === 'SQLITE_ERROR' && /no such table/.test(err.message));
    assert.throws(() => openSqlite(join(dir, 'absent.db'), { readonly: true }), (err) => err.code === 'SQLITE_CANTOPEN');
    const ro = openSqlite(join(dir, 'a.db'), { readonly: true });
    assert.strictEqual(ro.readonly, true);
    assert.throws(() => ro.exec("INSERT INTO t (name) VALUES ('z')"), (err) => err.code === 'SQLITE_READONLY');
    ro.close();
    assert.strictEqual(ro.open, false);
    assert.strictEqual(db.open, true);
  });

  it('FACE_REID_SQLITE_DRIVER narrows the choice to one driver and rejects unknown names', function () {
    const saved = process.env.FACE_REID_SQLITE_DRIVER;
    try {
      process.env.FACE_REID_SQLITE_DRIVER = 'node:sqlite';
      assert.deepStrictEqual(sqliteDriverOrder(), ['node:sqlite']);
      process.env.FACE_REID_SQLITE_DRIVER = 'sqlite3';
      assert.throws(() => sqliteDriverOrder(), { name: 'RangeError', message: /Expected 'node:sqlite' or 'better-sqlite3' for FACE_REID_SQLITE_DRIVER but received/ });
      delete process.env.FACE_REID_SQLITE_DRIVER;
      const major = Number(process.versions.node.split('.')[0]);
      assert.deepStrictEqual(sqliteDriverOrder(), major >= 24 ? ['node:sqlite', 'better-sqlite3'] : ['better-sqlite3', 'node:sqlite']);
    } finally {
      if (saved === undefined) delete process.env.FACE_REID_SQLITE_DRIVER;
      else process.env.FACE_REID_SQLITE_DRIVER = saved;
    }
  });

  if (!process.env.FACE_REID_DRIVER_CHILD) {
    it('the same suite on Node 24 with node:sqlite', function () {
      this.timeout(300_000);
      const fetched = spawnSync('bash', [join(projectRoot, 'scripts', 'install-node-lines.sh'), '24'], { encoding: 'utf8', cwd: projectRoot });
      assert.strictEqual(fetched.status, 0, `Node 24 is needed: scripts/install-node-lines.sh failed:\n${fetched.stderr}`);
      const node24 = fetched.stdout.trim().split(' ')[1];
      const mocha = join(projectRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');
      const child = spawnSync(node24, [mocha, '--no-config', '--reporter', 'dot', __filename], {
        encoding: 'utf8',
        cwd: projectRoot,
        env: { ...process.env, FACE_REID_DRIVER_CHILD: '1', FACE_REID_SQLITE_DRIVER: 'node:sqlite' },
      });
      assert.strictEqual(child.status, 0, `on Node 24 with node:sqlite:\n${child.stdout}\n${child.stderr}`);
      assert.match(child.stdout, /6 passing/);
    });
  }
});
