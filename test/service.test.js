'use strict';
// The HTTP service on the real pipeline and models, an SQLite gallery in a temporary folder, and
// real LFW pictures: every route, every error status, keys stored hashed, the CompreFace
// JavaScript SDK and DeepStack-style multipart against a listening server on 127.0.0.1, and a
// server child process killed with SIGKILL in the middle of an enrolment burst.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');
const zlib = require('node:zlib');
const { PNG_SIGNATURE, pngChunk } = require('./helpers/png');
const { openSqliteFile: Database } = require('./helpers/sqlite');
const sharp = require('sharp');
const { FacePipeline, Gallery, EMBEDDING_SIZE } = require('../dist');
const { createServer, serviceConfig, createApiKey } = require('../dist/service');
const { modelsDir, dataDir, outputDir } = require('./helpers/env');
const { startPostgres } = require('./helpers/postgres');

const CLI = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
const root = outputDir('service');

function freshDir(name) {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The demo's choice of people: the most pictures first, three or more each. */
function lfwPeople(count) {
  const base = join(dataDir(), 'lfw', 'deepfunneled250');
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ name: d.name, pictures: readdirSync(join(base, d.name)).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(base, d.name, f)) }))
    .filter((p) => p.pictures.length >= 3)
    .sort((a, b) => b.pictures.length - a.pictures.length || a.name.localeCompare(b.name))
    .slice(0, count);
}

/** A multipart/form-data body as browsers and the form-data package write it. */
function multipart(parts) {
  const boundary = `----face-reid-test-${Math.random().toString(16).slice(2)}`;
  const chunks = [];
  for (const [name, value] of Object.entries(parts)) {
    if (Buffer.isBuffer(value)) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="../../etc/${name}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`));
      chunks.push(value, Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A PNG of width x height gray pixels, all zero: a few hundred kilobytes that decode to width*height bytes. */
async function pngBomb(width, height) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // gray
  // Rows of zeros (filter byte 0 + pixels), deflated in slices so the test never holds the raw image.
  const deflate = zlib.createDeflate({ level: 9 });
  const out = [];
  deflate.on('data', (d) => out.push(d));
  const finished = new Promise((r, j) => deflate.on('end', r).on('error', j));
  const rows = 500;
  const slice = Buffer.alloc((width + 1) * rows);
  for (let y = 0; y < height; y += rows) {
    if (!deflate.write(slice.subarray(0, (width + 1) * Math.min(rows, height - y)))) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await finished;
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr), pngChunk('IDAT', Buffer.concat(out)), pngChunk('IEND', Buffer.alloc(0))]);
}

async function groupPhoto(files) {
  const tile = 250;
  const columns = Math.ceil(Math.sqrt(files.length));
  const rows = Math.ceil(files.length / columns);
  return sharp({ create: { width: tile * columns, height: tile * rows, channels: 3, background: '#202020' } })
    .composite(await Promise.all(files.map(async (f, i) => ({ input: await sharp(f).resize(tile, tile).toBuffer(), left: (i % columns) * tile, top: Math.floor(i / columns) * tile }))))
    .jpeg({ quality: 92 })
    .toBuffer();
}

function json(res) {
  return JSON.parse(res.body);
}

