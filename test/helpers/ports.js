'use strict';
// Free loopback ports and waiting for a server to accept, for the helpers that start real servers.
const net = require('node:net');

/** A port nothing listens on right now (the OS picks it; we release it for the server to take). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connection to the port succeeds; rejects after `timeoutMs`. */
async function waitForPort(port, timeoutMs = 10000, isAlive = () => true) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!isAlive()) throw new Error(`the server for port ${port} exited before it listened`);
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

module.exports = { freePort, waitForPort };
