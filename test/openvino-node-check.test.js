'use strict';
// engine: 'openvino-node' is checked when it is chosen: an openvino-node without a method the
// adapter calls fails FaceReid.create / FacePipeline.create at once with ENGINE_UNAVAILABLE naming
// the release needed, instead of "model.reshape is not a function" in the middle of a compile.
// The openvino-node used here is a stub module shaped like an old release (Model without reshape):
// it tests OUR check of the module's shape, not OpenVINO (nothing in it ever runs a model).
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { projectRoot } = require('./helpers/env');

const adapter = require('../dist/engine/openvino-node-adapter');

/** openvino-node's addon classes with the methods the adapter calls, minus `drop` ("Class.method" or "Class"). */
function addonShape(drop = []) {
  const cls = (name, methods) => {
    if (drop.includes(name)) return undefined;
    const C = function () {};
    Object.defineProperty(C, 'name', { value: name });
    for (const m of methods) if (!drop.includes(`${name}.${m}`)) C.prototype[m] = function () {};
    return C;
  };
  const classes = {
    Core: cls('Core', ['readModel', 'compileModel', 'getAvailableDevices']),
    Model: cls('Model', ['reshape', 'getName']),
    CompiledModel: cls('CompiledModel', ['createInferRequest', 'getProperty']),
    InferRequest: cls('InferRequest', ['setInputTensor', 'inferAsync']),
    Output: cls('Output', ['getShape']),
    Tensor: cls('Tensor', ['getShape', 'getData']),
  };
  return Object.fromEntries(Object.entries(classes).filter(([, v]) => v !== undefined));
}

/** Runs `code` in a fresh Node whose require('openvino-node') finds the stub in `stubRoot`. */
function runWithStub(stubRoot, code) {
  const result = spawnSync(process.execPath, ['-e', code], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_PATH: stubRoot },
  });
  if (result.error) throw result.error;
  return result;
}

const reportError = (call) => `
const lib = require(${JSON.stringify(join(projectRoot, 'dist'))});
${call}.then(
  () => { console.log(JSON.stringify({ resolved: true })); },
  (err) => { console.log(JSON.stringify({ code: err.code, name: err.name, message: err.message })); },
);`;

