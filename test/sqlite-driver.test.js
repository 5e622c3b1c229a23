'use strict';
// The gallery's SQLite driver layer (src/gallery/stores/sqlite-driver.ts) behaves the same over
// node:sqlite and better-sqlite3: statements, pluck/raw/iterate, pragmas, transactions (commit,
// rollback, nesting, IMMEDIATE) and SQLite's error codes. In this process the suite runs on the
// driver this Node picks (FACE_REID_SQLITE_DRIVER forces one); then it runs itself again on Node 24
// with node:sqlite (scripts/install-node-lines.sh fetches Node 24 from the npm registry), and on
// Node 20 once more with better-sqlite3 on the binary of the SQLite binary package
// (scripts/make-sqlite-package.sh) instead of its own build, in a layout like an npm install's.
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { projectRoot } = require('./helpers/env');
// FACE_REID_DRIVER_MODULE: the child run below points the suite at another copy of the driver layer.
const { openSqlite, sqliteDriver, sqliteDriverOrder } = require(process.env.FACE_REID_DRIVER_MODULE || '../dist/gallery/stores/sqlite-driver');
const BETTER_SQLITE3 = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')).packages['node_modules/better-sqlite3'].version;
const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * node_modules as `npm install --ignore-scripts` of ov-face-reid leaves it: ov-face-reid (its
 * package.json and the driver's compiled files), better-sqlite3 without a build/ folder, its
 * `bindings` dependency, and the SQLite binary package made by the release script.
 */
function noScriptInstall(dir) {
  const modules = join(dir, 'node_modules');
  const ours = join(modules, 'ov-face-reid');
  mkdirSync(join(ours, 'dist', 'gallery', 'stores'), { recursive: true });
  cpSync(join(projectRoot, 'package.json'), join(ours, 'package.json'));
  cpSync(join(projectRoot, 'dist', 'errors.js'), join(ours, 'dist', 'errors.js'));
  for (const file of ['sqlite-driver.js', 'sqlite-binary-package.js']) cpSync(join(projectRoot, 'dist', 'gallery', 'stores', file), join(ours, 'dist', 'gallery', 'stores', file));
  const better = join(projectRoot, 'node_modules', 'better-sqlite3');
  cpSync(better, join(modules, 'better-sqlite3'), { recursive: true, filter: (from) => from !== join(better, 'build') });
  for (const dep of ['bindings', 'file-uri-to-path']) cpSync(join(projectRoot, 'node_modules', dep), join(modules, dep), { recursive: true });
  const made = spawnSync('bash', [join(projectRoot, 'scripts', 'make-sqlite-package.sh'), '--node', process.execPath, '--out', join(modules, '@ov-face-reid', 'better-sqlite3-linux-x64')], { encoding: 'utf8', cwd: projectRoot });
  assert.strictEqual(made.status, 0, `scripts/make-sqlite-package.sh failed:\n${made.stdout}\n${made.stderr}`);
  return { driver: join(ours, 'dist', 'gallery', 'stores', 'sqlite-driver.js'), binaryPackage: join(modules, '@ov-face-reid', 'better-sqlite3-linux-x64') };
}

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

  if (process.env.FACE_REID_EXPECT_BINARY) {
    it(`better-sqlite3 runs on the binary from: ${process.env.FACE_REID_EXPECT_BINARY}`, function () {
      assert.strictEqual(sqliteDriver().binary.source, process.env.FACE_REID_EXPECT_BINARY);
    });
  }

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

  if (!process.env.FACE_REID_DRIVER_CHILD && process.versions.modules === '115') {
    describe('Node 20 without better-sqlite3\'s install script: the SQLite binary package', function () {
      let install;
      let work;
      before(function () {
        this.timeout(120_000);
        work = mkdtempSync(join(tmpdir(), 'face-reid-sqlite-package-'));
        install = noScriptInstall(work);
      });
      after(function () {
        rmSync(work, { recursive: true, force: true });
      });

      /** What the driver layer in that layout chooses, from a fresh Node 20 process. */
      const choose = (env = {}) => {
        const script = `try { const d = require(${JSON.stringify(install.driver)}).sqliteDriver(); const db = d.open(':memory:', false);
          console.log(JSON.stringify({ name: d.name, binary: d.binary, version: db.prepare('SELECT sqlite_version() AS v').pluck().get() })); db.close(); }
          catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); }`;
        const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: work, env: { ...process.env, FACE_REID_SQLITE_DRIVER: '', ...env } });
        assert.strictEqual(child.status, 0, child.stderr);
        return JSON.parse(child.stdout);
      };

      it('opens connections with better-sqlite3\'s nativeBinding set to the package\'s node-v115 binary', function () {
        const got = choose();
        assert.strictEqual(got.name, 'better-sqlite3', JSON.stringify(got));
        assert.deepStrictEqual(got.binary, { source: 'npm package', path: join(install.binaryPackage, 'node-v115', 'better_sqlite3.node'), package: `@ov-face-reid/better-sqlite3-linux-x64@${BETTER_SQLITE3}` });
        assert.match(got.version, /^3\.\d+\.\d+$/);
      });

      it('the same driver suite passes on that binary', function () {
        this.timeout(120_000);
        // The suite's own file, loaded in the child with the layout's driver in place of dist's.
        const mocha = join(projectRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');
        const child = spawnSync(process.execPath, [mocha, '--no-config', '--reporter', 'dot', __filename], {
          encoding: 'utf8',
          cwd: projectRoot,
          env: { ...process.env, FACE_REID_DRIVER_CHILD: '1', FACE_REID_DRIVER_MODULE: install.driver, FACE_REID_SQLITE_DRIVER: 'better-sqlite3', FACE_REID_EXPECT_BINARY: 'npm package' },
        });
        assert.strictEqual(child.status, 0, `on the package's binary:\n${child.stdout}\n${child.stderr}`);
        assert.match(child.stdout, /7 passing/);
      });

      it('a package without this ABI, from another better-sqlite3, or absent: GALLERY_UNAVAILABLE giving each reason and the fixes', function () {
        const manifestPath = join(install.binaryPackage, 'package.json');
        const original = readFileSync(manifestPath, 'utf8');
        const edited = (change) => {
          const manifest = JSON.parse(original);
          change(manifest.betterSqlite3);
          writeFileSync(manifestPath, JSON.stringify(manifest));
        };
        try {
          edited((b) => (b.binaries = { 127: 'node-v127/better_sqlite3.node' }));
          let got = choose({ FACE_REID_SQLITE_DRIVER: 'better-sqlite3' });
          assert.strictEqual(got.code, 'GALLERY_UNAVAILABLE');
          assert.match(got.message, new RegExp(`better-sqlite3 is installed without its binary \\(its install script did not run\\), and @ov-face-reid/better-sqlite3-linux-x64@${escaped(BETTER_SQLITE3)} has no binary for Node v20\\.\\d+\\.\\d+ \\(ABI 115; it carries ABI 127\\)`));
          edited((b) => (b.version = '12.0.0'));
          got = choose({ FACE_REID_SQLITE_DRIVER: 'better-sqlite3' });
          assert.ok(got.message.includes(`holds the binary of better-sqlite3 12.0.0, but better-sqlite3 ${BETTER_SQLITE3} is installed`), got.message);
        } finally {
          writeFileSync(manifestPath, original);
        }
        const aside = `${install.binaryPackage}-aside`;
        renameSync(install.binaryPackage, aside);
        try {
          const got = choose();
          assert.strictEqual(got.code, 'GALLERY_UNAVAILABLE');
          assert.match(got.message, /the npm package @ov-face-reid\/better-sqlite3-linux-x64 \(its binary for Node 20\) is not installed; node:sqlite is not available in Node v20/);
          assert.ok(got.message.includes(`Use Node 22.13+ or 24 (node:sqlite is built in); or install better-sqlite3's binary as an npm package: \`npm install @ov-face-reid/better-sqlite3-linux-x64@${BETTER_SQLITE3}\``), got.message);
          assert.match(got.message, /`npm rebuild better-sqlite3`/);
        } finally {
          renameSync(aside, install.binaryPackage);
        }
        assert.strictEqual(choose().binary.source, 'npm package', 'the package works again once back');
      });
    });
  }

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
