'use strict';
// A real PostgreSQL server with pgvector for the tests and benchmarks: a throwaway cluster in a
// temp folder (initdb, a free 127.0.0.1 port, unix sockets inside the folder), or, when
// FACE_REID_TEST_POSTGRES_URL is set, a developer's own server in which a uniquely named database
// is created and dropped. Missing binaries or pgvector are an error naming
// `bash scripts/install-postgres.sh`, never a skip.
//
// No orphans: each cluster has a watchdog shell process whose stdin is a pipe from this process.
// Whatever way this process ends (stop(), normal exit, a crash, SIGKILL), the pipe closes, the
// watchdog reads EOF, stops the server and removes the folder. stop() uses that same path.
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, chownSync, writeFileSync, readFileSync, readdirSync, rmSync, openSync, closeSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const net = require('node:net');
const { Client } = require('pg');

const INSTALL = 'bash scripts/install-postgres.sh';
const PG_MAJOR = process.env.FACE_REID_PG_MAJOR || '15';
// The cluster only lives for one test run on loopback: a fixed password is enough, and having
// one at all lets tests see how a wrong password is reported.
const PASSWORD = 'face-reid-test';
const SUPERUSER = 'postgres';

let databaseCounter = 0;

function missing(what) {
  return new Error(`PostgreSQL for the tests: ${what}. Install it with \`${INSTALL}\` (as root).`);
}

function pgConfigBinDir() {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The server's bin folder and share folder, checked for every piece the helper runs. */
function locateInstallation() {
  // FACE_REID_PG_BINDIR, when set, is the only place looked at (another major version, a build of one's own).
  const candidates = process.env.FACE_REID_PG_BINDIR
    ? [process.env.FACE_REID_PG_BINDIR]
    : [`/usr/lib/postgresql/${PG_MAJOR}/bin`, pgConfigBinDir()].filter(Boolean);
  const binDir = candidates.find((dir) => existsSync(join(dir, 'pg_ctl')));
  if (!binDir) throw missing(`pg_ctl not found (looked in ${candidates.join(', ')})`);
  for (const tool of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(join(binDir, tool))) throw missing(`${tool} not found in ${binDir}`);
  }
  const pgConfig = join(binDir, 'pg_config');
  if (!existsSync(pgConfig)) throw missing(`pg_config not found in ${binDir} (postgresql-server-dev-${PG_MAJOR})`);
  const shareDir = execFileSync(pgConfig, ['--sharedir'], { encoding: 'utf8' }).trim();
  const control = join(shareDir, 'extension', 'vector.control');
  if (!existsSync(control)) throw missing(`pgvector is not installed (${control} is missing)`);
  return { binDir };
}

/** The OS account the server runs as: ourselves, or `postgres` when we are root (initdb refuses root). */
function serverAccount() {
  if (process.getuid() !== 0) return {};
  try {
    const uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw missing(`running as root needs the \`${SUPERUSER}\` OS user to run the server, and it does not exist`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function uniqueDatabaseName() {
  databaseCounter += 1;
  return `face_reid_test_${process.pid}_${databaseCounter}_${Math.random().toString(36).slice(2, 8)}`;
}

function quoteIdent(name) {
  return `"${name.replace(/"/g, '""')}"`;
}

function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function run(url, sql, params) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10000 });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/**
 * The running processes (Linux /proc) as pid -> parent pid. Zombies count as gone: they have
 * exited and only wait for their parent (init, once the postmaster died) to reap them.
 */
function runningProcesses() {
  const running = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && state !== 'X') running.set(Number(entry), Number(ppid));
  }
  return running;
}

/** Which of these PIDs still run. */
function stillRunning(pids) {
  const running = runningProcesses();
  return pids.filter((pid) => running.has(pid));
}

