'use strict';
// Pipeline benchmark: FacePipeline.analyzeRaw on a 1920x1080 photo with 5 faces vs the Open Model
// Zoo demo pipeline in Python (test/oracle/bench_pipeline.py) on the same decoded pixels, in the
// same run. Latency: one frame at a time, PERFORMANCE_HINT=LATENCY (median ms per frame; also with
// JPEG decoding included). Throughput: PERFORMANCE_HINT=THROUGHPUT, several frames in flight.
// Usage: FACE_REID_MODELS=/work/shared/models node bench/pipeline.js [runs=100] [seconds=4] [inFlight=4] [rounds=5]
const { mkdtempSync, writeFileSync, rmSync } = require('node:fs');
const { spawn } = require('node:child_process');
const { createInterface } = require('node:readline');
const { join, dirname } = require('node:path');
const { tmpdir } = require('node:os');
const sharp = require('sharp');
const { FacePipeline } = require('../dist/pipeline');
const { modelsDir, projectRoot, pythonExecutable } = require('../test/helpers/env');

const runs = Number(process.argv[2] || 100);
const seconds = Number(process.argv[3] || 4);
const inFlight = Number(process.argv[4] || 4);
const rounds = Number(process.argv[5] || 5);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** CPU time of this process (all threads) per frame: the cost, whatever else the machine runs. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function latency(pipeline, frame, n, cpu = {}) {
  for (let i = 0; i < 10; i++) await pipeline.analyzeRaw(frame);
  const times = [];
  const cpu0 = cpuMs();
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await pipeline.analyzeRaw(frame);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  cpu.perFrame = (cpuMs() - cpu0) / n;
  return median(times);
}

async function throughput(pipeline, frame, cpu = {}) {
  await Promise.all(Array.from({ length: inFlight }, () => pipeline.analyzeRaw(frame)));
  let done = 0;
  const cpu0 = cpuMs();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() - start < seconds * 1000) {
        await pipeline.analyzeRaw(frame);
        done++;
      }
    }),
  );
  cpu.perFrame = (cpuMs() - cpu0) / done;
  return done / ((performance.now() - start) / 1000);
}

/** The Python side as a long-lived process answering one JSON line per command. */
function startPython(args) {
  const child = spawn(pythonExecutable(), [join(projectRoot, 'test', 'oracle', 'bench_pipeline.py'), ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, PYTHONPATH: '' } });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`bench_pipeline.py exited with ${code}`));
  });
  const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  return {
    ready: next(),
    ask(command) {
      const answer = next();
      child.stdin.write(`${command}\n`);
      return answer;
    },
    close: () => child.stdin.end(),
  };
}

