'use strict';
// The throwaway PostgreSQL cluster that the PostgreSQL gallery's tests run against: pgvector
// works, data survives a stop/start and a crash, and nothing is left behind, even when the process
// that started the cluster is killed.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { Client } = require('pg');
const { startPostgres, stillRunning } = require('./helpers/postgres');

const external = Boolean(process.env.FACE_REID_TEST_POSTGRES_URL);

async function waitFor(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('test PostgreSQL (test/helpers/postgres.js)', function () {
  this.timeout(120000);

  it('runs pgvector, keeps data across a stop/start and a crash, and leaves nothing behind', async function () {
    const pg = await startPostgres({ throwaway: true });
    let stopped = false;
    try {
      const { rows } = await pg.query(`SELECT '[1,2,3]'::vector <=> '[1,2,4]' AS distance`);
      // 1 - cos: (1+4+12) / (sqrt(14) * sqrt(21))
      assert.ok(Math.abs(rows[0].distance - (1 - 17 / Math.sqrt(14 * 21))) < 1e-6, `distance ${rows[0].distance}`);
      await pg.query('CREATE TABLE kept (id int PRIMARY KEY, embedding vector(3))');
      await pg.query(`INSERT INTO kept VALUES (1, '[1,0,0]'), (2, '[0,1,0]')`);

      const { port, dataDir } = pg;
      const pidBefore = pg.pid;
      const before = pg.processes();
      assert.ok(before.length >= 4, `postmaster, checkpointer, writer, walwriter...: ${before}`);
      await pg.restart();
      assert.equal(pg.port, port);
      assert.equal(pg.dataDir, dataDir);
      assert.notEqual(pg.pid, pidBefore, 'a new postmaster after restart');
      assert.deepEqual(stillRunning(before), [], 'the old server is gone');
      assert.deepEqual((await pg.query('SELECT id FROM kept ORDER BY id')).rows.map((r) => r.id), [1, 2]);

      // An outage: while the server is down a connection is refused, and afterwards it is back.
      await pg.stopServer();
      await assert.rejects(pg.query('SELECT 1'), /ECONNREFUSED/);
      await pg.startServer();
      assert.equal((await pg.query('SELECT count(*)::int AS n FROM kept')).rows[0].n, 2);

      // A crash (SIGKILL to every server process): the committed row is recovered from the WAL.
      await pg.query(`INSERT INTO kept VALUES (3, '[0,0,1]')`);
      const crashed = pg.processes();
      await pg.kill();
      assert.deepEqual(stillRunning(crashed), []);
      await pg.startServer();
      assert.deepEqual((await pg.query('SELECT id FROM kept ORDER BY id')).rows.map((r) => r.id), [1, 2, 3]);

      // A frozen server: an open connection gets no answer until it is resumed.
      const client = new Client({ connectionString: pg.url });
      client.on('error', () => {}); // should an assertion fail, stop() ends this session under it
      await client.connect();
      pg.pause();
      const pending = client.query('SELECT 42 AS answer');
      const early = await Promise.race([pending.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 500))]);
      assert.equal(early, 'waiting');
      pg.resume();
      assert.equal((await pending).rows[0].answer, 42);
      await client.end();

      const last = pg.processes();
      await pg.stop();
      stopped = true;
      assert.equal(existsSync(pg.dataDir), false, 'the cluster folder is removed');
      assert.deepEqual(stillRunning(last), [], 'no server process is left');
    } finally {
      if (!stopped) await pg.stop();
    }
  });

  it('creates databases with and without pgvector and drops them at stop()', async function () {
    const pg = await startPostgres();
    try {
      const plain = await pg.createDatabase({ vector: false });
      const name = new URL(plain).pathname.slice(1);
      await assert.rejects(pg.query(`SELECT '[1]'::vector`, [], plain), /type "vector" does not exist/);
      const { rows } = await pg.query('SELECT datname FROM pg_database WHERE datname = $1', [name], pg.adminUrl);
      assert.equal(rows.length, 1);
      if (external) {
        await pg.stop();
        const after = await startPostgres();
        try {
          const left = await after.query('SELECT datname FROM pg_database WHERE datname = $1', [name], after.adminUrl);
          assert.equal(left.rows.length, 0, 'dropped at stop()');
        } finally {
          await after.stop();
        }
      }
    } finally {
      await pg.stop();
    }
  });

  it('cleans up when the process that started the cluster is killed with SIGKILL', async function () {
    const child = spawn(
      process.execPath,
      ['-e', `require(${JSON.stringify(require.resolve('./helpers/postgres'))}).startPostgres({ throwaway: true })
        .then((pg) => { console.log(JSON.stringify({ folder: pg.folder, pids: pg.processes() })); setInterval(() => {}, 1000); })`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const line = await new Promise((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('exit', (code) => reject(new Error(`the child exited (${code}) before starting the cluster`)));
      });
      const { folder, pids } = JSON.parse(line);
      assert.equal(existsSync(folder), true);
      assert.deepEqual(stillRunning(pids.slice(0, 1)), pids.slice(0, 1), 'the postmaster runs'); // a backend may just have ended
      child.kill('SIGKILL');
      const clean = await waitFor(() => stillRunning(pids).length === 0 && !existsSync(folder), 30000);
      assert.ok(clean, `left behind: processes ${stillRunning(pids)}, folder ${existsSync(folder) ? folder : 'removed'}`);
    } finally {
      child.kill('SIGKILL'); // a failure above must not leave the child (and mocha waiting for it)
    }
  });

  it('names the missing piece and the install script when PostgreSQL is not installed', async function () {
    const saved = process.env.FACE_REID_PG_BINDIR;
    process.env.FACE_REID_PG_BINDIR = '/nonexistent/postgresql/bin';
    try {
      await assert.rejects(startPostgres({ throwaway: true }), (error) => {
        assert.match(error.message, /pg_ctl not found \(looked in \/nonexistent\/postgresql\/bin\)/);
        assert.match(error.message, /bash scripts\/install-postgres\.sh/);
        return true;
      });
    } finally {
      if (saved === undefined) delete process.env.FACE_REID_PG_BINDIR;
      else process.env.FACE_REID_PG_BINDIR = saved;
    }
  });
});