async function waitUntil(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL for the tests: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Common to both kinds of server: databases made for the tests, dropped by stop(). Subclasses
 * provide `adminUrl`, the maintenance database's URL, for CREATE and DROP DATABASE.
 */
class BaseServer {
  constructor() {
    this.databases = [];
  }

  /**
   * A new, uniquely named database; with `vector: false` it lacks the extension (for the
   * "database without pgvector" error). Returns its URL.
   */
  async createDatabase({ vector = true } = {}) {
    const name = uniqueDatabaseName();
    await run(this.adminUrl, `CREATE DATABASE ${quoteIdent(name)}`);
    this.databases.push(name);
    const url = withDatabase(this.adminUrl, name);
    if (vector) await run(url, 'CREATE EXTENSION IF NOT EXISTS vector');
    return url;
  }

  /** One query on a short-lived connection (to the test database unless `url` says otherwise). */
  query(sql, params, url = this.url) {
    return run(url, sql, params);
  }
}

/** A throwaway cluster this process owns: it can be stopped, killed and paused for outage tests. */
class ThrowawayCluster extends BaseServer {
  constructor({ binDir, account, folder, port, settings }) {
    super();
    this.external = false;
    this.binDir = binDir;
    this.account = account;
    this.folder = folder;
    this.dataDir = join(folder, 'data');
    this.socketDir = folder;
    this.logFile = join(folder, 'server.log');
    this.host = '127.0.0.1';
    this.port = port;
    this.settings = settings;
    this.url = undefined;
    this.watchdog = undefined;
    this.paused = false;
    this.stopped = false;
  }

  get adminUrl() {
    return `postgresql://${SUPERUSER}:${PASSWORD}@${this.host}:${this.port}/postgres`;
  }

  tool(name, args) {
    const result = spawnSync(join(this.binDir, name), args, {
      cwd: this.folder,
      encoding: 'utf8',
      timeout: 120000,
      ...this.account,
    });
    if (result.status !== 0) {
      throw new Error(
        `PostgreSQL for the tests: ${name} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n` +
          `${result.stderr}${result.stdout}`,
      );
    }
    return result;
  }

  initdb() {
    const passwordFile = join(this.folder, 'password');
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (this.account.uid !== undefined) chownSync(passwordFile, this.account.uid, this.account.gid);
    this.tool('initdb', [
      '-D', this.dataDir, '-U', SUPERUSER, `--pwfile=${passwordFile}`,
      // Unix sockets (in our folder) for administration, a password over TCP like a real server.
      '--auth-local=trust', '--auth-host=scram-sha-256',
      '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions',
    ]);
    rmSync(passwordFile);
  }

  logTail() {
    if (!existsSync(this.logFile)) return '';
    return `\nserver log:\n${readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n')}`;
  }

  /**
   * Starts the server on this cluster's port and data; resolves once it accepts connections.
   * The postmaster is our own child (not pg_ctl's, which would leave it to init): we reap it the
   * moment it exits, so a crashed server never lingers as a zombie whose PID blocks the restart.
   */
  async startServer() {
    if (this.stopped) throw new Error('PostgreSQL for the tests: this cluster was stopped for good');
    const args = [
      '-D', this.dataDir, '-p', String(this.port), '-k', this.socketDir, '-c', 'listen_addresses=127.0.0.1',
      // Durability against an OS crash does not matter for a throwaway cluster; a killed server
      // still recovers from its WAL, which is what the outage tests exercise.
      '-c', 'fsync=off', '-c', 'full_page_writes=off',
      ...Object.entries(this.settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ];
    const log = openSync(this.logFile, 'a');
    let server;
    try {
      server = spawn(join(this.binDir, 'postgres'), args, {
        cwd: this.folder,
        detached: true, // its own session: a Ctrl-C to the test run leaves it to the watchdog's orderly stop
        stdio: ['ignore', log, log],
        ...this.account,
      });
    } finally {
      closeSync(log);
    }
    server.unref();
    this.server = server;
    this.pid = server.pid;
    this.paused = false;
    this.exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
    // Ready when postmaster.pid names this process and its status line says so (what pg_ctl -w reads).
    const pidFile = join(this.dataDir, 'postmaster.pid');
    const deadline = Date.now() + 60000;
    for (;;) {
      if (server.exitCode !== null || server.signalCode !== null) {
        throw new Error(`PostgreSQL for the tests: the server exited while starting (${server.exitCode ?? server.signalCode})${this.logTail()}`);
      }
      let lines = [];
      try {
        lines = readFileSync(pidFile, 'utf8').split('\n');
      } catch {
        // not written yet
      }
      if (Number(lines[0]) === server.pid && lines[7]?.trim() === 'ready') return;
      if (Date.now() > deadline) throw new Error(`PostgreSQL for the tests: the server did not start within 60 s${this.logTail()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Stops the server, keeping its data (for outage tests). `mode` as pg_ctl's: 'fast' ends the
   * sessions and checkpoints, 'immediate' skips the checkpoint (recovery at the next start),
   * 'smart' waits for the sessions to end.
   */
  async stopServer({ mode = 'fast' } = {}) {
    const signal = { smart: 'SIGTERM', fast: 'SIGINT', immediate: 'SIGQUIT' }[mode];
    if (!signal) throw new RangeError(`Expected 'smart', 'fast' or 'immediate' for mode but received ${mode}`);
    if (this.paused) this.resume();
    const pids = this.processes();
    if (pids.length > 0) this.server.kill(signal);
    await this.waitForExit(pids);
  }

  async restart(options) {
    await this.stopServer(options);
    await this.startServer();
  }

  /**
   * The postmaster and the processes it forked (backends, background workers), as PIDs. Each
   * child leads a process group of its own (the postmaster calls setsid in them), so signals go
   * to every PID here rather than to one group.
   */
  processes() {
    if (!this.server || this.server.exitCode !== null || this.server.signalCode !== null) return [];
    const running = runningProcesses();
    return [this.pid, ...[...running].filter(([, ppid]) => ppid === this.pid).map(([pid]) => pid)];
  }

  signalAll(signal) {
    const pids = this.processes();
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch (error) {
        if (error.code !== 'ESRCH') throw error; // a backend that ended meanwhile
      }
    }
    return pids;
  }

  /** SIGKILL to the postmaster and every backend at once: a crash. startServer() recovers from the WAL. */
  async kill() {
    const pids = this.signalAll('SIGKILL');
    this.paused = false;
    await this.waitForExit(pids);
  }

  /** Freezes the server (SIGSTOP to all its processes): connections stay open and nothing answers. */
  pause() {
    this.signalAll('SIGSTOP');
    this.paused = true;
  }

  resume() {
    this.signalAll('SIGCONT');
    this.paused = false;
  }

  /** Waits for the postmaster, and for `pids` (its children, orphaned to init when it was killed). */
  async waitForExit(pids = []) {
    await this.exited;
    await waitUntil(() => stillRunning(pids).length === 0, 30000, `server processes ${pids.join(', ')} to exit`);
  }

  /** Stops the server for good and removes the folder. */
  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    if (this.paused) this.resume();
    const pids = this.processes();
    const watchdog = this.watchdog;
    watchdog.ref(); // until it has cleaned up, this process must not exit under it
    const exited = new Promise((resolve) => {
      if (watchdog.exitCode !== null || watchdog.signalCode !== null) resolve();
      else watchdog.once('exit', resolve);
    });
    watchdog.stdin.end();
    await exited;
    if (this.server) await this.waitForExit(pids);
    if (existsSync(this.folder)) throw new Error(`PostgreSQL for the tests: ${this.folder} is still there after stop()`);
  }

  startWatchdog() {
    const pgCtl = join(this.binDir, 'pg_ctl');
    const script = [
      // $1 and $2 are kept in variables: `set --` below reuses the positional parameters.
      'data=$1 folder=$2',
      'read -r _ || true',
      // Whatever state the server was left in: frozen (resume it), running (stop it), gone.
      // (SIGCONT to the postmaster and its children: /proc/N/stat is "N (comm) state ppid ...")
      'pm=$(head -1 "$data/postmaster.pid" 2>/dev/null) && kill -CONT "$pm" 2>/dev/null &&',
      '  for f in /proc/[0-9]*/stat; do read -r l < "$f" 2>/dev/null && set -- ${l##*") "} && [ "$2" = "$pm" ] && p=${f#/proc/} && kill -CONT "${p%/stat}" 2>/dev/null; done',
      `"${pgCtl}" -D "$data" -m fast -w -t 20 stop >/dev/null 2>&1 || "${pgCtl}" -D "$data" -m immediate -w -t 20 stop >/dev/null 2>&1`,
      'rm -rf "$folder"',
    ].join('\n');
    this.watchdog = spawn('/bin/sh', ['-c', script, 'face-reid-pg-watchdog', this.dataDir, this.folder], {
      cwd: tmpdir(),
      detached: true, // its own process group: a Ctrl-C to the test run does not kill it before it cleans up
      stdio: ['pipe', 'ignore', 'ignore'],
      ...this.account,
    });
    // Neither the child nor its pipe may keep the test process alive.
    this.watchdog.unref();
    this.watchdog.stdin.unref?.();
    this.watchdog.stdin.on('error', () => {});
  }
}

/** A developer's own server (FACE_REID_TEST_POSTGRES_URL): only a database of ours, dropped at stop(). */
class ExternalServer extends BaseServer {
  constructor(adminUrl) {
    super();
    this.adminUrl = adminUrl;
    this.external = true;
    const u = new URL(adminUrl);
    this.host = u.hostname;
    this.port = Number(u.port || 5432);
    this.dataDir = undefined;
    this.url = undefined;
  }

  unsupported(what) {
    return new Error(
      `PostgreSQL for the tests: ${what} needs a throwaway cluster this process owns; ` +
        'unset FACE_REID_TEST_POSTGRES_URL to run this test',
    );
  }

  startServer() { return Promise.reject(this.unsupported('startServer()')); }
  stopServer() { return Promise.reject(this.unsupported('stopServer()')); }
  restart() { return Promise.reject(this.unsupported('restart()')); }
  kill() { return Promise.reject(this.unsupported('kill()')); }
  pause() { throw this.unsupported('pause()'); }
  resume() { throw this.unsupported('resume()'); }

  async stop() {
    const names = this.databases.splice(0);
    for (const name of names) await run(this.adminUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    liveExternal.delete(this);
  }
}

// On exit, drop what we created on a developer's server (psql, synchronously: 'exit' cannot wait).
// Throwaway clusters need nothing here: their watchdogs clean up when our end of the pipe closes.
const liveExternal = new Set();
process.once('exit', () => {
  for (const server of liveExternal) {
    for (const name of server.databases) {
      spawnSync('psql', [server.adminUrl, '-qc', `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`], { stdio: 'ignore', timeout: 10000 });
    }
  }
});

/**
 * Starts a PostgreSQL server with pgvector and creates a test database in it (with the vector
 * extension). Resolves to an object with `url` (the test database), `host`, `port`, `dataDir`,
 * `createDatabase()`, `query()`, `stop()` (ends everything, removes the folder) and, on a
 * throwaway cluster, `stopServer()`, `startServer()`, `restart()`, `kill()`, `pause()`, `resume()`.
 * `settings` become `-c key=value` server options (e.g. `{ maintenance_work_mem: '2GB' }`).
 * `throwaway: true` always starts a cluster of our own, even when FACE_REID_TEST_POSTGRES_URL
 * is set: for tests that stop, kill or freeze the server.
 */
async function startPostgres({ settings = {}, throwaway = false } = {}) {
  const externalUrl = process.env.FACE_REID_TEST_POSTGRES_URL;
  if (externalUrl && !throwaway) {
    const server = new ExternalServer(externalUrl);
    liveExternal.add(server);
    server.url = await server.createDatabase();
    return server;
  }
  const { binDir } = locateInstallation();
  const account = serverAccount();
  const folder = mkdtempSync(join(tmpdir(), 'face-reid-pg-'));
  if (account.uid !== undefined) chownSync(folder, account.uid, account.gid);
  const cluster = new ThrowawayCluster({ binDir, account, folder, port: await freePort(), settings });
  try {
    cluster.startWatchdog();
    cluster.initdb();
    for (let attempt = 1; ; attempt++) {
      try {
        await cluster.startServer();
        break;
      } catch (error) {
        // Another process may have taken the port between freePort() and the server's bind.
        if (attempt >= 3 || !/could not bind|Address already in use/.test(String(error.message))) throw error;
        cluster.port = await freePort();
      }
    }
    cluster.url = await cluster.createDatabase();
    return cluster;
  } catch (error) {
    await cluster.stop().catch(() => {});
    throw error;
  }
}

module.exports = { startPostgres, stillRunning };
