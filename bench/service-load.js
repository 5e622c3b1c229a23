'use strict';
// node bench/service-load.js [seconds=60] [connections=16]
// Load on the HTTP service: POST /v1/identify with a 1280x720 JPEG of 3 faces, `connections`
// clients at once for `seconds` (autocannon, in a child process so the client does not share the
// server's JavaScript thread), against the same identification called in-process, in the same
// run, in alternating rounds (the host drifts). The in-process reference keeps as many calls in
// flight as the service's inference queue runs at once (limits.inferenceConcurrency): the
// pipeline's best in-process throughput, so the ratio is what HTTP costs, not what the queue
// saves over oversubscribing the CPU. Reports p50/p99 latency, throughput, the ratio HTTP /
// in-process (goal >= 0.9x), every non-2xx answer by status (only deliberate 503s are allowed),
// and the server process's RSS before and after.
const { spawn } = require('node:child_process');
const { mkdtempSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir, cpus, loadavg } = require('node:os');
const { join, resolve } = require('node:path');
const sharp = require('sharp');
const { FacePipeline, Gallery, identifyFaces } = require('../dist');
const { createServer, serviceConfig, createApiKey } = require('../dist/service');
const { callsPerSecond, row } = require('./lib');

const root = resolve(__dirname, '..');
for (const [variable, sub] of [['FACE_REID_MODELS', 'models'], ['FACE_REID_DATA', 'data']]) {
  if (!process.env[variable]) process.env[variable] = resolve(root, '..', 'shared', sub);
}

const GOAL = 0.9;

/** Three LFW people on a 1280x720 canvas, about 220 px per face; their other pictures are enrolled. */
async function scene() {
  const lfw = join(process.env.FACE_REID_DATA, 'lfw', 'deepfunneled250');
  const people = readdirSync(lfw)
    .map((name) => ({ name, pictures: readdirSync(join(lfw, name)).sort().map((f) => join(lfw, name, f)) }))
    .filter((p) => p.pictures.length >= 3)
    .slice(0, 3);
  const tiles = await Promise.all(people.map((p) => sharp(p.pictures[2]).resize(300, 300).toBuffer()));
  const jpeg = await sharp({ create: { width: 1280, height: 720, channels: 3, background: '#3a3a3a' } })
    .composite(tiles.map((input, i) => ({ input, left: 80 + i * 400, top: 210 })))
    .jpeg({ quality: 90 })
    .toBuffer();
  return { people, jpeg };
}

/**
 * autocannon in a child process (so the client does not share the server's JavaScript thread),
 * through its API: the CLI's --input reads the body as text, which would mangle a JPEG.
 */
function autocannon({ url, key, body, seconds, connections }) {
  const script = `
    const autocannon = require(${JSON.stringify(join(root, 'node_modules', 'autocannon'))});
    const body = require('node:fs').readFileSync(process.argv[1]);
    autocannon({ url: process.argv[2], method: 'POST', connections: Number(process.argv[3]), duration: Number(process.argv[4]),
      headers: { 'x-api-key': process.argv[5], 'content-type': 'image/jpeg' }, body }, (err, result) => {
      if (err) { console.error(err); process.exit(1); }
      process.stdout.write(JSON.stringify(result));
    });`;
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['-e', script, body, url, String(connections), String(seconds), key], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolveRun(JSON.parse(out)) : reject(new Error(`autocannon failed (${code}): ${err.slice(-500)}`))));
  });
}