async function main() {
  const source = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample5.jpg');
  const work = mkdtempSync(join(tmpdir(), 'face-reid-bench-'));
  let python;
  try {
    // 1920x1080 (stretched, so that every face stays in the picture), decoded once for both sides.
    const jpeg = await sharp(source).resize(1920, 1080, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const frame = { data, width: info.width, height: info.height, channels: 3 };
    const bgr = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i += 3) [bgr[i], bgr[i + 1], bgr[i + 2]] = [data[i + 2], data[i + 1], data[i]];
    writeFileSync(join(work, 'frame.bgr'), bgr);
    writeFileSync(join(work, 'frame.jpg'), jpeg);

    const modelDir = modelsDir();
    python = startPython([modelDir, join(work, 'frame.bgr'), String(info.width), String(info.height), join(work, 'frame.jpg')]);
    const hints = (hint) => ({ modelDir, ...Object.fromEntries(['detector', 'landmarks', 'reid'].map((k) => [k, { config: { PERFORMANCE_HINT: hint } }])) });
    const lat = await FacePipeline.create(hints('LATENCY'));
    const tp = await FacePipeline.create(hints('THROUGHPUT'));
    const faces = (await lat.analyzeRaw(frame)).length;
    const { faces: pyFaces } = await python.ready;
    await latency(lat, frame, 10);

    // Other work on the machine comes and goes: each round measures ours then Python straight
    // after, and the ratios are taken per round, then their median.
    const rows = { latency: [], decode: [], throughput: [], latencyCpu: [], throughputCpu: [] };
    for (let round = 0; round < rounds; round++) {
      const oursLatCpu = {};
      const oursLatency = await latency(lat, frame, runs, oursLatCpu);
      const pyLat = await python.ask(`latency ${runs}`);
      const pyLatency = pyLat.medianMs;
      const decodeTimes = [];
      for (let i = 0; i < Math.max(10, runs >> 2); i++) {
        const start = process.hrtime.bigint();
        await lat.analyze(jpeg);
        decodeTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      const pyDecode = (await python.ask(`decode ${Math.max(10, runs >> 2)}`)).medianMs;
      const oursTpCpu = {};
      const oursFps = await throughput(tp, frame, oursTpCpu);
      const pyTp = await python.ask(`throughput ${seconds} ${inFlight}`);
      const pyFps = pyTp.fps;
      rows.latencyCpu.push([oursLatCpu.perFrame, pyLat.cpuMsPerFrame]);
      rows.throughputCpu.push([oursTpCpu.perFrame, pyTp.cpuMsPerFrame]);
      rows.latency.push([oursLatency, pyLatency]);
      rows.decode.push([median(decodeTimes), pyDecode]);
      rows.throughput.push([oursFps, pyFps]);
      console.log(`round ${round + 1}: latency ${oursLatency.toFixed(1)} vs ${pyLatency.toFixed(1)} ms, with decode ${median(decodeTimes).toFixed(1)} vs ${pyDecode.toFixed(1)} ms, throughput ${oursFps.toFixed(1)} vs ${pyFps.toFixed(1)} frames/s; CPU ms/frame latency ${oursLatCpu.perFrame.toFixed(1)} vs ${pyLat.cpuMsPerFrame.toFixed(1)}, throughput ${oursTpCpu.perFrame.toFixed(1)} vs ${pyTp.cpuMsPerFrame.toFixed(1)}`);
    }
    await Promise.all([lat.close(), tp.close()]);
    const col = (key, i) => median(rows[key].map((r) => r[i]));
    const ratio = (key, f) => median(rows[key].map(f));
    console.log(`\nframe ${info.width}x${info.height}, ${faces} faces (python: ${pyFaces}); medians of ${rounds} interleaved rounds`);
    console.log(`latency, decoded frame (median of ${runs} per round, PERFORMANCE_HINT=LATENCY)`);
    console.log(`  ours analyzeRaw   ${col('latency', 0).toFixed(2)} ms  (${(1000 / col('latency', 0)).toFixed(1)} frames/s)`);
    console.log(`  python pipeline   ${col('latency', 1).toFixed(2)} ms  (${(1000 / col('latency', 1)).toFixed(1)} frames/s)`);
    console.log(`  speed ours/python ${ratio('latency', ([o, p]) => p / o).toFixed(2)}x (goal >= 1.2)`);
    console.log('latency with JPEG decoding (ours analyze(jpeg buffer); python cv2.imdecode + pipeline)');
    console.log(`  ours ${col('decode', 0).toFixed(2)} ms, python ${col('decode', 1).toFixed(2)} ms, speed ${ratio('decode', ([o, p]) => p / o).toFixed(2)}x`);
    console.log(`throughput (PERFORMANCE_HINT=THROUGHPUT, ${inFlight} frames in flight, ${seconds} s per round)`);
    console.log(`  ours   ${col('throughput', 0).toFixed(1)} frames/s`);
    console.log(`  python ${col('throughput', 1).toFixed(1)} frames/s (${inFlight} threads)`);
    console.log(`  speed ours/python ${ratio('throughput', ([o, p]) => o / p).toFixed(2)}x (goal >= 1.2)`);
    console.log('CPU time per frame, all threads of each process (what a frame costs, whatever else runs)');
    console.log(`  latency mode    ours ${col('latencyCpu', 0).toFixed(1)} ms, python ${col('latencyCpu', 1).toFixed(1)} ms`);
    console.log(`  throughput mode ours ${col('throughputCpu', 0).toFixed(1)} ms, python ${col('throughputCpu', 1).toFixed(1)} ms`);
  } finally {
    python?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
