'use strict';
// Whole pipeline, FacePipeline against the Open Model Zoo demo pipeline in Python
// (test/oracle/bench_pipeline.py), on one 1920x1080 photo with 5 faces, in the same run: ours and
// Python alternate round by round, and each ratio is the median of the per-round ratios.
// Latency: one frame at a time, PERFORMANCE_HINT=LATENCY, median ms per frame (decoded frame, and
// JPEG in: sharp vs cv2.imdecode). Throughput: PERFORMANCE_HINT=THROUGHPUT, several frames in
// flight (Python: one thread per frame). Both sides use the same detector confidence.
// Part of `npm run bench`; alone: FACE_REID_MODELS=../shared/models node bench/pipeline.js [runs=100] [seconds=4] [inFlight=4] [rounds=5]
const { mkdtempSync, writeFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const sharp = require('sharp');
const { FacePipeline, DEFAULT_CONFIDENCE } = require('../dist/pipeline');
const { modelsDir } = require('../test/helpers/env');
const { packedBgr } = require('../test/helpers/align-data');
const { sampleDir } = require('./photos');
const { median, medianAsyncMs, callsPerSecond, row, pairedRatio, PythonOracle } = require('./lib');

/** CPU time of this process (all threads) per frame: the cost, whatever else the machine runs. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function latency(pipeline, frame, n, cpu = {}) {
  for (let i = 0; i < 10; i++) await pipeline.analyzeRaw(frame);
  const cpu0 = cpuMs();
  const ms = await medianAsyncMs(n, () => pipeline.analyzeRaw(frame));
  cpu.perFrame = (cpuMs() - cpu0) / n;
  return ms;
}

async function throughput(pipeline, frame, { seconds, inFlight }, cpu = {}) {
  await Promise.all(Array.from({ length: inFlight }, () => pipeline.analyzeRaw(frame)));
  const cpu0 = cpuMs();
  const { rate, done } = await callsPerSecond(seconds, inFlight, () => pipeline.analyzeRaw(frame));
  cpu.perFrame = (cpuMs() - cpu0) / done;
  return rate;
}

async function measure({ runs = 100, seconds = 4, inFlight = 4, rounds = 5, log = console.log } = {}) {
  const source = join(sampleDir(), 'sample5.jpg');
  const work = mkdtempSync(join(tmpdir(), 'face-reid-bench-'));
  let python;
  try {
    // 1920x1080 (stretched, so that every face stays in the picture), decoded once for both sides.
    const jpeg = await sharp(source).resize(1920, 1080, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const frame = { data, width: info.width, height: info.height, channels: 3 };
    writeFileSync(join(work, 'frame.bgr'), packedBgr(frame));
    writeFileSync(join(work, 'frame.jpg'), jpeg);

    const modelDir = modelsDir();
    python = new PythonOracle('bench_pipeline.py');
    const pythonSetup = python.call({ cmd: 'setup', modelDir, frame: join(work, 'frame.bgr'), width: info.width, height: info.height, jpeg: join(work, 'frame.jpg'), confidence: DEFAULT_CONFIDENCE });
    const hints = (hint) => ({ modelDir, ...Object.fromEntries(['detector', 'landmarks', 'reid'].map((k) => [k, { config: { PERFORMANCE_HINT: hint } }])) });
    const lat = await FacePipeline.create(hints('LATENCY'));
    const tp = await FacePipeline.create(hints('THROUGHPUT'));
    // Compile what the frame needs before timing (Python compiles its fixed batch-1 models at setup).
    const faces = (await lat.analyzeRaw(frame)).length;
    await Promise.all([lat, tp].map((p) => p.prepare({ frameSize: frame, faces })));
    const { faces: pyFaces } = await pythonSetup;
    await latency(lat, frame, 10);

    // Other work on the machine comes and goes: each round measures ours then Python straight
    // after, and the ratios are taken per round, then their median.
    const rows = { latency: [], decode: [], throughput: [], latencyCpu: [], throughputCpu: [] };
    for (let round = 0; round < rounds; round++) {
      const oursLatCpu = {};
      const oursLatency = await latency(lat, frame, runs, oursLatCpu);
      const pyLat = await python.call({ cmd: 'latency', runs });
      const pyLatency = pyLat.medianMs;
      const decodeRuns = Math.max(10, runs >> 2);
      const oursDecode = await medianAsyncMs(decodeRuns, () => lat.analyze(jpeg));
      const pyDecode = (await python.call({ cmd: 'decode', runs: decodeRuns })).medianMs;
      const oursTpCpu = {};
      const oursFps = await throughput(tp, frame, { seconds, inFlight }, oursTpCpu);
      const pyTp = await python.call({ cmd: 'throughput', seconds, threads: inFlight });
      const pyFps = pyTp.fps;
      rows.latencyCpu.push([oursLatCpu.perFrame, pyLat.cpuMsPerFrame]);
      rows.throughputCpu.push([oursTpCpu.perFrame, pyTp.cpuMsPerFrame]);
      rows.latency.push([oursLatency, pyLatency]);
      rows.decode.push([oursDecode, pyDecode]);
      rows.throughput.push([oursFps, pyFps]);
      log(`round ${round + 1}/${rounds}: latency ${oursLatency.toFixed(1)} vs ${pyLatency.toFixed(1)} ms, with decode ${oursDecode.toFixed(1)} vs ${pyDecode.toFixed(1)} ms, throughput ${oursFps.toFixed(1)} vs ${pyFps.toFixed(1)} frames/s; CPU ms/frame latency ${oursLatCpu.perFrame.toFixed(1)} vs ${pyLat.cpuMsPerFrame.toFixed(1)}, throughput ${oursTpCpu.perFrame.toFixed(1)} vs ${pyTp.cpuMsPerFrame.toFixed(1)}`);
    }
    await Promise.all([lat.close(), tp.close()]);
    const col = (key, i) => median(rows[key].map((r) => r[i]));
    const speed = (key, better) => pairedRatio(rows[key].map((r) => r[0]), rows[key].map((r) => r[1]), better);
    return {
      perRound: rows,
      frame: `${info.width}x${info.height}`, faces, pyFaces, rounds, runs, seconds, inFlight,
      latency: { ours: col('latency', 0), python: col('latency', 1), speed: speed('latency', 'lower') },
      decode: { ours: col('decode', 0), python: col('decode', 1), speed: speed('decode', 'lower') },
      throughput: { ours: col('throughput', 0), python: col('throughput', 1), speed: speed('throughput', 'higher') },
      cpu: { latency: [col('latencyCpu', 0), col('latencyCpu', 1)], throughput: [col('throughputCpu', 0), col('throughputCpu', 1)] },
    };
  } finally {
    await python?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const GOAL = 1.2; // issue 5: ours >= 1.2x the Python pipeline's frame rate

/** `npm run bench` rows: frames per second, ours and Python, and the speed-up. */
async function run(options = {}) {
  const r = await measure({ runs: options.quick ? 40 : 100, seconds: options.quick ? 2 : 4, rounds: options.quick ? 3 : 7, log: options.log });
  const note = `${r.frame} JPEG q92, ${r.faces} faces (Python ${r.pyFaces}); median of ${r.rounds} alternating rounds; speed-up = median of per-round ratios`;
  const fps = (ms) => 1000 / ms;
  return [
    row({ bench: 'pipeline', name: 'whole pipeline, decoded frame, LATENCY', ours: fps(r.latency.ours), reference: fps(r.latency.python), referenceName: 'Python OMZ demo logic (cv2 + OpenVINO)', unit: 'frames/s', better: 'higher', ratio: r.latency.speed, goal: `>= ${GOAL}x`, pass: r.latency.speed >= GOAL, note }),
    row({ bench: 'pipeline', name: 'whole pipeline, JPEG in, LATENCY', ours: fps(r.decode.ours), reference: fps(r.decode.python), referenceName: 'Python: cv2.imdecode + the same', unit: 'frames/s', better: 'higher', ratio: r.decode.speed, note: 'sharp vs cv2.imdecode (both libjpeg-turbo)' }),
    row({ bench: 'pipeline', name: `whole pipeline, THROUGHPUT, ${r.inFlight} frames in flight`, ours: r.throughput.ours, reference: r.throughput.python, referenceName: `Python, ${r.inFlight} threads`, unit: 'frames/s', better: 'higher', ratio: r.throughput.speed, goal: `>= ${GOAL}x`, pass: r.throughput.speed >= GOAL, note: `CPU ms per frame ours ${r.cpu.throughput[0].toFixed(1)} vs Python ${r.cpu.throughput[1].toFixed(1)}` }),
  ];
}

function print(r) {
  const line = (label, ours, python, speed, unit = 'ms') => console.log(`  ${label}: ours ${ours.toFixed(2)} ${unit}, python ${python.toFixed(2)} ${unit}, speed ours/python ${speed.toFixed(2)}x`);
  console.log(`\nframe ${r.frame}, ${r.faces} faces (python: ${r.pyFaces}); medians of ${r.rounds} interleaved rounds`);
  line('latency, decoded frame (LATENCY)', r.latency.ours, r.latency.python, r.latency.speed);
  line('latency, JPEG in (sharp / cv2.imdecode)', r.decode.ours, r.decode.python, r.decode.speed);
  line(`throughput (THROUGHPUT, ${r.inFlight} in flight)`, r.throughput.ours, r.throughput.python, r.throughput.speed, 'frames/s');
  console.log(`  CPU ms per frame, all threads: latency ours ${r.cpu.latency[0].toFixed(1)} vs ${r.cpu.latency[1].toFixed(1)}, throughput ours ${r.cpu.throughput[0].toFixed(1)} vs ${r.cpu.throughput[1].toFixed(1)}`);
}

if (require.main === module) {
  const [runs = 100, seconds = 4, inFlight = 4, rounds = 5] = process.argv.slice(2).map(Number);
  measure({ runs, seconds, inFlight, rounds })
    .then(print)
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}

module.exports = { run, measure, title: 'Whole pipeline on a 1920x1080 photo with 5 faces (ours vs the Open Model Zoo demo logic in Python)' };