async function measure({ seconds = 60, connections = 16, log = console.log } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'face-reid-load-'));
  const pipeline = await FacePipeline.create({ modelDir: process.env.FACE_REID_MODELS });
  const gallery = await Gallery.open(join(dir, 'gallery.sqlite'), { model: pipeline.embeddingModel });
  let app;
  try {
    const { people, jpeg } = await scene();
    for (const p of people) {
      for (const picture of p.pictures.slice(0, 2)) {
        const [face] = await pipeline.analyze(picture);
        await gallery.add(p.name, face.embedding, { source: picture });
      }
    }
    const check = await identifyFaces(pipeline, gallery, jpeg);
    log(`scene: 1280x720 JPEG ${(jpeg.length / 1024).toFixed(0)} KiB, ${check.length} faces: ${check.map((f) => f.label).join(', ')}`);
    const { key, record } = await createApiKey({ name: 'load', scope: 'recognize', rateLimit: 1_000_000 });
    await gallery.keys.create(record);
    app = await createServer({ pipeline, gallery, config: serviceConfig({ logLevel: 'silent' }), logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${app.server.address().port}/v1/identify`;
    const bodyFile = join(dir, 'scene.jpg');
    writeFileSync(bodyFile, jpeg);

    // Warm-up: every batch size the scene needs is compiled before either side is timed.
    await pipeline.prepare({ frameSize: { width: 1280, height: 720 }, faces: 3 });
    await callsPerSecond(3, connections, () => identifyFaces(pipeline, gallery, jpeg));
    await autocannon({ url, key, body: bodyFile, seconds: 3, connections });

    if (global.gc) global.gc();
    const rssBefore = process.memoryUsage().rss;
    const lanes = app.faceService.queue.concurrency;
    const rounds = 2;
    const phase = seconds / rounds;
    const inProcessRates = [];
    const ratios = [];
    const statuses = {};
    let ok = 0;
    let errors = 0;
    let timeouts = 0;
    const latencies = { p50: [], p99: [] };
    for (let round = 0; round < rounds; round++) {
      const inProcess = await callsPerSecond(phase, lanes, () => identifyFaces(pipeline, gallery, jpeg));
      const http = await autocannon({ url, key, body: bodyFile, seconds: phase, connections });
      const rate = http['2xx'] / phase;
      inProcessRates.push(inProcess.rate);
      ratios.push(rate / inProcess.rate);
      ok += http['2xx'];
      errors += http.errors;
      timeouts += http.timeouts;
      latencies.p50.push(http.latency.p50);
      latencies.p99.push(http.latency.p99);
      for (const [k, v] of Object.entries(http.statusCodeStats ?? {})) statuses[k] = (statuses[k] ?? 0) + v.count;
      log(`round ${round + 1}: in-process (${lanes} in flight) ${inProcess.rate.toFixed(2)} frames/s, HTTP (${connections} connections) ${rate.toFixed(2)} frames/s, ratio ${(rate / inProcess.rate).toFixed(3)}, p50 ${http.latency.p50} ms, p99 ${http.latency.p99} ms`);
    }
    if (global.gc) global.gc();
    const rssAfter = process.memoryUsage().rss;
    const rate = ok / seconds;
    const refused = statuses['503'] ?? 0;
    const otherErrors = errors + timeouts + Object.entries(statuses).filter(([s]) => s !== '200' && s !== '503').reduce((a, [, n]) => a + n, 0);
    const meanRatio = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const result = {
      seconds,
      connections,
      lanes,
      inProcess: inProcessRates.reduce((a, b) => a + b, 0) / rounds,
      http: rate,
      ratio: meanRatio,
      p50: Math.max(...latencies.p50),
      p99: Math.max(...latencies.p99),
      statuses,
      refused,
      otherErrors,
      rssBefore,
      rssAfter,
      load: loadavg(),
    };
    log(`HTTP POST /v1/identify, ${connections} connections, ${seconds} s: ${rate.toFixed(2)} frames/s, p50 ${result.p50} ms, p99 ${result.p99} ms (worst round); statuses ${JSON.stringify(statuses)}, errors ${errors}, timeouts ${timeouts}`);
    log(`HTTP / in-process: ${result.ratio.toFixed(3)}x, mean of ${rounds} rounds' ratios (goal >= ${GOAL}x) -> ${result.ratio >= GOAL ? 'met' : 'NOT met'}`);
    log(`RSS of the server process: before ${(rssBefore / 2 ** 20).toFixed(0)} MiB, after ${(rssAfter / 2 ** 20).toFixed(0)} MiB (${(((rssAfter - rssBefore) / rssBefore) * 100).toFixed(1)}%)`);
    log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    return result;
  } finally {
    await app?.close();
    await gallery.close();
    await pipeline.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(options = {}) {
  const r = await measure({ seconds: options.quick ? 10 : 60, log: options.log });
  return [
    row({
      bench: 'service-load',
      name: `POST /v1/identify, 1280x720 JPEG, 3 faces, ${r.connections} connections, THROUGHPUT`,
      ours: r.http,
      reference: r.inProcess,
      ratio: r.ratio,
      referenceName: `identifyFaces in-process, ${r.lanes} in flight`,
      unit: 'frames/s',
      better: 'higher',
      goal: `>= ${GOAL}x`,
      pass: r.ratio >= GOAL && r.otherErrors === 0,
      note: `p50 ${r.p50} ms, p99 ${r.p99} ms; 503s ${r.refused}, other errors ${r.otherErrors}; RSS ${(r.rssBefore / 2 ** 20).toFixed(0)} -> ${(r.rssAfter / 2 ** 20).toFixed(0)} MiB`,
    }),
  ];
}

if (require.main === module) {
  const [seconds = 60, connections = 16] = process.argv.slice(2).map(Number);
  measure({ seconds, connections }).then(
    (r) => {
      if (r.otherErrors > 0) process.exitCode = 1;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}

module.exports = { run, measure, title: 'HTTP service under load vs the same identification in-process' };
