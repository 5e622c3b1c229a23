'use strict';
// The service's web page in headless Chromium (Debian's chromium through playwright-core) against
// a real listening service: real pipeline and models, an SQLite gallery in a fresh folder, an API
// key made with `face-reid keys create`, LFW pictures. The page is driven as a person would:
// enter the key, enrol two people from uploads, see their thumbnails, identify a photo holding
// one of them (another picture) and a stranger, remove one, start the configured camera stream (a
// video made here of the one still enrolled walking by) and see its events arrive. Screenshots of
// each step go to test-output/web/. Also: the static routes (headers, no key needed, path tricks refused) and the
// thumbnail route.
const assert = require('node:assert/strict');
const http = require('node:http');
const { spawnSync } = require('node:child_process');
const { mkdirSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { join, resolve } = require('node:path');
const sharp = require('sharp');
const { Gallery } = require('../dist');
const { startService, serviceConfig } = require('../dist/service');
const { modelsDir, dataDir, outputDir, projectRoot } = require('./helpers/env');
const { launchBrowser } = require('./helpers/browser');
const { ffmpegPath } = require('./helpers/media');
const { VideoWriter } = require('../dist/stream/video-writer');
const { movingFaceFrames } = require('./helpers/moving-face');

const CLI = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
const CSP = "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:";

/** The n-th picture (from 1, in name order) of a person: the development folds hold a subset of each. */
function lfw(name, n) {
  const folder = join(dataDir(), 'lfw', 'deepfunneled250', name);
  const pictures = readdirSync(folder).filter((f) => f.endsWith('.jpg')).sort();
  assert.ok(pictures.length >= n, `${folder} holds ${pictures.length} pictures, the test needs ${n}`);
  return join(folder, pictures[n - 1]);
}

/**
 * A 3 s, 30 fps camera clip of one picture crossing a gray 640x480 frame, encoded by ffmpeg (the
 * stream the service is configured with; made at test time, never committed).
 */
async function walkingClip(file, picture) {
  const writer = VideoWriter.open(file, { width: 640, height: 480, fps: 30, order: 'rgb', ffmpegPath: ffmpegPath() });
  for await (const frame of movingFaceFrames(picture, { count: 90, left: 60, step: 3 })) await writer.write(frame);
  await writer.close();
}

/** GET with the path sent exactly as written (fetch and URL would resolve the dot segments first). */
function rawGet(base, path) {
  const { hostname, port } = new URL(base);
  return new Promise((resolveGet, reject) => {
    const req = http.request({ hostname, port, path, method: 'GET' }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolveGet({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('service web page (headless Chromium, real service)', function () {
  this.timeout(600000);
  const out = outputDir('web');
  const PEOPLE = ['Colin_Powell', 'Tony_Blair'];
  const STRANGER = 'Hugo_Chavez';
  let dir, galleryFile, service, base, key, browser, page;
  const pageErrors = [];

  before(async function () {
    dir = join(out, 'gallery');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    galleryFile = join(dir, 'gallery.sqlite');
    const created = spawnSync(process.execPath, [CLI, 'keys', 'create', '--scope', 'manage', '--name', 'web-page', '--gallery', galleryFile, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, FACE_REID_MODELS: modelsDir() },
    });
    assert.equal(created.status, 0, created.stderr);
    key = JSON.parse(created.stdout).key;
    const clip = join(dir, 'door.mp4');
    await walkingClip(clip, lfw(PEOPLE[0], 3));
    service = await startService({
      config: serviceConfig({ logLevel: 'silent', host: '127.0.0.1', port: 0, gallery: galleryFile, pipeline: { modelDir: modelsDir() }, streams: { door: clip } }),
      openGallery: (location, pipeline) => Gallery.open(location, { model: pipeline.embeddingModel }),
      handleSignals: false,
      logger: false,
    });
    base = service.url;
    browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
    page = await browser.newPage();
    // Each step waits for what the page shows; a minute is far beyond any of them.
    page.setDefaultTimeout(60000);
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
    });
  });

  after(async function () {
    await browser?.close();
    await service?.close();
  });

  afterEach(async function () {
    // A failed step leaves a picture of the page as it was.
    if (this.currentTest.state === 'failed' && page) await page.screenshot({ path: join(out, `failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}.png`), fullPage: true });
  });

  const shot = (name) => page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  const api = async (path) => {
    const res = await fetch(base + path, { headers: { 'x-api-key': key } });
    return { status: res.status, type: res.headers.get('content-type'), body: res.headers.get('content-type')?.startsWith('application/json') ? await res.json() : Buffer.from(await res.arrayBuffer()) };
  };

  it('the page loads with its strict CSP and asks for a key', async function () {
    const response = await page.goto(`${base}/`);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['content-security-policy'].startsWith(CSP), true, response.headers()['content-security-policy']);
    await page.waitForSelector('#identities li.muted');
    assert.equal(await page.textContent('#identities'), 'Enter an API key above.');
    await shot('01-no-key');
  });

  it('with the key, enrols two people from uploads and lists them with thumbnails', async function () {
    await page.fill('#api-key', key);
    await page.click('#key-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('identity-count').textContent === '(0)');
    await page.waitForFunction(() => document.getElementById('events-status').textContent.startsWith('connected'));
    await shot('02-key-set');

    for (const person of PEOPLE) {
      await page.fill('#enrol-label', person);
      await page.setInputFiles('#enrol-file', lfw(person, 1));
      await page.click('#enrol-form button[type=submit]');
      const expected = `${person.replace(/_/g, ' ')}: enrolled.`;
      await page.waitForFunction(() => !/…$/.test(document.getElementById('enrol-status').textContent));
      assert.equal(await page.textContent('#enrol-status'), expected);
      await page.waitForSelector(`#identities li[data-label="${person}"] img`);
    }
    await page.waitForFunction(() => document.getElementById('identity-count').textContent === '(2)');
    const listed = await page.$$eval('#identities li', (items) =>
      items.map((li) => {
        const img = li.querySelector('img');
        return { label: li.dataset.label, name: li.querySelector('.name').textContent, thumb: img && img.complete ? [img.naturalWidth, img.naturalHeight] : null };
      }),
    );
    assert.deepEqual(listed, PEOPLE.map((p) => ({ label: p, name: p.replace(/_/g, ' '), thumb: [96, 96] })));
    await shot('03-enrolled');

    // What the page showed is what the service holds: two identities, thumbnails out of the listing.
    const { body } = await api('/v1/identities');
    assert.deepEqual(body.identities.map((i) => [i.label, i.samples, i.thumbnail]), PEOPLE.map((p) => [p, 1, true]));
    assert.ok(body.identities.every((i) => !('thumbnail' in i.meta)), JSON.stringify(body.identities[0].meta));
  });

  it('identifies another picture of one of them and a stranger in one photo: names listed, boxes drawn', async function () {
    // Side by side on one 500x250 canvas: Colin Powell (a picture not enrolled) left, a stranger right.
    const photo = join(out, 'identify-input.jpg');
    await sharp({ create: { width: 500, height: 250, channels: 3, background: '#808080' } })
      .composite([
        { input: lfw(PEOPLE[0], 2), left: 0, top: 0 },
        { input: lfw(STRANGER, 1), left: 250, top: 0 },
      ])
      .jpeg({ quality: 92 })
      .toFile(photo);
    await page.setInputFiles('#identify-file', photo);
    await page.click('#identify-form button[type=submit]');
    await page.waitForFunction(() => !/…$/.test(document.getElementById('identify-status').textContent));
    assert.match(await page.textContent('#identify-status'), /^\d+ faces found\.$/);
    await shot('04-identified');

    const faces = await page.$$eval('#identify-faces li', (items) => items.map((li) => ({ cls: li.className, text: li.textContent })));
    const known = faces.filter((f) => f.cls === 'known');
    assert.equal(known.length, 1, JSON.stringify(faces));
    assert.match(known[0].text, /^Colin Powell \(similarity 0\.\d{3}\)$/);
    assert.ok(faces.some((f) => f.cls === 'unknown' && f.text === 'Unknown'), JSON.stringify(faces));
    assert.ok(!faces.some((f) => /Tony Blair/.test(f.text)), JSON.stringify(faces));

    // The canvas holds the photo with a green box on the left half and an orange one on the right.
    const drawn = await page.evaluate(() => {
      const canvas = document.getElementById('identify-canvas');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const count = { green: [0, 0], orange: [0, 0] };
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        const half = (i / 4) % canvas.width < canvas.width / 2 ? 0 : 1;
        if (r < 40 && g > 180 && b > 60 && b < 120) count.green[half]++;
        if (r > 235 && g > 120 && g < 170 && b < 40) count.orange[half]++;
      }
      return { width: canvas.width, height: canvas.height, ...count };
    });
    assert.deepEqual([drawn.width, drawn.height], [500, 250]);
    assert.ok(drawn.green[0] > 200 && drawn.green[1] === 0, JSON.stringify(drawn));
    assert.ok(drawn.orange[1] > 200, JSON.stringify(drawn));
  });

  it('removes one identity from the page', async function () {
    page.once('dialog', (dialog) => dialog.accept());
    await page.click(`#identities li[data-label="${PEOPLE[1]}"] button`);
    await page.waitForFunction(() => document.getElementById('identity-count').textContent === '(1)');
    assert.deepEqual(await page.$$eval('#identities li', (items) => items.map((li) => li.dataset.label)), [PEOPLE[0]]);
    await shot('05-removed');
    assert.equal((await api(`/v1/identities/${PEOPLE[1]}`)).status, 404);
    assert.deepEqual(pageErrors, [], 'the page logged no errors and broke no CSP rule');
  });

  it('a configured stream started over the API: its events appear live on the page, the enrolled person named', async function () {
    const started = await fetch(`${base}/v1/streams/door/start`, { method: 'POST', headers: { 'x-api-key': key } });
    assert.equal(started.status, 200, await started.text());
    // The clip ends after 3 s, and with it the track: the page must have shown its whole life.
    await page.waitForFunction(() => [...document.querySelectorAll('#events li')].some((li) => / door track\.ended track /.test(li.textContent)));
    await shot('06-live-events');
    // Newest first on the page; in the order they happened here.
    const lines = (await page.$$eval('#events li', (items) => items.map((li) => li.textContent))).reverse();
    const types = lines.map((line) => / door (track\.\w+) track /.exec(line)?.[1]);
    assert.ok(types.every(Boolean), JSON.stringify(lines));
    assert.equal(types[0], 'track.started', JSON.stringify(lines));
    assert.equal(types.at(-1), 'track.ended', JSON.stringify(lines));
    const named = lines.find((line) => line.includes('track.identified'));
    assert.match(named, /^\d\d:\d\d:\d\d door track\.identified track t\d+ Colin Powell$/, JSON.stringify(lines));
    assert.ok(!lines.some((line) => /Tony Blair|visitor-/.test(line)), JSON.stringify(lines));
    assert.deepEqual(pageErrors, [], 'the page logged no errors and broke no CSP rule');
  });

  it('the thumbnail route: a 96x96 JPEG; 404 for an identity without one and for an unknown one; 401 without a key', async function () {
    const { status, type, body } = await api(`/v1/identities/${PEOPLE[0]}/thumbnail`);
    assert.equal(status, 200);
    assert.equal(type, 'image/jpeg');
    const meta = await sharp(body).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 96, 96]);
    // Enrolled through the library, not the service: no thumbnail, and the listing says so.
    const { pipeline, gallery } = service.app.faceService;
    const [face] = await pipeline.analyze(lfw(STRANGER, 2));
    await gallery.add('Library_Only', face.embedding, { source: 'library' }, { model: pipeline.embeddingModel });
    const listed = (await api('/v1/identities')).body.identities.find((i) => i.label === 'Library_Only');
    assert.equal(listed.thumbnail, false);
    const none = await api('/v1/identities/Library_Only/thumbnail');
    assert.deepEqual([none.status, none.body.code, none.body.field], [404, 'NOT_FOUND', 'label']);
    assert.equal((await api(`/v1/identities/${PEOPLE[1]}/thumbnail`)).status, 404);
    assert.equal((await fetch(`${base}/v1/identities/${PEOPLE[0]}/thumbnail`)).status, 401);
  });

  it('the static files: content types, no key needed, listed in the OpenAPI document under "web"', async function () {
    for (const [path, type, needle] of [
      ['/', 'text/html; charset=utf-8', '<script src="/web/app.js" defer>'],
      ['/web/app.js', 'text/javascript; charset=utf-8', "'use strict';"],
      ['/web/app.css', 'text/css; charset=utf-8', '#identities'],
    ]) {
      const res = await rawGet(base, path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], type, path);
      assert.ok(res.headers['content-security-policy'].startsWith(CSP), path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.ok(res.body.includes(needle), path);
    }
    const doc = await (await fetch(`${base}/openapi.json`)).json();
    for (const path of ['/', '/web/app.js', '/web/app.css']) {
      assert.deepEqual(doc.paths[path].get.tags, ['web'], path);
      assert.equal(doc.paths[path].get.security, undefined, path);
    }
    assert.ok(doc.paths['/v1/identities/{label}/thumbnail'].get.security);
  });

  it('path tricks on the static routes are 404s that reveal no file', async function () {
    const packageJson = readFileSync(join(projectRoot, 'package.json'), 'utf8');
    for (const path of [
      '/web/../package.json',
      '/web/%2e%2e/package.json',
      '/web/%2e%2e%2fpackage.json',
      '/web/..%2f..%2fpackage.json',
      '/web/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/web/app.js/../../package.json',
      '/web/index.html',
      '/web/APP.JS',
      '/web/app.js%00.png',
      '/web/',
      '/web',
      '/package.json',
      '/src/service/web/app.js',
    ]) {
      const res = await rawGet(base, path);
      assert.equal(res.status, 404, `${path}: ${res.status}`);
      assert.equal(JSON.parse(res.body).code, 'NOT_FOUND', path);
      assert.ok(!res.body.includes('"devDependencies"') && !res.body.includes(packageJson.slice(0, 40)), path);
    }
  });
});
