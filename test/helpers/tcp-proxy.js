'use strict';
// A loopback TCP relay in front of a real server, so a test can cut ONE node's network link
// (every open connection reset, new ones refused) while the server and the other nodes carry on,
// then restore it on the same port. `blackhole()` instead accepts connections and never answers:
// a server that hangs at connect.
const net = require('node:net');

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

async function startProxy(targetPort, targetHost = '127.0.0.1') {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const port = await listen(server, 0);
  let listening = true;
  const proxy = {
    port,
    /** Resets every relayed connection and refuses new ones. */
    async cut() {
      const closed = listening ? new Promise((resolve) => server.close(() => resolve())) : Promise.resolve();
      listening = false;
      for (const s of sockets) s.destroy();
      await closed;
    },
    async restore() {
      if (!listening) await listen(server, port);
      listening = true;
    },
    async close() {
      await proxy.cut();
    },
    /** `url` with its port replaced by the proxy's. */
    url(url) {
      const u = new URL(url);
      u.port = String(port);
      return u.toString();
    },
  };
  return proxy;
}

/** A port that accepts TCP connections and never says a word. */
async function blackhole() {
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server, 0);
  return {
    port,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(resolve);
    }),
  };
}

module.exports = { startProxy, blackhole };
