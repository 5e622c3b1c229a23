'use strict';
// A live source for the tests: ffmpeg serving a video file over HTTP on a loopback port, as MPEG-TS
// at its native rate, looping forever, like a camera. Debian's ffmpeg serves one client per
// process (`-listen 1`) and exits when that client leaves, so the helper starts a new server
// process whenever one exits by itself. `kill()` takes it down as a crash would (SIGKILL) and
// keeps it down until `restart()`, which serves again on the same port.
const { spawn } = require('node:child_process');
const { ffmpegPath } = require('./media');
const { freePort } = require('./ports');

class FfmpegServer {
  #child;
  #down = false;

  constructor(file, port) {
    this.file = file;
    this.port = port;
    this.url = `http://127.0.0.1:${port}/live.ts`;
    /** Server processes started so far. */
    this.starts = 0;
  }

  /** Serves `file` at `server.url`. */
  static async start(file, { port } = {}) {
    const server = new FfmpegServer(file, port ?? (await freePort()));
    await server.#spawn();
    return server;
  }

  get running() {
    return Boolean(this.#child);
  }

  async #spawn() {
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', this.file, '-c', 'copy', '-f', 'mpegts', '-listen', '1', this.url];
    const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', () => undefined);
    this.#child = child;
    this.starts++;
    child.once('exit', () => {
      if (this.#child !== child) return;
      this.#child = undefined;
      // Its client left: serve the next one, as a camera would.
      if (!this.#down) setTimeout(() => !this.#down && !this.#child && this.#spawn(), 100);
    });
    // ffmpeg opens its listening socket right after reading the input's header.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  /** Kills the server process as a crash would and keeps it down; waits for it to be gone. */
  async kill() {
    this.#down = true;
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }

  /** Serves again on the same port (a restarted camera). */
  async restart() {
    await this.kill();
    this.#down = false;
    await this.#spawn();
  }

  close() {
    return this.kill();
  }
}

module.exports = { FfmpegServer };
