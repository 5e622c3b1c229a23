'use strict';
// The HTTP service as a deployment runs it: `face-reid serve` (dist/cli/main.js) in its own
// process with its own pipeline, so a load benchmark's client, server and in-process reference
// never share a JavaScript thread. The server's log goes to a file (as under systemd, it is
// written, not discarded); its CPU and memory are read from /proc by the caller.
const { spawn } = require('node:child_process');
const { openSync, closeSync } = require('node:fs');
const { createServer } = require('node:net');
const { join, resolve } = require('node:path');

const CLI = resolve(__dirname, '..', 'dist', 'cli', 'main.js');

/** A TCP port free right now on 127.0.0.1 (the CLI takes no port 0 it could report back). */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `face-reid serve --gallery <gallery>` and resolves once /readyz answers 200.
 * `nodeArgs` go before the script (--cpu-prof, say); `logLevel` is FACE_REID_LOG_LEVEL
 * (default: the service's own default, info). Returns { pid, url, logFile, stop() }.
 */
async function startServiceChild({ gallery, dir, nodeArgs = [], logLevel, env = {}, readyTimeoutMs = 180_000 }) {
  const port = await freePort();
  const logFile = join(dir, 'service.log');
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--gallery', gallery, '--host', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', out, 'pipe'],
    env: { ...process.env, ...(logLevel ? { FACE_REID_LOG_LEVEL: logLevel } : {}), ...env },
  });
  closeSync(out);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (gone) throw new Error(`face-reid serve exited before it was ready: ${stderr.slice(-800)}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`face-reid serve was not ready within ${readyTimeoutMs} ms: ${stderr.slice(-800)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  /** SIGTERM (the service closes in order and exits, writing a --cpu-prof profile), SIGKILL after 30 s. */
  async function stop() {
    if (gone) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const how = await exited;
    clearTimeout(timer);
    return how;
  }
  return { pid: child.pid, url, logFile, stop, stderr: () => stderr };
}

module.exports = { startServiceChild, freePort };