function assertError(res, status, code, field) {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body}`);
  const body = json(res);
  assert.equal(body.code, code, res.body);
  assert.equal(typeof body.message, 'string');
  if (field !== undefined) assert.equal(body.field, field, res.body);
  return body;
}

/**
 * The gallery backends the suite runs on. Each `start(dir)` resolves to { location, fresh(name),
 * dump(), stop() }: where the suite's gallery is, a new empty gallery, every stored value as text
 * (to look for keys), and the end of whatever was started.
 */
const BACKENDS = [
  {
    name: 'SQLite',
    backend: 'sqlite',
    async start(dir) {
      const location = join(dir, 'gallery.sqlite');
      return {
        location,
        async fresh(name) {
          return join(freshDir(name), 'gallery.sqlite');
        },
        async dump() {
          const db = new Database(location, { readonly: true });
          let text = '';
          try {
            for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()) {
              for (const row of db.prepare(`SELECT * FROM "${name}"`).raw().all()) text += row.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : String(v))).join('\u0000');
            }
          } finally {
            db.close();
          }
          // The raw files too (WAL included): a key must not be anywhere on disk.
          return text + readdirSync(dir).filter((f) => f.startsWith('gallery.sqlite')).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('');
        },
        async stop() {},
      };
    },
  },
  {
    name: 'PostgreSQL',
    backend: 'postgres',
    async start() {
      const server = await startPostgres();
      return {
        location: server.url,
        fresh: () => server.createDatabase(),
        async dump() {
          const tables = await server.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
          let text = '';
          for (const { table_name: name } of tables.rows) {
            const rows = await server.query(`SELECT t::text AS row FROM "${name}" t`);
            text += rows.rows.map((r) => r.row).join('\u0000');
          }
          return text;
        },
        stop: () => server.stop(),
      };
    },
  },
];

for (const backend of BACKENDS) {
describe(`face-reid service on ${backend.name} (fastify, real pipeline)`, function () {
  this.timeout(600000);
  let pipeline;
  let gallery;
  let app;
  let dir;
  let store;
  const keys = {};
  let people;
  let pictures;

  const auth = (scope) => ({ 'x-api-key': keys[scope] });
  const withAuth = ({ payload, headers }, scope) => ({ payload, headers: { ...headers, 'x-api-key': keys[scope] } });

  before(async function () {
    dir = freshDir(`main-${backend.name}`);
    store = await backend.start(dir);
    people = lfwPeople(7);
    pictures = Object.fromEntries(people.map((p) => [p.name, p.pictures.slice(0, 3).map((f) => readFileSync(f))]));
    pipeline = await FacePipeline.create({ modelDir: modelsDir() });
    gallery = await Gallery.open(store.location, { model: pipeline.embeddingModel, outbox: false });
    for (const scope of ['recognize', 'manage', 'admin']) {
      const { key, record } = await createApiKey({ name: `test-${scope}`, scope });
      await gallery.keys.create(record);
      keys[scope] = key;
    }
    const limited = await createApiKey({ name: 'test-limited', scope: 'recognize', rateLimit: 2 });
    await gallery.keys.create(limited.record);
    keys.limited = limited.key;
    const revoked = await createApiKey({ name: 'test-revoked', scope: 'admin' });
    await gallery.keys.create(revoked.record);
    await gallery.keys.revoke(revoked.record.id);
    keys.revoked = revoked.key;
    app = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent' }), logger: false });
  });

  after(async function () {
    await app?.close();
    await gallery?.close();
    await pipeline?.close();
    await store?.stop();
  });

  describe('operations', function () {
    it('/healthz answers, /readyz reports the compiled models and the gallery, /metrics is Prometheus text', async function () {
      assert.deepEqual(json(await app.inject({ url: '/healthz' })), { status: 'ok' });
      const ready = await app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 200);
      const body = json(ready);
      assert.equal(body.ready, true);
      assert.equal(body.gallery.backend, backend.backend);
      assert.equal(body.gallery.state, 'connected');
      assert.match(body.models.detector, /CPU/);
      await app.inject({ method: 'POST', url: '/v1/analyze', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: pictures[people[0].name][0] });
      const metrics = await app.inject({ url: '/metrics' });
      assert.match(metrics.headers['content-type'], /text\/plain/);
      assert.match(metrics.body, /face_reid_http_requests_total\{method="POST",route="\/v1\/analyze",status="200"\} 1/);
      assert.match(metrics.body, /face_reid_http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/v1\/analyze"\}/);
      assert.match(metrics.body, /face_reid_inference_duration_seconds_count\{model="face-pipeline"\} 1/);
      assert.match(metrics.body, /face_reid_inference_queue_depth 0/);
    });

    it('serves the OpenAPI 3.1 document built from the route schemas, and a docs page', async function () {
      const doc = json(await app.inject({ url: '/openapi.json' }));
      assert.equal(doc.openapi, '3.1.0');
      for (const path of ['/v1/analyze', '/v1/identify', '/v1/verify', '/v1/identities', '/v1/identities/{label}', '/v1/identities/{label}/samples', '/v1/sightings',
        '/api/v1/recognition/recognize', '/api/v1/recognition/faces', '/api/v1/recognition/faces/{image_id}/verify', '/api/v1/recognition/subjects',
        '/api/v1/detection/detect', '/api/v1/verification/verify', '/v1/vision/face', '/v1/vision/face/register', '/v1/vision/face/recognize', '/v1/vision/face/list', '/v1/vision/face/delete',
        '/v1/streams', '/v1/streams/{name}/start', '/v1/streams/{name}/stop', '/v1/streams/{name}/tracks', '/v1/events']) {
        assert.ok(doc.paths[path], `missing ${path}`);
      }
      const analyze = doc.paths['/v1/analyze'].post;
      assert.deepEqual(analyze.security, [{ apiKey: [] }]);
      assert.ok(analyze.requestBody.content['multipart/form-data']);
      assert.ok(analyze.requestBody.content['image/jpeg']);
      assert.deepEqual(analyze.parameters.map((p) => p.name).sort(), ['embeddings', 'limit', 'min_score']);
      assert.ok(analyze.responses['200'].content['application/json'].schema.properties.faces);
      assert.ok(analyze.responses['413']);
      assert.equal(doc.paths['/healthz'].get.security, undefined);
      const page = await app.inject({ url: '/docs' });
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'], /text\/html/);
      assert.match(page.body, /openapi\.json/);
    });
  });

  describe('our API v1', function () {
    it('analyze: the same faces from a multipart upload, a raw JPEG body and base64 JSON, equal to the pipeline in-process', async function () {
      const image = pictures[people[0].name][0];
      const direct = await pipeline.analyze(image);
      assert.equal(direct.length, 1);
      const viaMultipart = await app.inject({ method: 'POST', url: '/v1/analyze?embeddings=true', ...withAuth(multipart({ image }), 'recognize') });
      const viaRaw = await app.inject({ method: 'POST', url: '/v1/analyze?embeddings=true', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: image });
      const viaJson = await app.inject({ method: 'POST', url: '/v1/analyze?embeddings=true', headers: auth('recognize'), payload: { image: image.toString('base64') } });
      for (const res of [viaMultipart, viaRaw, viaJson]) {
        assert.equal(res.statusCode, 200, res.body);
        const [face] = json(res).faces;
        assert.deepEqual(face.box, direct[0].box);
        assert.equal(face.score, direct[0].score);
        assert.equal(face.landmarks.length, 5);
        assert.equal(face.embedding.length, EMBEDDING_SIZE);
        const dot = face.embedding.reduce((s, x, i) => s + x * direct[0].embedding[i], 0);
        assert.ok(dot > 0.99999, `embedding differs from the in-process one (cos ${dot})`);
      }
      const plain = json(await app.inject({ method: 'POST', url: '/v1/analyze', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: image }));
      assert.equal(plain.faces[0].embedding, undefined, 'embeddings only on request');
      assert.ok(viaRaw.headers['x-request-id']);
    });

    it('identities: enrol two pictures per person (201 stored, then 200 duplicate), list and show them', async function () {
      for (const person of people.slice(0, 4)) {
        for (const [i, image] of pictures[person.name].slice(0, 2).entries()) {
          const res = await app.inject({ method: 'POST', url: `/v1/identities/${encodeURIComponent(person.name)}/samples?source=lfw-${i}`, headers: { ...auth('manage'), 'content-type': 'image/jpeg' }, payload: image });
          assert.equal(res.statusCode, 201, res.body);
          assert.deepEqual({ ...json(res), box: undefined }, { label: person.name, source: `lfw-${i}`, status: 'stored', box: undefined });
        }
      }
      const again = await app.inject({ method: 'POST', url: `/v1/identities/${people[0].name}/samples?source=lfw-0`, headers: { ...auth('manage'), 'content-type': 'image/jpeg' }, payload: pictures[people[0].name][0] });
      assert.equal(again.statusCode, 200);
      assert.equal(json(again).status, 'duplicate');
      // Without a source key the image's content is the key: the same picture twice is one sample.
      const first = json(await app.inject({ method: 'POST', url: `/v1/identities/${people[4].name}/samples`, ...withAuth(multipart({ image: pictures[people[4].name][0] }), 'manage') }));
      const second = json(await app.inject({ method: 'POST', url: `/v1/identities/${people[4].name}/samples`, headers: auth('manage'), payload: { image: pictures[people[4].name][0].toString('base64') } }));
      assert.equal(first.status, 'stored');
      assert.equal(second.status, 'duplicate');
      assert.equal(second.source, first.source);
      assert.match(first.source, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

      const list = json(await app.inject({ url: '/v1/identities', headers: auth('recognize') }));
      assert.deepEqual(list.identities.map((i) => [i.label, i.samples]).sort(), [...people.slice(0, 4).map((p) => [p.name, 2]), [people[4].name, 1]].sort());
      const one = json(await app.inject({ url: `/v1/identities/${people[1].name}`, headers: auth('recognize') }));
      assert.deepEqual(one.samples.map((s) => s.source), ['lfw-0', 'lfw-1']);
      assert.equal((await gallery.samples(people[1].name)).length, 2, 'the gallery itself holds the samples');
    });

    it('identify: a group photo of unseen pictures names each enrolled person once and the stranger Unknown; k candidates; sightings recorded', async function () {
      const enrolled = people.slice(0, 3);
      const strangerFile = lfwPeople(8)[7].pictures[0];
      const photo = await groupPhoto([...enrolled.map((p) => p.pictures[2]), strangerFile]);
      const res = await app.inject({ method: 'POST', url: '/v1/identify?k=2&camera=door', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: photo });
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.equal(body.faces.length, 4);
      const byColumn = [...body.faces].sort((a, b) => Math.round(a.box.y / 250) - Math.round(b.box.y / 250) || a.box.x - b.box.x);
      assert.deepEqual(byColumn.map((f) => f.label), [...enrolled.map((p) => p.name), 'Unknown']);
      for (const f of byColumn.slice(0, 3)) {
        assert.ok(f.similarity >= body.threshold);
        assert.equal(f.candidates.length, 2);
        assert.equal(f.candidates[0].label, f.label);
        assert.ok(f.candidates[0].similarity >= f.candidates[1].similarity);
      }
      const sightings = json(await app.inject({ url: '/v1/sightings?source=door', headers: auth('manage') })).sightings;
      assert.equal(sightings.length, 4);
      assert.deepEqual(sightings.map((s) => s.label).sort(), [...enrolled.map((p) => p.name), 'Unknown'].sort());
      assert.ok(sightings.every((s) => s.source === 'door' && s.box && typeof s.at === 'string'));
      const one = json(await app.inject({ url: `/v1/sightings?label=${enrolled[0].name}&limit=1`, headers: auth('manage') })).sightings;
      assert.equal(one.length, 1);
      assert.equal(one[0].label, enrolled[0].name);
    });

    it('verify: two images of one person are the same, of two people not; two embeddings too', async function () {
      const [a, b] = people;
      const same = json(await app.inject({ method: 'POST', url: '/v1/verify', ...withAuth(multipart({ a: pictures[a.name][0], b: pictures[a.name][2] }), 'recognize') }));
      assert.equal(same.same, true, JSON.stringify(same));
      assert.ok(same.a.box && same.b.box);
      const different = json(await app.inject({ method: 'POST', url: '/v1/verify', headers: auth('recognize'), payload: { a: pictures[a.name][0].toString('base64'), b: pictures[b.name][0].toString('base64') } }));
      assert.equal(different.same, false, JSON.stringify(different));
      assert.ok(same.similarity > different.similarity);
      const [fa] = await pipeline.analyze(pictures[a.name][0]);
      const [fb] = await pipeline.analyze(pictures[a.name][2]);
      const byVector = json(await app.inject({ method: 'POST', url: '/v1/verify', headers: auth('recognize'), payload: { a: Array.from(fa.embedding), b: Array.from(fb.embedding) } }));
      assert.ok(Math.abs(byVector.similarity - same.similarity) < 1e-5);
      assert.equal(byVector.same, true);
      assert.equal(byVector.a, undefined);
    });

    it('remove: an identity goes with its samples and sightings; removing it again is 404', async function () {
      const label = people[2].name;
      const res = await app.inject({ method: 'DELETE', url: `/v1/identities/${label}`, headers: auth('manage') });
      assert.deepEqual(json(res), { label, status: 'removed' });
      assert.equal(await gallery.hasLabel(label), false);
      assert.equal(json(await app.inject({ url: `/v1/sightings?label=${label}`, headers: auth('manage') })).sightings.length, 0);
      assertError(await app.inject({ method: 'DELETE', url: `/v1/identities/${label}`, headers: auth('manage') }), 404, 'NOT_FOUND', 'label');
      assertError(await app.inject({ url: `/v1/identities/${label}`, headers: auth('recognize') }), 404, 'NOT_FOUND', 'label');
    });
  });

  describe('errors: one JSON shape, a stable code, the field at fault', function () {
    const image = () => pictures[people[0].name][0];

    it('400 names the field: missing image, bad base64, bad query value, unknown query key, reserved label, wrong embedding', async function () {
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze', headers: auth('recognize'), payload: {} }), 400, 'INVALID_REQUEST', 'image');
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze', headers: auth('recognize'), payload: { image: '***not base64***' } }), 400, 'INVALID_REQUEST', 'image');
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze?limit=-1', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: image() }), 400, 'INVALID_REQUEST', 'limit');
      assertError(await app.inject({ method: 'POST', url: '/v1/identify?treshold=0.5', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: image() }), 400, 'INVALID_REQUEST', 'treshold');
      assertError(await app.inject({ method: 'POST', url: '/v1/identities/Unknown/samples', headers: { ...auth('manage'), 'content-type': 'image/jpeg' }, payload: image() }), 400, 'INVALID_REQUEST', 'label');
      assertError(await app.inject({ method: 'POST', url: '/v1/verify', headers: auth('recognize'), payload: { a: [1, 2, 3], b: [1, 2, 3] } }), 400, 'INVALID_REQUEST', 'a');
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze', headers: { ...auth('recognize'), 'content-type': 'application/json' }, payload: '{"image": ' }), 400, 'INVALID_JSON');
    });

    it('400 for a truncated image and for a picture without a face where one is needed', async function () {
      const truncated = image().subarray(0, Math.floor(image().length / 2));
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: truncated }), 400, 'IMAGE_INVALID', 'image');
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze', headers: { ...auth('recognize'), 'content-type': 'image/png' }, payload: Buffer.from('not an image at all') }), 400, 'IMAGE_INVALID', 'image');
      const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } }).jpeg().toBuffer();
      assertError(await app.inject({ method: 'POST', url: '/v1/identities/Someone/samples', headers: { ...auth('manage'), 'content-type': 'image/jpeg' }, payload: blank }), 400, 'NO_FACE', 'image');
      assert.deepEqual(json(await app.inject({ method: 'POST', url: '/v1/analyze', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: blank })), { faces: [] });
    });

    it('401 without a key, with a mistyped key and with a revoked key; 403 with a key of a narrower scope', async function () {
      const post = (headers) => app.inject({ method: 'POST', url: '/v1/analyze', headers: { 'content-type': 'image/jpeg', ...headers }, payload: image() });
      assertError(await post({}), 401, 'UNAUTHORIZED', 'x-api-key');
      assertError(await post({ 'x-api-key': keys.recognize.slice(0, -1) + (keys.recognize.endsWith('A') ? 'B' : 'A') }), 401, 'UNAUTHORIZED');
      assertError(await post({ 'x-api-key': 'frk_0000000000000000.' + 'A'.repeat(43) }), 401, 'UNAUTHORIZED');
      assertError(await post({ 'x-api-key': keys.revoked }), 401, 'UNAUTHORIZED');
      assert.equal((await post({ authorization: `Bearer ${keys.recognize}` })).statusCode, 200);
      assertError(await app.inject({ method: 'POST', url: '/v1/identities/X/samples', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: image() }), 403, 'FORBIDDEN');
      assertError(await app.inject({ url: '/v1/sightings', headers: auth('recognize') }), 403, 'FORBIDDEN');
      const cf = await app.inject({ method: 'DELETE', url: '/api/v1/recognition/subjects', headers: auth('manage') });
      assert.equal(cf.statusCode, 403);
      assert.deepEqual({ code: json(cf).code, error_code: json(cf).error_code }, { code: 403, error_code: 'FORBIDDEN' }, 'CompreFace-shaped error');
    });

    it('404 for an unknown route, 415 for a content type we do not take and an image format we do not decode', async function () {
      assertError(await app.inject({ url: '/v1/nothing-here', headers: auth('admin') }), 404, 'NOT_FOUND');
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze', headers: { ...auth('recognize'), 'content-type': 'text/plain' }, payload: 'hello' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>');
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze', ...withAuth(multipart({ image: svg }), 'recognize') }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'image');
    });

    it('413 for a body over the limit (raw, multipart, JSON) and for a 20000x20000 PNG bomb, refused from its header', async function () {
      const big = Buffer.alloc(11 * 1024 * 1024, 0xff);
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: big }), 413, 'BODY_TOO_LARGE');
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze', ...withAuth(multipart({ image: big }), 'recognize') }), 413, 'BODY_TOO_LARGE');
      assertError(await app.inject({ method: 'POST', url: '/v1/analyze', headers: auth('recognize'), payload: { image: Buffer.alloc(30 * 1024 * 1024).toString('base64') } }), 413, 'BODY_TOO_LARGE');
      const bomb = await pngBomb(20000, 20000);
      assert.ok(bomb.length < 2 * 1024 * 1024, `the bomb is ${bomb.length} bytes`);
      const before = process.memoryUsage().rss;
      const res = await app.inject({ method: 'POST', url: '/v1/analyze', headers: { ...auth('recognize'), 'content-type': 'image/png' }, payload: bomb });
      const body = assertError(res, 413, 'IMAGE_TOO_LARGE', 'image');
      assert.match(body.message, /20000x20000/);
      assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, 'the bomb was not decoded');
    });

    it('429 with Retry-After when a key exceeds its rate', async function () {
      const get = () => app.inject({ url: '/v1/identities', headers: { 'x-api-key': keys.limited } });
      assert.equal((await get()).statusCode, 200);
      assert.equal((await get()).statusCode, 200);
      const res = await get();
      assertError(res, 429, 'RATE_LIMITED');
      assert.ok(Number(res.headers['retry-after']) >= 1);
    });

    it('503 with Retry-After when the inference queue is full, and every other request answered', async function () {
      const small = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent', limits: { inferenceConcurrency: 1, queueDepth: 1 } }), logger: false });
      try {
        const photo = await groupPhoto(people.slice(0, 4).map((p) => p.pictures[0]));
        const answers = await Promise.all(Array.from({ length: 8 }, () => small.inject({ method: 'POST', url: '/v1/identify', headers: { ...auth('recognize'), 'content-type': 'image/jpeg' }, payload: photo })));
        const statuses = answers.map((r) => r.statusCode);
        assert.ok(statuses.filter((s) => s === 200).length >= 2, statuses.join(','));
        const refused = answers.filter((r) => r.statusCode === 503);
        assert.ok(refused.length >= 1, statuses.join(','));
        assert.ok(statuses.every((s) => s === 200 || s === 503), statuses.join(','));
        for (const r of refused) {
          assertError(r, 503, 'QUEUE_FULL');
          assert.ok(Number(r.headers['retry-after']) >= 1);
        }
        assert.equal(small.faceService.queue.waiting, 0);
      } finally {
        await small.close();
      }
    });
  });

  it('keys are stored as salted scrypt hashes: no key, and no secret part of one, is anywhere in the database', async function () {
    const dump = await store.dump();
    for (const key of Object.values(keys)) {
      const [id, secret] = key.slice(4).split('.');
      assert.ok(dump.includes(id), 'the public id is what finds the record');
      assert.ok(!dump.includes(secret), 'a key secret is in the database');
      assert.ok(!dump.includes(Buffer.from(secret, 'base64url').toString('hex')));
      assert.ok(!dump.includes(Buffer.from(secret, 'base64url').toString('base64')));
    }
    const records = await gallery.keys.list();
    assert.equal(records.length, 5);
    assert.ok(records.every((r) => /^[0-9a-f]{32}$/.test(r.salt) && /^[0-9a-f]{64}$/.test(r.hash)));
  });

  describe('on a listening server (127.0.0.1)', function () {
    let server;
    let port;
    let imageDir;

    before(async function () {
      server = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent' }), logger: false });
      await server.listen({ host: '127.0.0.1', port: 0 });
      port = server.server.address().port;
      imageDir = freshDir(`sdk-images-${backend.name}`);
    });

    after(async function () {
      await server?.close();
    });

    /** The SDK takes files by a path it recognises as relative ("./..."). */
    function sdkPath(person, index) {
      const file = join(imageDir, `${person.name}-${index}.jpg`);
      writeFileSync(file, pictures[person.name][index]);
      return `./${relative(process.cwd(), file)}`;
    }

    it('the CompreFace JavaScript SDK: add a subject, add examples, recognize, verify, detect, delete', async function () {
      const { CompreFace } = await import('@exadel/compreface-js-sdk');
      const sdk = new CompreFace('http://127.0.0.1', port);
      const recognition = sdk.initFaceRecognitionService(keys.manage);
      const person = people[5];
      const other = people[6];
      const quiet = console.log;
      console.log = () => {}; // the SDK's subject list prints its URL and key
      try {
        assert.deepEqual(await recognition.getSubjects().add(person.name), { subject: person.name });
        const added = [];
        // No options here: the SDK appends them to "?subject=..." with a second "?".
        for (const i of [0, 1]) added.push(await recognition.getFaceCollection().add(sdkPath(person, i), person.name));
        for (const a of added) assert.equal(a.subject, person.name);
        assert.notEqual(added[0].image_id, added[1].image_id);
        const subjects = await recognition.getSubjects().list();
        assert.ok(subjects.subjects.includes(person.name));
        const listed = await recognition.getFaceCollection().list();
        assert.deepEqual(listed.faces.filter((f) => f.subject === person.name).map((f) => f.image_id).sort(), added.map((a) => a.image_id).sort());
        assert.equal(listed.page_number, 0);
        assert.equal(listed.total_elements, listed.faces.length);

        const recognized = await recognition.recognize(sdkPath(person, 2), { limit: 0, prediction_count: 2, face_plugins: 'landmarks,calculator', det_prob_threshold: 0.5 });
        assert.equal(recognized.result.length, 1);
        const [face] = recognized.result;
        assert.equal(face.subjects[0].subject, person.name);
        assert.ok(face.subjects[0].similarity > 0.45);
        assert.deepEqual(Object.keys(face.box).sort(), ['probability', 'x_max', 'x_min', 'y_max', 'y_min']);
        assert.ok(Number.isInteger(face.box.x_min) && face.box.x_max > face.box.x_min && face.box.y_max > face.box.y_min);
        assert.equal(face.landmarks.length, 5);
        assert.equal(face.embedding.length, EMBEDDING_SIZE);

        const verified = await recognition.getFaceCollection().verify(sdkPath(person, 2), added[0].image_id, {});
        assert.equal(verified.result.length, 1);
        assert.ok(verified.result[0].similarity > 0.271, JSON.stringify(verified));
        const againstOther = await recognition.getFaceCollection().verify(sdkPath(other, 0), added[0].image_id, {});
        assert.ok(againstOther.result[0].similarity < verified.result[0].similarity);

        const verification = sdk.initFaceVerificationService(keys.recognize);
        const pair = await verification.verify(sdkPath(person, 0), sdkPath(person, 2), {});
        assert.ok(pair.result[0].source_image_face.box.probability > 0.5);
        assert.ok(pair.result[0].face_matches[0].similarity > 0.271);
        const mixed = await verification.verify(sdkPath(person, 0), sdkPath(other, 0), {});
        assert.ok(mixed.result[0].face_matches[0].similarity < pair.result[0].face_matches[0].similarity);

        const detection = sdk.initFaceDetectionService(keys.recognize);
        const detected = await detection.detect(sdkPath(other, 1), { face_plugins: 'landmarks' });
        assert.equal(detected.result.length, 1);
        assert.equal(detected.result[0].landmarks.length, 5);
        assert.equal(detected.result[0].embedding, undefined);

        assert.deepEqual(await recognition.getFaceCollection().delete_all_subject(person.name), { deleted: 2 });
        assert.equal(await gallery.hasLabel(person.name), false);
        const noFace = await recognition.recognize(`./${relative(process.cwd(), await writeBlank())}`, {}).catch((err) => err.response);
        assert.equal(noFace.status, 400);
        assert.deepEqual({ code: noFace.data.code, message: noFace.data.message }, { code: 28, message: 'No face is found in the given image' });
        const wrongKey = await sdk.initFaceRecognitionService('nope').recognize(sdkPath(person, 2), {}).catch((err) => err.response);
        assert.equal(wrongKey.status, 401);
      } finally {
        console.log = quiet;
      }
    });

    async function writeBlank() {
      const file = join(imageDir, 'blank.jpg');
      await sharp({ create: { width: 200, height: 200, channels: 3, background: '#777' } }).jpeg().toFile(file);
      return file;
    }

    it('DeepStack routes with multipart as Double Take sends it (api_key in the form): register, recognize, list, detect, delete', async function () {
      const base = `http://127.0.0.1:${port}`;
      const post = async (path, parts) => {
        const { payload, headers } = multipart(parts);
        const res = await fetch(base + path, { method: 'POST', headers, body: payload });
        return { status: res.status, body: await res.json() };
      };
      const person = people[1];
      const registered = await post('/v1/vision/face/register', { image: pictures[person.name][0], image1: pictures[person.name][1], userid: 'deep-' + person.name, api_key: keys.manage });
      assert.deepEqual(registered, { status: 200, body: { success: true, message: 'face added' } });
      assert.equal((await gallery.samples('deep-' + person.name)).length, 2);

      const recognized = await post('/v1/vision/face/recognize', { image: pictures[person.name][2], api_key: keys.recognize, min_confidence: '0.4' });
      assert.equal(recognized.status, 200);
      assert.equal(recognized.body.success, true);
      const [p] = recognized.body.predictions;
      assert.ok(['deep-' + person.name, person.name].includes(p.userid), JSON.stringify(p));
      assert.ok(p.confidence > 0.4);
      assert.ok(p.x_max > p.x_min && p.y_max > p.y_min);

      const blank = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#777' } }).jpeg().toBuffer();
      assert.deepEqual(await post('/v1/vision/face/recognize', { image: blank, api_key: keys.recognize }), { status: 200, body: { success: true, predictions: [] } });
      const detected = await post('/v1/vision/face', { image: pictures[person.name][2], api_key: keys.recognize });
      assert.equal(detected.body.predictions.length, 1);
      assert.ok(detected.body.predictions[0].confidence > 0.5);

      const listed = await post('/v1/vision/face/list', { api_key: keys.recognize });
      assert.ok(listed.body.faces.includes('deep-' + person.name));
      assert.deepEqual(await post('/v1/vision/face/delete', { userid: 'deep-' + person.name, api_key: keys.manage }), { status: 200, body: { success: true, message: 'user deleted successfully' } });
      assert.equal(await gallery.hasLabel('deep-' + person.name), false);

      const noKey = await post('/v1/vision/face/recognize', { image: blank });
      assert.equal(noKey.status, 401);
      assert.equal(noKey.body.success, false);
      assert.equal(noKey.body.code, 'UNAUTHORIZED');
      const partly = await post('/v1/vision/face/register', { image: pictures[person.name][0], image1: blank, userid: 'half', api_key: keys.manage });
      assert.equal(partly.status, 400);
      assert.deepEqual({ success: partly.body.success, code: partly.body.code, field: partly.body.field }, { success: false, code: 'NO_FACE', field: 'image1' });
      assert.equal(await gallery.hasLabel('half'), false, 'a register with one faceless picture stores none');
      const noUser = await post('/v1/vision/face/register', { image: blank, api_key: keys.manage });
      assert.equal(noUser.status, 400);
      assert.deepEqual({ success: noUser.body.success, field: noUser.body.field }, { success: false, field: 'userid' });
    });
  });

  describe('face-reid serve as a child process', function () {
    /** Starts `face-reid serve` on a free port; resolves with the child and its URL once it listens. */
    function serve(galleryFile, extraEnv = {}) {
      const child = spawn(process.execPath, [CLI, 'serve', '--gallery', galleryFile, '--port', '0'], {
        env: { ...process.env, FACE_REID_MODELS: modelsDir(), FACE_REID_LOG_LEVEL: 'info', FACE_REID_CACHE_DIR: join(root, 'cache'), ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      return new Promise((resolveStart, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolveStart({ child, url: m[1], output: () => out });
        });
        child.once('exit', (code, signal) => reject(new Error(`face-reid serve exited (${code ?? signal}) before listening: ${err}${out}`)));
      });
    }

    async function keyFor(galleryFile, model) {
      const g = await Gallery.open(galleryFile, { model, outbox: false });
      try {
        const { key, record } = await createApiKey({ name: 'burst', scope: 'manage' });
        await g.keys.create(record);
        return key;
      } finally {
        await g.close();
      }
    }

    it('SIGTERM: the request in flight is answered, then the process closes everything and exits 0', async function () {
      const galleryFile = await store.fresh(`sigterm-${backend.name}`);
      const key = await keyFor(galleryFile, pipeline.embeddingModel);
      const { child, url, output } = await serve(galleryFile);
      const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
      const inFlight = fetch(`${url}/v1/identities/${people[0].name}/samples`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'image/jpeg' }, body: pictures[people[0].name][0] });
      // SIGTERM once the server has the request (its log says so), while the models still run.
      while (!/"msg":"incoming request"/.test(output())) await new Promise((r) => setTimeout(r, 2));
      child.kill('SIGTERM');
      const res = await inFlight;
      assert.equal(res.status, 201, await res.text());
      assert.deepEqual(await exited, { code: 0, signal: null });
      const g = await Gallery.open(galleryFile, { model: pipeline.embeddingModel, outbox: false });
      try {
        assert.equal((await g.samples(people[0].name)).length, 1);
      } finally {
        await g.close();
      }
    });

    it('kill -9 during an enrolment burst: the gallery reopens, every identity is whole, nothing acknowledged is missing', async function () {
      const galleryFile = await store.fresh(`kill9-${backend.name}`);
      const key = await keyFor(galleryFile, pipeline.embeddingModel);
      const { child, url } = await serve(galleryFile);
      const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
      const acknowledged = [];
      let sent = 0;
      let killed = false;
      const burst = people.slice(0, 4);
      async function worker() {
        while (!killed) {
          const n = sent++;
          const person = burst[n % burst.length];
          const source = `burst-${n}`;
          try {
            const res = await fetch(`${url}/v1/identities/${encodeURIComponent(person.name)}/samples?source=${source}`, {
              method: 'POST',
              headers: { 'x-api-key': key, 'content-type': 'image/jpeg' },
              body: pictures[person.name][n % 3],
            });
            if (res.status === 201 || res.status === 200) acknowledged.push({ label: person.name, source });
            else await res.arrayBuffer();
          } catch {
            // the connection died with the process: not acknowledged
          }
        }
      }
      const workers = Array.from({ length: 4 }, worker);
      while (acknowledged.length < 12) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGKILL');
      killed = true;
      assert.deepEqual(await exited, { code: null, signal: 'SIGKILL' });
      await Promise.all(workers);
      assert.ok(acknowledged.length >= 12);

      // Restart the service on the same gallery: it opens and answers from everything acknowledged.
      const again = await serve(galleryFile);
      try {
        const list = await (await fetch(`${again.url}/v1/identities`, { headers: { 'x-api-key': key } })).json();
        const g = await Gallery.open(galleryFile, { model: pipeline.embeddingModel, readonly: true, outbox: false });
        try {
          for (const identity of list.identities) {
            const samples = await g.samples(identity.label);
            assert.equal(samples.length, identity.samples, `identity ${identity.label} is not whole`);
            for (const s of samples) {
              const norm = Math.hypot(...s.embedding);
              assert.ok(Math.abs(norm - 1) < 1e-4, `a sample of ${identity.label} is damaged`);
            }
          }
          for (const { label, source } of acknowledged) {
            const sources = (await g.samples(label)).map((s) => s.source);
            assert.ok(sources.includes(source), `acknowledged sample ${label}/${source} is missing`);
          }
        } finally {
          await g.close();
        }
      } finally {
        const done = new Promise((r) => again.child.once('exit', r));
        again.child.kill('SIGTERM');
        await done;
      }
    });
  });
});
}
