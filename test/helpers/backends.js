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

function backends() {
  return [sqlite()];
}

module.exports = { backends };
