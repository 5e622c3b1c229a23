'use strict';
// The gallery backends the parameterised gallery suite runs against (test/gallery.test.js).
//
// Each entry:
//   name                       shown in the suite's title
//   setup()    async, once     start whatever the backend needs (a server, a cluster)
//   teardown() async, once     stop everything setup started
//   fresh(name) async          the location of a new, empty gallery (distinct per call)
//   open(options, location?)   Gallery.open on `location`, or on a fresh one
// A backend that needs a server adds one entry here with its setup and teardown; the suite
// itself does not change.
const { rmSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { Gallery } = require('../../dist');
const { outputDir } = require('./env');
const { startPostgres } = require('./postgres');

function sqlite() {
  const root = join(outputDir('gallery'), 'backend-sqlite');
  let n = 0;
  const backend = {
    name: 'sqlite',
    async setup() {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
    },
    async teardown() {},
    async fresh(name = 'g') {
      return join(root, `${name}-${process.pid}-${++n}.sqlite`);
    },
    async open(options = {}, location) {
      return Gallery.open(location ?? (await backend.fresh()), options);
    },
  };
  return backend;
}

// A real PostgreSQL with pgvector (test/helpers/postgres.js: a throwaway cluster, or the server
// of FACE_REID_TEST_POSTGRES_URL); every fresh gallery is a database of its own, and every open
// gets its own outbox file (one process per outbox).
function postgres() {
  const root = join(outputDir('gallery'), 'backend-postgres');
  let server;
  let n = 0;
  const backend = {
    name: 'postgres',
    async setup() {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
      server = await startPostgres();
    },
    async teardown() {
      if (server) await server.stop();
    },
    async fresh() {
      return server.createDatabase();
    },
    async open(options = {}, location) {
      const outbox = join(root, `outbox-${process.pid}-${++n}.sqlite`);
      return Gallery.open(location ?? (await backend.fresh()), { outbox, ...options });
    },
  };
  return backend;
}

function backends() {
  return [sqlite(), postgres()];
}

module.exports = { backends };
