'use strict';
// The service's own OpenAPI document turned against it: schemathesis (PyPI, in ./.venv via
// scripts/setup-fuzz.sh) generates requests for every documented operation, valid and not,
// against `face-reid serve` as a child process on the real pipeline, a temporary SQLite gallery
// and an admin key. No answer may be a 5xx, every answer must match the document, and the
// server must still be alive and answering afterwards. Plus the malformed multipart bodies the
// fuzzer first found answering 500, each pinned as a clear 400 in our JSON error shape.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { Gallery, FacePipeline } = require('../dist');
const { createApiKey } = require('../dist/service');
const { modelsDir, dataDir, outputDir } = require('./helpers/env');

const CLI = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
const SCHEMATHESIS = resolve(__dirname, '..', '.venv', 'bin', 'schemathesis');
// Bounded so the run ends in about two minutes on a 2-core CI box; the seed makes it repeatable.
const MAX_EXAMPLES = 4;
const SEED = 20261202;

/** Starts `face-reid serve` on a free port; resolves once it listens. */
function serve(galleryFile, cacheDir) {
  const child = spawn(process.execPath, [CLI, 'serve', '--gallery', galleryFile, '--port', '0'], {
    env: { ...process.env, FACE_REID_MODELS: modelsDir(), FACE_REID_LOG_LEVEL: 'info', FACE_REID_CACHE_DIR: cacheDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolveStart, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolveStart({ child, url: m[1], output: () => out });
    });
    child.once('exit', (code, signal) => reject(new Error(`face-reid serve exited (${code ?? signal}) before listening: ${out}`)));
  });
}

/** Runs schemathesis in the background (it takes minutes) and resolves with its exit code and output. */
function schemathesis(args, cwd) {
  return new Promise((resolveRun) => {
    // cwd: schemathesis keeps a crash cache in ./.schemathesis, which belongs with the test's output.
    const child = spawn(SCHEMATHESIS, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code, signal) => resolveRun({ code, signal, out }));
  });
}

describe('face-reid service under hostile input (schemathesis on /openapi.json)', function () {
  this.timeout(900_000);
  const dir = join(outputDir('service-fuzz'), 'run');
  let server;
  let key;

  before(async function () {
    if (!existsSync(SCHEMATHESIS)) {
      throw new Error(`schemathesis is missing (${SCHEMATHESIS}): install it with scripts/setup-fuzz.sh`);
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const galleryFile = join(dir, 'gallery.sqlite');
    // One enrolled person, so the identity routes have something real to find as well as 404s.
    const pipeline = await FacePipeline.create({ modelDir: modelsDir() });
    try {
      const g = await Gallery.open(galleryFile, { model: pipeline.embeddingModel, outbox: false });
      try {
        const person = join(dataDir(), 'lfw', 'deepfunneled250', 'Colin_Powell');
        const [face] = await pipeline.analyze(readFileSync(join(person, readdirSync(person).sort()[0])));
        await g.add('Colin_Powell', face.embedding, { source: 'fuzz-seed' });
        const created = await createApiKey({ name: 'fuzz', scope: 'admin', rateLimit: 1_000_000 });
        await g.keys.create(created.record);
        key = created.key;
      } finally {
        await g.close();
      }
    } finally {
      await pipeline.close();
    }
    server = await serve(galleryFile, join(dir, 'cache'));
  });

  after(async function () {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGTERM');
      await exited;
    }
  });

  it('every documented operation, fuzzed: no 5xx, every answer as documented, the server still answers', async function () {
    const report = join(dir, 'schemathesis.txt');
    const run = await schemathesis([
      'run', `${server.url}/openapi.json`,
      '--header', `x-api-key: ${key}`,
      '--checks', 'not_a_server_error,response_schema_conformance',
      '--max-examples', String(MAX_EXAMPLES),
      '--seed', String(SEED),
      '--generation-database', 'none',
      '--request-timeout', '60',
      // One worker: with two, hypothesis's lambda-source cache races inside schemathesis (its own error, not ours).
      '--workers', '1',
    ], dir);
    writeFileSync(report, run.out);
    const summary = run.out.split('SUMMARY')[1] ?? run.out.slice(-3000);
    assert.equal(run.code, 0, `schemathesis found failures (full output in ${report}):\n${summary}`);
    assert.match(run.out, /Tested: \d+/, 'schemathesis tested no operation');
    assert.equal(server.child.exitCode, null, 'the server died during the fuzzing');
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.doesNotMatch(server.output(), /"level":50/, 'the server logged an internal error while fuzzed');
  });

  it('a multipart body without a boundary or cut short is a 400 naming the body, in each layer\'s error shape', async function () {
    const boundary = 'fuzz0boundary';
    const cases = [
      { path: '/v1/analyze', headers: { 'content-type': 'multipart/form-data' }, body: '--x\r\n\r\n' },
      { path: '/v1/identify', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: `--${boundary}\r\n[]` },
      { path: '/v1/vision/face/list', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: `--${boundary}\r\n[]--${boundary}--\r\n` },
      { path: '/api/v1/recognition/recognize', headers: { 'content-type': 'multipart/form-data; boundary=' }, body: '--\r\n' },
    ];
    for (const c of cases) {
      const res = await fetch(`${server.url}${c.path}`, { method: 'POST', headers: { 'x-api-key': key, ...c.headers }, body: c.body });
      const body = await res.json();
      assert.equal(res.status, 400, `${c.path}: ${JSON.stringify(body)}`);
      if (c.path.startsWith('/api/v1/')) assert.equal(body.error_code, 'INVALID_REQUEST');
      else if (c.path.startsWith('/v1/vision/')) assert.equal(body.success, false);
      else assert.deepEqual([body.statusCode, body.code, body.field], [400, 'INVALID_REQUEST', 'body']);
    }
  });

  it('the document describes each layer\'s own error shape for its routes', async function () {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    const ref = (path, method) => doc.paths[path][method].responses['400'].content['application/json'].schema.$ref;
    assert.equal(ref('/v1/identify', 'post'), '#/components/schemas/Error');
    assert.equal(ref('/api/v1/recognition/recognize', 'post'), '#/components/schemas/CompreFaceError');
    assert.equal(ref('/v1/vision/face/recognize', 'post'), '#/components/schemas/DeepStackError');
    assert.deepEqual(doc.components.schemas.CompreFaceError.required, ['message', 'code']);
  });
});

