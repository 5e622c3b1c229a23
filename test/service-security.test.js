'use strict';
// The service's security and configuration beyond the routes: `face-reid keys` (printed once,
// listed without secrets, revoked), TLS from the configuration, CORS off by default, slow clients
// cut off, handler deadlines, and the configuration's sources (file, environment, flags).
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const https = require('node:https');
const net = require('node:net');
const { join, resolve } = require('node:path');
const { FacePipeline, Gallery } = require('../dist');
const { createServer, serviceConfig, loadServiceConfig, createApiKey, KeyVerifier } = require('../dist/service');
const { modelsDir, dataDir, outputDir } = require('./helpers/env');

const CLI = resolve(__dirname, '..', 'dist', 'cli', 'main.js');

function cli(args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, FACE_REID_GALLERY: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('face-reid service: keys, TLS, CORS, timeouts, configuration', function () {
  this.timeout(600000);
  let dir;
  let pipeline;
  let gallery;
  let galleryFile;
  const picture = () => readFileSync(join(dataDir(), 'lfw', 'deepfunneled250', 'Aaron_Sorkin', 'Aaron_Sorkin_0001.jpg'));

  before(async function () {
    dir = join(outputDir('service'), 'security');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    galleryFile = join(dir, 'gallery.sqlite');
    pipeline = await FacePipeline.create({ modelDir: modelsDir() });
  });

  after(async function () {
    await gallery?.close();
    await pipeline?.close();
  });

  it('face-reid keys: create prints the key once, list shows no secret, the key works until revoked', async function () {
    const created = cli(['keys', 'create', '--scope', 'manage', '--name', 'frontdoor', '--rate-limit', '120', '--gallery', galleryFile, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { key, id, scope, rateLimit } = JSON.parse(created.stdout);
    assert.match(key, /^frk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual({ id, scope, rateLimit }, { id: key.slice(4, 20), scope: 'manage', rateLimit: 120 });
    const plain = cli(['keys', 'create', '--scope', 'recognize', '--gallery', galleryFile]);
    assert.equal(plain.code, 0);
    assert.match(plain.stdout.trim(), /^frk_/);
    assert.match(plain.stderr, /shown only now/);

    const listed = cli(['keys', 'list', '--gallery', galleryFile, '--json']);
    assert.equal(listed.code, 0);
    const records = JSON.parse(listed.stdout);
    assert.deepEqual(records.map((r) => [r.name, r.scope]).sort(), [['frontdoor', 'manage'], ['recognize-key', 'recognize']]);
    assert.ok(!listed.stdout.includes(key.split('.')[1]));
    assert.ok(records.every((r) => r.hash === undefined && r.salt === undefined));

    gallery = await Gallery.open(galleryFile, { model: pipeline.embeddingModel });
    const app = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent', keyCacheMs: 1 }), logger: false });
    try {
      const list = () => app.inject({ url: '/v1/identities', headers: { 'x-api-key': key } });
      assert.equal((await list()).statusCode, 200);
      const revoked = cli(['keys', 'revoke', id, '--gallery', galleryFile]);
      assert.equal(revoked.code, 0, revoked.stderr);
      await new Promise((r) => setTimeout(r, 5));
      assert.equal((await list()).statusCode, 401, 'a revoked key is refused once the cache has expired');
      assert.equal(cli(['keys', 'revoke', id, '--gallery', galleryFile]).code, 1, 'revoking twice');
    } finally {
      await app.close();
    }
    const bad = cli(['keys', 'create', '--scope', 'root', '--gallery', galleryFile]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--scope must be one of recognize, manage, admin/);
    const noGallery = cli(['keys', 'list']);
    assert.equal(noGallery.code, 1);
    assert.match(noGallery.stderr, /no gallery/);
  });

  it('key checks: concurrent requests with the same uncached key share one scrypt derivation, right or wrong', async function () {
    const { key, record } = await createApiKey({ name: 'burst', scope: 'recognize' });
    let lookups = 0;
    const store = {
      async get(id) {
        lookups++;
        return id === record.id ? record : undefined;
      },
    };
    const verifier = new KeyVerifier(store, 60_000);
    const burst = await Promise.all(Array.from({ length: 16 }, () => verifier.verify(key)));
    assert.ok(burst.every((r) => r === record), 'every request of the burst is admitted');
    assert.equal(lookups, 1, 'one lookup and one derivation for the 16 requests');
    await verifier.verify(key);
    assert.equal(lookups, 1, 'then the cache answers');

    // A wrong secret for a real id: refused for every request, still derived once for the burst.
    const wrong = `${key.slice(0, 21)}${key[21] === 'A' ? 'B' : 'A'}${key.slice(22)}`;
    const refused = await Promise.all(Array.from({ length: 8 }, () => verifier.verify(wrong)));
    assert.ok(refused.every((r) => r === undefined));
    assert.equal(lookups, 2);
    // A refusal is not remembered: the next try derives again.
    assert.equal(await verifier.verify(wrong), undefined);
    assert.equal(lookups, 3);

    // Different keys do not wait for each other's answers (nor share them).
    const other = await createApiKey({ name: 'other', scope: 'admin' });
    const both = await Promise.all([verifier.verify(other.key), new KeyVerifier(store, 60_000).verify(key)]);
    assert.deepEqual(both, [undefined, record], 'the other key is unknown to this store; the first still verifies');

    // A failing store fails every waiting request, and the next request tries again.
    let failing = true;
    const flaky = new KeyVerifier({ async get() { if (failing) throw new Error('database offline'); return record; } }, 60_000);
    const failed = await Promise.allSettled(Array.from({ length: 4 }, () => flaky.verify(key)));
    assert.ok(failed.every((r) => r.status === 'rejected' && /database offline/.test(r.reason.message)));
    failing = false;
    assert.equal(await flaky.verify(key), record);
  });

  it('TLS from the configuration: HTTPS answers with the given certificate, plain HTTP does not', async function () {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
    assert.equal(made.status, 0, `openssl (Debian package openssl) failed: ${made.stderr}`);
    gallery ??= await Gallery.open(galleryFile, { model: pipeline.embeddingModel });
    const app = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent', tls: { cert, key } }), logger: false });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = app.server.address().port;
      const body = await new Promise((resolveBody, reject) => {
        https.get({ host: '127.0.0.1', port, path: '/healthz', ca: readFileSync(cert) }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolveBody({ status: res.statusCode, text }));
        }).on('error', reject);
      });
      assert.deepEqual(body, { status: 200, text: '{"status":"ok"}' });
      const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, (e) => e);
      assert.ok(plain instanceof Error || plain >= 400, `plain HTTP was answered ${plain}`);
    } finally {
      await app.close();
    }
  });

  it('CORS is off by default; with corsOrigins only the listed origins are allowed', async function () {
    gallery ??= await Gallery.open(galleryFile, { model: pipeline.embeddingModel });
    const off = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent' }), logger: false });
    const on = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent', corsOrigins: ['https://dash.example'] }), logger: false });
    try {
      const preflight = (app, origin) => app.inject({ method: 'OPTIONS', url: '/v1/identify', headers: { origin, 'access-control-request-method': 'POST' } });
      assert.equal((await preflight(off, 'https://dash.example')).headers['access-control-allow-origin'], undefined);
      assert.equal((await off.inject({ url: '/healthz', headers: { origin: 'https://dash.example' } })).headers['access-control-allow-origin'], undefined);
      assert.equal((await preflight(on, 'https://dash.example')).headers['access-control-allow-origin'], 'https://dash.example');
      assert.equal((await preflight(on, 'https://evil.example')).headers['access-control-allow-origin'], undefined);
    } finally {
      await off.close();
      await on.close();
    }
  });

  it('a slow client is cut off at requestTimeoutMs (408), a handler past its deadline answers 503 TIMEOUT', async function () {
    gallery ??= await Gallery.open(galleryFile, { model: pipeline.embeddingModel });
    const app = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent', auth: 'off', limits: { requestTimeoutMs: 1500 } }), logger: false });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = app.server.address().port;
      const started = Date.now();
      const answer = await new Promise((resolveAnswer, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          // Headers promise 100 kB; 10 bytes come, then nothing.
          socket.write('POST /v1/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n0123456789');
        });
        let text = '';
        socket.on('data', (d) => (text += d));
        socket.on('close', () => resolveAnswer(text));
        socket.on('error', reject);
        setTimeout(() => reject(new Error('the slow client was never cut off')), 20000).unref();
      });
      const waited = Date.now() - started;
      assert.match(answer, /^HTTP\/1\.1 408/);
      assert.ok(waited >= 1400 && waited < 10000, `cut off after ${waited} ms`);
    } finally {
      await app.close();
    }

    const strict = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent', auth: 'off', limits: { requestTimeoutMs: 5 } }), logger: false });
    try {
      const res = await strict.inject({ method: 'POST', url: '/v1/identify', headers: { 'content-type': 'image/jpeg' }, payload: picture() });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(JSON.parse(res.body).code, 'TIMEOUT');
    } finally {
      await strict.close();
    }
  });

  // The inference queue drops work nobody will read (src/service/work-signal.ts), on a real socket:
  // fastify's request.signal had already fired when the body was read, so neither case worked.
  it('queued work of clients that hung up is dropped, and a request still queued at its deadline answers 503 TIMEOUT', async function () {
    gallery ??= await Gallery.open(galleryFile, { model: pipeline.embeddingModel });
    const body = picture();
    const pipelineRuns = async (url) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('face_reid_inference_duration_seconds_count') && l.includes('"face-pipeline"'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const post = (url, requests) =>
      new Promise((resolveAnswer) => {
        const req = require('node:http').request(`${url}/v1/identify`, { method: 'POST', headers: { 'content-type': 'image/jpeg', 'content-length': body.length } }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolveAnswer({ status: res.statusCode, retryAfter: res.headers['retry-after'], body: text }));
        });
        req.on('error', () => resolveAnswer({ status: 'gone' }));
        req.end(body);
        requests?.push(req);
      });
    const settle = async (app) => {
      while (app.faceService.queue.running + app.faceService.queue.waiting > 0) await new Promise((r) => setTimeout(r, 20));
    };

    const app = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent', auth: 'off', limits: { inferenceConcurrency: 1, queueDepth: 64 } }), logger: false });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${app.server.address().port}`;
      await post(url); // warm: the frame size is compiled
      const before = await pipelineRuns(url);
      const requests = [];
      const answers = Array.from({ length: 12 }, () => post(url, requests));
      await Promise.race(answers); // one answered, the others queued or in the models
      for (const req of requests) req.destroy();
      const statuses = (await Promise.all(answers)).map((a) => a.status);
      await settle(app);
      const ran = (await pipelineRuns(url)) - before;
      assert.ok(statuses.filter((s) => s === 'gone').length >= 9, statuses.join(' '));
      assert.ok(ran <= 12 - 8, `${ran} of 12 frames were inferred after ${statuses.filter((s) => s === 'gone').length} clients had gone`);
    } finally {
      await app.close();
    }

    const strict = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent', auth: 'off', limits: { inferenceConcurrency: 1, queueDepth: 64, requestTimeoutMs: 300 } }), logger: false });
    try {
      await strict.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${strict.server.address().port}`;
      await post(url);
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 40 }, () => post(url)));
      const waited = Date.now() - started;
      const timedOut = answers.filter((a) => a.status === 503);
      assert.ok(answers.every((a) => a.status === 200 || a.status === 503), answers.map((a) => a.status).join(' '));
      assert.ok(timedOut.length > 0 && timedOut.length < 40, `${timedOut.length} of 40 answered 503 in ${waited} ms`);
      for (const a of timedOut) {
        assert.equal(JSON.parse(a.body).code, 'TIMEOUT');
        assert.match(a.retryAfter, /^[1-9]\d*$/);
      }
      console.log(`      deadline 300 ms, 40 requests, 1 in the models at a time: ${40 - timedOut.length} answered, ${timedOut.length} dropped with 503 TIMEOUT, all within ${waited} ms`);
    } finally {
      await strict.close();
    }
  });

  it('configuration: file, then environment, then flags; unknown keys are CONFIG_INVALID naming them', function () {
    const file = join(dir, 'service.json');
    writeFileSync(file, JSON.stringify({ device: 'CPU', thresholds: { match: 0.5 }, service: { port: 9000, host: '0.0.0.0', gallery: 'from-file.sqlite', limits: { queueDepth: 4 } } }));
    const fromFile = loadServiceConfig({ file, env: {} });
    assert.deepEqual([fromFile.port, fromFile.host, fromFile.gallery, fromFile.limits.queueDepth, fromFile.limits.inferenceConcurrency], [9000, '0.0.0.0', 'from-file.sqlite', 4, 2]);
    assert.deepEqual(fromFile.pipeline, { device: 'CPU', thresholds: { match: 0.5 } });
    const fromEnv = loadServiceConfig({ file, env: { FACE_REID_PORT: '9100', FACE_REID_GALLERY: 'postgres://db/x', FACE_REID_CORS_ORIGINS: 'https://a.example, https://b.example' } });
    assert.deepEqual([fromEnv.port, fromEnv.gallery, fromEnv.corsOrigins], [9100, 'postgres://db/x', ['https://a.example', 'https://b.example']]);
    const fromFlags = loadServiceConfig({ file, env: { FACE_REID_PORT: '9100' }, flags: { port: '0', gallery: 'flag.sqlite' } });
    assert.deepEqual([fromFlags.port, fromFlags.gallery], [0, 'flag.sqlite']);
    assert.equal(loadServiceConfig({ flags: { gallery: 'g' }, env: {} }).auth, 'required', 'keys are required by default');

    writeFileSync(file, JSON.stringify({ service: { gallery: 'g', limits: { queueDepht: 4 } } }));
    assert.throws(() => loadServiceConfig({ file, env: {} }), (e) => e.code === 'CONFIG_INVALID' && /service\.limits\.queueDepht/.test(e.message));
    writeFileSync(file, JSON.stringify({ service: { gallery: 'g' }, devise: 'CPU' }));
    assert.throws(() => loadServiceConfig({ file, env: {} }), (e) => e.code === 'CONFIG_INVALID' && /devise/.test(e.message));
    assert.throws(() => loadServiceConfig({ env: {} }), (e) => e.code === 'CONFIG_INVALID' && /no gallery/.test(e.message));
    assert.throws(() => loadServiceConfig({ flags: { gallery: 'g', port: '70000' }, env: {} }), (e) => e.code === 'CONFIG_INVALID' && /flags\.port/.test(e.message));
    assert.throws(() => loadServiceConfig({ flags: { gallery: 'g' }, env: { FACE_REID_AUTH: 'maybe' } }), (e) => e.code === 'CONFIG_INVALID' && /environment\.auth/.test(e.message));
  });
});
