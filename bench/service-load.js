'use strict';
// node bench/service-load.js [seconds=60] [connections=16] [rounds] [--docs]   (--docs: the section into docs/benchmarks.md)
// Load on the HTTP service: POST /v1/identify with a 1280x720 JPEG of 3 faces, `connections`
// clients at once for `seconds` in all (autocannon), against the same identification called
// in-process, in the same run, in alternating rounds (the host drifts).
//
// Three processes, so none shares a JavaScript thread with another: the server is `face-reid
// serve` in a child process with its own pipeline, as deployed (bench/service-child.js); the
// client is autocannon in a second child; the in-process reference runs here. The reference
// keeps as many calls in flight as the service's inference queue runs at once
// (limits.inferenceConcurrency): the pipeline's best in-process throughput, so the ratio is what
// HTTP costs, not what the queue saves over oversubscribing the CPU.
//
// Reports throughput and the ratio HTTP / in-process (goal >= 0.9x), p50/p99 latency, every
// non-2xx answer by status (only deliberate 503s are allowed), the server process's RSS before
// and after, and CPU-ms per identified frame of the server process against the same figure
// in-process (from /proc): on a shared host, throughput moves with the neighbours' load, CPU
// per frame much less, so it is the figure that says what the HTTP path costs.
//
// Environment: SERVICE_LOAD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the
// server's node; SERVICE_LOAD_LOG_LEVEL sets its log level (default: the service's, info).
const { spawn } = require('node:child_process');
const { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir, cpus, loadavg } = require('node:os');
const { join, resolve } = require('node:path');
const sharp = require('sharp');
const { FacePipeline, Gallery, identifyFaces } = require('../dist');
const { serviceConfig, createApiKey } = require('../dist/service');
const { callsPerSecond, median, row, saveSection } = require('./lib');
const { cpuMs, cpuDelta, rssBytes, threadCount } = require('./proc-cpu');
const { startServiceChild } = require('./service-child');

const root = resolve(__dirname, '..');
for (const [variable, sub] of [['FACE_REID_MODELS', 'models'], ['FACE_REID_DATA', 'data']]) {
  if (!process.env[variable]) process.env[variable] = resolve(root, '..', 'shared', sub);
}

const GOAL = 0.9;
const MiB = 2 ** 20;

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
 * autocannon in a child process (so the client shares no thread with the server or the
 * reference), through its API: the CLI's --input reads the body as text, which would mangle a JPEG.
 */
function autocannon({ url, key, body, seconds, connections }) {
  const script = `
    const autocannon = require(${JSON.stringify(join(root, 'node_modules', 'autocannon'))});
    const body = require('node:fs').readFileSync(process.argv[1]);
    autocannon({ url: process.argv[2], method: 'POST', connections: Number(process.argv[3]), duration: Number(process.argv[4]),
      headers: { 'x-api-key': process.argv[5], 'content-type': 'image/jpeg' }, body }, (err, result) => {
      if (err) { console.error(err); process.exit(1); }
      const cpu = process.cpuUsage(); // the client's own CPU (its start-up included): it shares the cores
      process.stdout.write(JSON.stringify({ ...result, clientCpuMs: (cpu.user + cpu.system) / 1000 }));
    });`;
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['-e', script, body, url, String(connections), String(seconds), key], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolveRun({ ...JSON.parse(out), pid: child.pid }) : reject(new Error(`autocannon failed (${code}): ${err.slice(-500)}`))));
  });
}

/** This process's CPU ms (every thread) and its JS thread's, as proc-cpu gives them for another process. */
function selfCpu() {
  const viaProc = cpuMs(process.pid);
  if (viaProc) return viaProc;
  const u = process.cpuUsage();
  return { total: (u.user + u.system) / 1000, js: NaN };
}

/**
 * Waits until the server has finished the requests autocannon left behind when it stopped (they
 * are still queued or in the models) and returns the CPU ms that tail took, so it is counted
 * neither in the next in-process round's idle figure nor as the server's steady cost per frame.
 */
