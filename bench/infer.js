'use strict';
// Re-identification inference alone (same wheel, same IR, same input): our engine against the
// OpenVINO Python API and against benchmark_app from that wheel.
//  - batch-1 latency, PERFORMANCE_HINT=LATENCY: our inferSync (and infer(), the async path
//    FaceReid uses) vs Python's compiled(data);
//  - PERFORMANCE_HINT=THROUGHPUT with every optimal request busy: our infer() promises vs Python's
//    AsyncInferQueue vs benchmark_app -hint throughput.
// Rounds alternate ours / Python so drift on a shared machine hits both; each figure is the median
// over rounds.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');
const { openvino } = require('../dist');
const { modelPath, projectRoot } = require('../test/helpers/env');
const { median, medianSyncMs, medianAsyncMs, callsPerSecond, PythonOracle, scratch, row, pairedRatio } = require('./lib');

const MODEL = 'face-reidentification-retail-0095';

function deterministicInput(size) {
  // Pixel-like values 0..255: the model sees what it sees in production, not zeros.
  return new Float32Array(size).map((_, i) => (i * 7919) % 256);
}

/** benchmark_app of the oracle's wheel; its "Throughput: N FPS" line. */
function benchmarkApp(xml, seconds) {
  const exe = join(projectRoot, '.venv', 'bin', 'benchmark_app');
  const result = spawnSync(exe, ['-m', xml, '-d', 'CPU', '-hint', 'throughput', '-t', String(seconds)], { encoding: 'utf8' });
  const match = /Throughput:\s*([\d.]+)\s*FPS/.exec(result.stdout ?? '');
  if (result.status !== 0 || !match) {
    throw new Error(`benchmark_app failed (${result.status}): ${(result.stderr || result.stdout || '').slice(-800)}`);
  }
  const nireq = /(\d+)\s+inference requests/i.exec(result.stdout);
  return { fps: Number(match[1]), requests: nireq ? Number(nireq[1]) : undefined };
}

async function run(options = {}) {
  const rounds = options.rounds ?? (options.quick ? 3 : 5);
  const latencyRounds = options.latencyRounds ?? (options.quick ? 5 : 15);
  const runs = options.latencyRuns ?? 200;
  const seconds = options.seconds ?? 5;
  const appSeconds = options.appSeconds ?? 10;
  const appRounds = options.appRounds ?? 3;
  const precision = options.precision ?? 'FP16';
  const { xml } = modelPath(MODEL, precision);
  const log = options.log ?? (() => {});

  const input = deterministicInput(3 * 128 * 128);
  const inputFile = join(scratch(), 'input.f32');
  writeFileSync(inputFile, Buffer.from(input.buffer));

  const python = new PythonOracle();
  try {
    // Latency, batch 1.
    const latencyModel = openvino.compileModel({ xml, config: { PERFORMANCE_HINT: 'LATENCY' } });
    const request = latencyModel.createInferRequest();
    request.setInput(0, input);
    for (let i = 0; i < 20; i++) request.inferSync();
    await python.call({ cmd: 'compile', key: 'latency', xml, hint: 'LATENCY' });
    const ours = [];
    const oursAsync = [];
    const py = [];
    for (let r = 0; r < latencyRounds; r++) {
      ours.push(medianSyncMs(runs, () => request.inferSync()));
      oursAsync.push(await medianAsyncMs(runs, () => request.infer()));
      py.push((await python.call({ cmd: 'latency', key: 'latency', input: inputFile, runs })).medianMs);
      log(`latency round ${r + 1}/${latencyRounds}: ours ${ours[r].toFixed(3)} ms, async ${oursAsync[r].toFixed(3)} ms, python ${py[r].toFixed(3)} ms`);
    }
    request.close();
    latencyModel.close();

    // Throughput, every request busy.
    const tpModel = openvino.compileModel({ xml, config: { PERFORMANCE_HINT: 'THROUGHPUT' } });
    const requests = Array.from({ length: tpModel.optimalInferRequests }, () => {
      const r = tpModel.createInferRequest();
      r.setInput(0, input);
      return r;
    });
    await Promise.all(requests.map((r) => r.infer()));
    const pyTp = await python.call({ cmd: 'compile', key: 'throughput', xml, hint: 'THROUGHPUT' });
    const oursFps = [];
    const pyFps = [];
    for (let r = 0; r < rounds; r++) {
      oursFps.push((await callsPerSecond(seconds, requests.length, (i) => requests[i].infer())).rate);
      pyFps.push((await python.call({ cmd: 'throughput', key: 'throughput', input: inputFile, seconds })).fps);
      log(`throughput round ${r + 1}/${rounds}: ours ${oursFps[r].toFixed(1)}, python ${pyFps[r].toFixed(1)} faces/s`);
    }
    // benchmark_app rounds interleaved with ours again, so both see the same machine state.
    const appFps = [];
    const oursVsApp = [];
    let appRequests;
    for (let r = 0; r < appRounds; r++) {
      const app = benchmarkApp(xml, appSeconds);
      appFps.push(app.fps);
      appRequests = app.requests;
      oursVsApp.push((await callsPerSecond(appSeconds, requests.length, (i) => requests[i].infer())).rate);
      log(`benchmark_app round ${r + 1}/${appRounds}: app ${app.fps.toFixed(1)} FPS, ours ${oursVsApp[r].toFixed(1)} faces/s`);
    }
    requests.forEach((r) => r.close());
    tpModel.close();

    const bench = 'inference';
    const tag = precision === 'FP16' ? '' : ` ${precision}`;
    return [
      row({
        bench, name: `batch-1 latency${tag} (inferSync)`, ours: median(ours), reference: median(py), referenceName: 'OpenVINO Python compiled()',
        unit: 'ms', better: 'lower', goal: '<= 1.02 x Python', ratio: pairedRatio(ours, py), pass: pairedRatio(ours, py) >= 1 / 1.02,
        note: `median of ${latencyRounds} alternating rounds x ${runs} runs, PERFORMANCE_HINT=LATENCY`,
      }),
      row({
        bench, name: `batch-1 latency${tag} (async infer())`, ours: median(oursAsync), reference: median(py), referenceName: 'OpenVINO Python compiled()',
        unit: 'ms', better: 'lower', ratio: pairedRatio(oursAsync, py), note: 'the path FaceReid.embed takes: off the JS thread, one completion hop',
      }),
      row({
        bench, name: `throughput${tag} vs Python`, ours: median(oursFps), reference: median(pyFps), referenceName: `Python AsyncInferQueue(${pyTp.requests})`,
        unit: 'faces/s', better: 'higher', ratio: pairedRatio(oursFps, pyFps, 'higher'), note: `${requests.length} requests busy, ${rounds} rounds x ${seconds} s`,
      }),
      row({
        bench, name: `throughput${tag} vs benchmark_app`, ours: median(oursVsApp), reference: median(appFps), referenceName: `benchmark_app -hint throughput${appRequests ? ` (${appRequests} requests)` : ''}`,
        unit: 'faces/s', better: 'higher', goal: '>= 0.97 x benchmark_app', ratio: pairedRatio(oursVsApp, appFps, 'higher'), pass: pairedRatio(oursVsApp, appFps, 'higher') >= 0.97,
        note: `${appRounds} rounds x ${appSeconds} s each, alternating`,
      }),
    ];
  } finally {
    await python.close();
  }
}

module.exports = { run, title: 'Re-identification inference (ours vs OpenVINO Python, benchmark_app)' };
