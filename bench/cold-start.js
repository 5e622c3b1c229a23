'use strict';
// Cold start of an install: `require('ov-face-reid')`, then the first FaceReid.create (which opens
// the runtime, creates the OpenVINO core and compiles the re-identification model), each in a
// fresh Node process, median of N. Measured with the runtime from the npm runtime package's
// folder and, as the reference in the same run, from the full wheel (.openvino/openvino/libs),
// interleaved (and which goes first alternating) so that drift of the host hits both alike.
//
//   node bench/cold-start.js [--runs 5] [--package DIR]   (DIR: the made runtime package, default build-packages/openvino-linux-x64)
const { spawnSync } = require('node:child_process');
const { existsSync, realpathSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { median } = require('./lib');
const { projectRoot, modelsDir } = require('../test/helpers/env');

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, package: { type: 'string' } } });
const runs = Number(values.runs);
const packageLibs = join(values.package ?? join(projectRoot, 'build-packages', 'openvino-linux-x64'), 'lib');
const wheelLibs = realpathSync(join(projectRoot, '.openvino', 'openvino', 'libs'));
if (!existsSync(packageLibs)) {
  console.error(`no runtime package at ${packageLibs}: run scripts/make-runtime-package.sh first`);
  process.exit(1);
}

// One fresh process: times require() and the first create() with hrtime, prints them as JSON.
const probe = `
const t0 = process.hrtime.bigint();
const { FaceReid } = require(${JSON.stringify(join(projectRoot, 'dist'))});
const t1 = process.hrtime.bigint();
FaceReid.create({ device: 'CPU' }).then((reid) => {
  const t2 = process.hrtime.bigint();
  reid.close();
  console.log(JSON.stringify({ requireMs: Number(t1 - t0) / 1e6, createMs: Number(t2 - t1) / 1e6 }));
});`;

function once(libs) {
  const result = spawnSync(process.execPath, ['-e', probe], {
    encoding: 'utf8',
    env: { ...process.env, OPENVINO_LIB_PATH: libs, FACE_REID_MODELS: modelsDir() },
  });
  if (result.status !== 0) throw new Error(`probe failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

const samples = { package: [], wheel: [] };
for (let i = 0; i < runs; i++) {
  // Which one goes first alternates too, so neither always follows the other.
  const order = i % 2 ? ['wheel', 'package'] : ['package', 'wheel'];
  for (const which of order) samples[which].push(once(which === 'package' ? packageLibs : wheelLibs));
}
const summary = (list) => ({
  requireMs: median(list.map((s) => s.requireMs)),
  createMs: median(list.map((s) => s.createMs)),
});
const pkg = summary(samples.package);
const wheel = summary(samples.wheel);
console.log(
  JSON.stringify(
    {
      node: process.version,
      runs,
      runtimePackage: pkg,
      fullWheel: wheel,
      createRatioPackageToWheel: +(pkg.createMs / wheel.createMs).toFixed(3),
    },
    null,
    2,
  ),
);