async function settle(pid, { stepMs = 250, maxMs = 15_000 } = {}) {
  const start = cpuMs(pid);
  if (!start) return undefined;
  let last = start;
  for (let waited = 0; waited < maxMs; waited += stepMs) {
    await new Promise((r) => setTimeout(r, stepMs));
    const now = cpuMs(pid);
    if (!now) break;
    const busy = now.total - last.total;
    last = now;
    if (busy < stepMs * 0.05) break; // under 5 % of a core: idle
  }
  return last.total - start.total;
}

const fmt = (x, digits = 1) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const mean = (xs) => sum(xs) / xs.length;

/** The gallery both sides match against (the server gets its own copy of the file) and a recognize key. */
async function prepareGallery(dir, pipeline, people) {
  const file = join(dir, 'gallery.sqlite');
  const gallery = await Gallery.open(file, { model: pipeline.embeddingModel });
  for (const p of people) {
    for (const picture of p.pictures.slice(0, 2)) {
      const [face] = await pipeline.analyze(picture);
      await gallery.add(p.name, face.embedding, { source: picture });
    }
  }
  const { key, record } = await createApiKey({ name: 'load', scope: 'recognize', rateLimit: 1_000_000 });
  await gallery.keys.create(record);
  await gallery.close();
  const serverFile = join(dir, 'service-gallery.sqlite');
  copyFileSync(file, serverFile);
  return { key, file, serverFile };
}