describe("engine 'openvino-node': capability check when the engine is chosen", function () {
  let stubRoot;

  before(function () {
    // An openvino-node 2025.2.0 look-alike: every class exported, Model without reshape.
    stubRoot = mkdtempSync(join(tmpdir(), 'face-reid-ovnode-stub-'));
    const pkg = join(stubRoot, 'openvino-node');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'openvino-node', version: '2025.2.0', main: 'index.js' }));
    writeFileSync(
      join(pkg, 'index.js'),
      `'use strict';
const cls = (methods) => { const C = function () {}; for (const m of methods) C.prototype[m] = function () { throw new Error('stub: not for running'); }; return C; };
exports.addon = {
  Core: cls(['readModel', 'compileModel']),
  Model: cls(['getName', 'clone']),
  CompiledModel: cls(['createInferRequest', 'getProperty']),
  InferRequest: cls(['setInputTensor', 'inferAsync']),
  Output: cls(['getShape']),
  Tensor: cls(['getShape']),
};
`,
    );
  });

  after(function () {
    if (stubRoot) rmSync(stubRoot, { recursive: true, force: true });
  });

  it('FacePipeline.create with an openvino-node lacking Model.reshape: ENGINE_UNAVAILABLE naming 2025.3.0, before any compile', function () {
    const result = runWithStub(stubRoot, reportError("lib.FacePipeline.create({ engine: 'openvino-node' })"));
    assert.strictEqual(result.status, 0, result.stderr);
    const out = JSON.parse(result.stdout.trim().split('\n').pop());
    assert.strictEqual(out.code, 'ENGINE_UNAVAILABLE', JSON.stringify(out));
    assert.strictEqual(out.name, 'FaceReidError');
    assert.match(out.message, /needs openvino-node 2025\.3\.0 or later/);
    assert.match(out.message, /the installed openvino-node 2025\.2\.0 lacks Model\.reshape\./);
    assert.doesNotMatch(out.message, /is not a function/);
  });

  it('FaceReid.create checks the same way', function () {
    const result = runWithStub(stubRoot, reportError("lib.FaceReid.create({ engine: 'openvino-node' })"));
    const out = JSON.parse(result.stdout.trim().split('\n').pop());
    assert.strictEqual(out.code, 'ENGINE_UNAVAILABLE', JSON.stringify(out));
    assert.match(out.message, /2025\.2\.0 lacks Model\.reshape/);
  });

  it('without openvino-node at all: ENGINE_UNAVAILABLE saying how to install it', function () {
    const result = runWithStub(join(stubRoot, 'nothing-here'), reportError("lib.FacePipeline.create({ engine: 'openvino-node' })"));
    const out = JSON.parse(result.stdout.trim().split('\n').pop());
    assert.strictEqual(out.code, 'ENGINE_UNAVAILABLE', JSON.stringify(out));
    assert.match(out.message, /needs the openvino-node package and its runtime/);
    assert.match(out.message, /npm install openvino-node/);
  });

  it('checkOpenvinoNode lists every missing method, and whole classes an old addon does not export', function () {
    const full = addonShape();
    assert.strictEqual(adapter.checkOpenvinoNode({ addon: full }, '2026.4.0'), full);
    assert.deepStrictEqual(adapter.missingOpenvinoNodeMethods(full), []);
    assert.deepStrictEqual(adapter.missingOpenvinoNodeMethods(addonShape(['Model.reshape', 'InferRequest.inferAsync'])), ['Model.reshape', 'InferRequest.inferAsync']);
    // openvino-node up to 2025.2 typed only Core and Tensor on its addon.
    assert.deepStrictEqual(adapter.missingOpenvinoNodeMethods(addonShape(['Model', 'CompiledModel', 'InferRequest', 'Output'])), [
      'Model (not exported)',
      'CompiledModel (not exported)',
      'InferRequest (not exported)',
      'Output (not exported)',
    ]);
    assert.throws(
      () => adapter.checkOpenvinoNode({ addon: addonShape(['Core.compileModel']) }, undefined),
      (err) => err.code === 'ENGINE_UNAVAILABLE' && /the installed openvino-node lacks Core\.compileModel\./.test(err.message),
    );
    for (const notAModule of [null, {}, { addon: 42 }]) {
      assert.throws(() => adapter.checkOpenvinoNode(notAModule, '1.0.0'), (err) => err.code === 'ENGINE_UNAVAILABLE' && /Core \(not exported\)/.test(err.message));
    }
  });

  it('an unknown engine name is still a RangeError, and checking a name loads nothing', function () {
    const { checkEngine, chooseEngine } = require('../dist/engine/surface');
    assert.throws(() => chooseEngine('tensorflow'), { name: 'RangeError', message: /Expected 'c-api' or 'openvino-node' for engine but received/ });
    assert.strictEqual(chooseEngine(undefined), 'c-api');
    assert.strictEqual(checkEngine('openvino-node'), 'openvino-node');
  });

  it('the engine surface and the openvino-node adapter do not import each other', function () {
    const imports = (file) =>
      [...readFileSync(join(projectRoot, 'src', 'engine', file), 'utf8').matchAll(/(?:from|import\()\s*'(\.\/[^']+)'/g)].map((m) => m[1]);
    assert.ok(imports('surface.ts').includes('./openvino-node-adapter'), 'surface chooses the adapter');
    assert.ok(!imports('openvino-node-adapter.ts').includes('./surface'), `the adapter imports ${imports('openvino-node-adapter.ts').join(', ')}`);
    assert.ok(imports('openvino-node-adapter.ts').includes('./engine-model'));
  });
});
