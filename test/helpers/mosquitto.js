'use strict';
// A real mosquitto broker for the MQTT tests, on a free loopback port, with persistence so a
// graceful restart keeps the sessions and queued messages of persistent subscribers (the tests
// restart it in the middle of a run). Fails naming scripts/install-media.sh when mosquitto is absent.
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir, userInfo } = require('node:os');
const { join } = require('node:path');
const { mosquittoPath } = require('./media');
const { freePort, waitForPort } = require('./ports');

class Mosquitto {
  constructor(port, dir) {
    this.port = port;
    this.dir = dir;
    this.url = `mqtt://127.0.0.1:${port}`;
    this.child = undefined;
    this.log = '';
  }

  static async start() {
    const broker = new Mosquitto(await freePort(), mkdtempSync(join(tmpdir(), 'face-reid-mosquitto-')));
    writeFileSync(
      join(broker.dir, 'mosquitto.conf'),
      [
        `listener ${broker.port} 127.0.0.1`,
        // Run as root, mosquitto would switch to user "mosquitto", who cannot write our folder.
        `user ${userInfo().username}`,
        'allow_anonymous true', 'persistence true', `persistence_location ${broker.dir}/`, 'log_dest stderr', 'log_type error', 'log_type warning', ''].join('\n'),
    );
    await broker.#spawn();
    return broker;
  }

  async #spawn() {
    const child = spawn(mosquittoPath(), ['-c', join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let exited = false;
    child.once('exit', () => (exited = true));
    child.stderr.on('data', (d) => (this.log += d));
    await waitForPort(this.port, 10000, () => !exited).catch((err) => {
      throw new Error(`${err.message}; mosquitto said: ${this.log}`);
    });
  }

  /** Graceful stop (SIGTERM: mosquitto saves its persistence file); waits for the exit. */
  async stop() {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  }

  async restart() {
    await this.stop();
    await this.#spawn();
  }

  /** Stops the broker and removes its folder. */
  async close() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { Mosquitto };