async function measure({ seconds = 60, connections = 16, rounds = Math.max(2, Math.round(seconds / 15)), log = console.log, nodeArgs, logLevel } = {}) {
  nodeArgs ??= (process.env.SERVICE_LOAD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  logLevel ??= process.env.SERVICE_LOAD_LOG_LEVEL || undefined;
  const dir = mkdtempSync(join(tmpdir(), 'face-reid-load-'));
  const pipeline = await FacePipeline.create({ modelDir: process.env.FACE_REID_MODELS });
  let gallery;
  let server;
  try {
    const { people, jpeg } = await scene();
    const prepared = await prepareGallery(dir, pipeline, people);
    gallery = await Gallery.open(prepared.file, { model: pipeline.embeddingModel });
    const check = await identifyFaces(pipeline, gallery, jpeg);
    log(`scene: 1280x720 JPEG ${(jpeg.length / 1024).toFixed(0)} KiB, ${check.length} faces: ${check.map((f) => f.label).join(', ')}`);
    const bodyFile = join(dir, 'scene.jpg');
    writeFileSync(bodyFile, jpeg);

    server = await startServiceChild({ gallery: prepared.serverFile, dir, nodeArgs, logLevel });
    const url = `${server.url}/v1/identify`;
    const lanes = serviceConfig({}).limits.inferenceConcurrency;
    log(`server: face-reid serve, pid ${server.pid}, ${url}, log level ${logLevel ?? 'info (default)'}${nodeArgs.length ? `, node ${nodeArgs.join(' ')}` : ''}`);

    // Warm-up: every batch size the scene needs is compiled on both sides before either is timed.
    await pipeline.prepare({ frameSize: { width: 1280, height: 720 }, faces: 3 });
    await callsPerSecond(3, lanes, () => identifyFaces(pipeline, gallery, jpeg));
    // The server's warm-up lasts a round, and RSS "before" is read after it: what the first
    // requests allocate once (compiled batch sizes, the heap's first growth) is not growth.
    const phase = seconds / rounds;
    await autocannon({ url, key: prepared.key, body: bodyFile, seconds: Math.max(3, phase), connections });
    await settle(server.pid);

    const rssBefore = rssBytes(server.pid);
    const threadsBefore = threadCount(server.pid);
    const perRound = [];
    const statuses = {};
    for (let round = 0; round < rounds; round++) {
      // In-process: this process's CPU per call; the idle server's CPU over the same time is its floor.
      const self0 = selfCpu();
      const idle0 = cpuMs(server.pid);
      const inProcess = await callsPerSecond(phase, lanes, () => identifyFaces(pipeline, gallery, jpeg));
      const self = cpuDelta(self0, selfCpu());
      const idle = cpuDelta(idle0, cpuMs(server.pid));

      const srv0 = cpuMs(server.pid);
      const http = await autocannon({ url, key: prepared.key, body: bodyFile, seconds: phase, connections });
      const srv = cpuDelta(srv0, cpuMs(server.pid));
      const tailMs = await settle(server.pid);
      const ok = http['2xx'];
      for (const [k, v] of Object.entries(http.statusCodeStats ?? {})) statuses[k] = (statuses[k] ?? 0) + v.count;
      const r = {
        inProcess: inProcess.rate,
        http: ok / phase,
        ok,
        errors: http.errors,
        timeouts: http.timeouts,
        p50: http.latency.p50,
        p99: http.latency.p99,
        cpuInProcess: { total: self.total / inProcess.done, js: self.js / inProcess.done },
        cpuServer: srv && { total: srv.total / ok, js: srv.js / ok },
        rss: rssBytes(server.pid),
        idleServerCores: idle && idle.total / (phase * 1000),
        tailMs,
        clientCpu: http.clientCpuMs / Math.max(1, ok),
        load: loadavg()[0],
      };
      r.ratio = r.http / r.inProcess;
      perRound.push(r);
      log(
        `round ${round + 1}/${rounds}: in-process (${lanes} in flight) ${r.inProcess.toFixed(2)} frames/s, ${fmt(r.cpuInProcess.total)} CPU-ms/frame (JS thread ${fmt(r.cpuInProcess.js)}); ` +
          `HTTP (${connections} connections) ${r.http.toFixed(2)} frames/s, server ${fmt(r.cpuServer?.total)} CPU-ms/frame (JS thread ${fmt(r.cpuServer?.js)}), RSS ${fmt(r.rss / MiB, 0)} MiB; ` +
          `ratio ${r.ratio.toFixed(3)}, p50 ${r.p50} ms, p99 ${r.p99} ms; the client (autocannon) ${fmt(r.clientCpu, 2)} CPU-ms a request; after the clients stopped the server ran ${fmt(r.tailMs, 0)} CPU-ms more; idle server during in-process ${fmt(r.idleServerCores, 3)} cores; load ${fmt(r.load, 2)}`,
      );
    }
    const rssAfter = rssBytes(server.pid);
    const ok = sum(perRound.map((r) => r.ok));
    const errors = sum(perRound.map((r) => r.errors));
    const timeouts = sum(perRound.map((r) => r.timeouts));
    const refused = statuses['503'] ?? 0;
    const otherErrors = errors + timeouts + Object.entries(statuses).filter(([s]) => s !== '200' && s !== '503').reduce((a, [, n]) => a + n, 0);
    const weighted = (pick) => sum(perRound.map((r) => pick(r) * r.ok)) / ok;
    const result = {
      seconds,
      connections,
      lanes,
      rounds,
      // Medians of the rounds: a neighbour's burst during one round moves one ratio, not the figure.
      inProcess: median(perRound.map((r) => r.inProcess)),
      http: median(perRound.map((r) => r.http)),
      ratio: median(perRound.map((r) => r.ratio)),
      p50: Math.max(...perRound.map((r) => r.p50)),
      p99: Math.max(...perRound.map((r) => r.p99)),
      cpuInProcess: { total: mean(perRound.map((r) => r.cpuInProcess.total)), js: mean(perRound.map((r) => r.cpuInProcess.js)) },
      cpuServer: perRound[0].cpuServer && { total: weighted((r) => r.cpuServer.total), js: weighted((r) => r.cpuServer.js) },
      cpuClient: weighted((r) => r.clientCpu),
      idleServerCores: perRound[0].idleServerCores !== undefined ? mean(perRound.map((r) => r.idleServerCores)) : undefined,
      statuses,
      refused,
      otherErrors,
      rssBefore,
      rssAfter,
      threads: [threadsBefore, threadCount(server.pid)],
      load: loadavg(),
      perRound,
    };
    result.cpuRatio = result.cpuServer && result.cpuServer.total / result.cpuInProcess.total;
    log(`HTTP POST /v1/identify, ${connections} connections, ${seconds} s: ${result.http.toFixed(2)} frames/s (median of the rounds), p50 ${result.p50} ms, p99 ${result.p99} ms (worst round); statuses ${JSON.stringify(statuses)}, errors ${errors}, timeouts ${timeouts}`);
    log(`HTTP / in-process: ${result.ratio.toFixed(3)}x, median of ${rounds} rounds' ratios (${perRound.map((r) => r.ratio.toFixed(2)).join(', ')}) (goal >= ${GOAL}x) -> ${result.ratio >= GOAL ? 'met' : 'NOT met'}`);
    log(
      `CPU-ms per frame: server ${fmt(result.cpuServer?.total)} (JS thread ${fmt(result.cpuServer?.js)}), in-process ${fmt(result.cpuInProcess.total)} (JS thread ${fmt(result.cpuInProcess.js)}): ` +
        `server / in-process ${fmt(result.cpuRatio, 3)}x; the client ${fmt(result.cpuClient, 2)} a request; idle server ${fmt(result.idleServerCores, 3)} cores`,
    );
    log(`RSS of the server process: before ${fmt(rssBefore / MiB, 0)} MiB, after ${fmt(rssAfter / MiB, 0)} MiB (${fmt(((rssAfter - rssBefore) / rssBefore) * 100)}%); threads ${result.threads.join(' -> ')}`);
    log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    return result;
  } finally {
    if (server) {
      const how = await server.stop();
      if (how.code !== 0) log(`server exit: code ${how.code}, signal ${how.signal}; stderr: ${server.stderr().slice(-400)}`);
    }
    await gallery?.close();
    await pipeline.close();
    if (!process.env.SERVICE_LOAD_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

async function run(options = {}) {
  return rows(await measure({ seconds: options.quick ? 10 : 60, log: options.log }));
}

/** The report's rows: throughput against in-process, and CPU per frame against in-process. */
function rows(r) {
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
      note:
        `p50 ${r.p50} ms, p99 ${r.p99} ms; 503s ${r.refused}, other errors ${r.otherErrors}; RSS ${fmt(r.rssBefore / MiB, 0)} -> ${fmt(r.rssAfter / MiB, 0)} MiB; ` +
        `CPU-ms/frame server ${fmt(r.cpuServer?.total)} vs in-process ${fmt(r.cpuInProcess.total)}; load ${r.load.map((x) => x.toFixed(1)).join(' ')}`,
    }),
    ...(r.cpuServer
      ? [
          row({
            bench: 'service-load',
            name: 'CPU-ms per identified frame, the server process',
            ours: r.cpuServer.total,
            reference: r.cpuInProcess.total,
            referenceName: 'the same identification in-process',
            unit: 'ms/frame',
            note: `JavaScript thread alone: server ${fmt(r.cpuServer.js)}, in-process ${fmt(r.cpuInProcess.js)} ms; the client, on the same cores, ${fmt(r.cpuClient, 2)} ms a request; ${r.rounds} alternating rounds`,
          }),
        ]
      : []),
  ];
}

const TITLE = 'HTTP service under load vs the same identification in-process';
const NOTES = [
  'The server is `face-reid serve` in its own process with its own pipeline (bench/service-child.js), the client autocannon in another, the in-process reference (identifyFaces, as many calls in flight as the service\'s inference queue runs) in the bench process; HTTP and in-process rounds alternate.',
  'CPU-ms per frame (from /proc, the whole process and its JavaScript thread) is the figure a shared host disturbs least: what the HTTP path costs on top of the identification. The client runs on the same two cores, so the CPU it spends per request (autocannon in its own process, reported) comes out of the HTTP rounds\' throughput and not the in-process rounds\'; a deployment\'s clients are elsewhere. Decoded pixels are freed as soon as a frame is identified (releasePixels), so the server no longer runs a full collection every 7-8 frames for them.',
].join('\n\n');

if (require.main === module) {
  // --docs: the section written into docs/benchmarks.md (through docs/benchmarks.json).
  const docs = process.argv.includes('--docs');
  const [seconds = 60, connections = 16, rounds] = process.argv.slice(2).filter((a) => a !== '--docs').map(Number);
  const started = Date.now();
  measure({ seconds, connections, rounds: rounds || undefined }).then(
    (r) => {
      if (docs) saveSection({ name: 'service-load', title: TITLE, rows: rows(r), seconds: (Date.now() - started) / 1000, notes: NOTES });
      if (r.otherErrors > 0) process.exitCode = 1;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}

module.exports = { run, measure, scene, prepareGallery, autocannon, settle, title: TITLE, notes: NOTES };
