'use strict';
// Engine benchmark: our inferSync vs OpenVINO Python's CompiledModel call (latency, batch 1),
// and THROUGHPUT-hint faces/s with all requests busy vs Python's AsyncInferQueue.
// Usage: FACE_REID_MODELS=/work/shared/models node bench/engine.js [runs=1000] [seconds=5]
const { openvino } = require('../dist');
const { modelPath, runOracle } = require('../test/helpers/env');

const runs = Number(process.argv[2] || 1000);
const seconds = Number(process.argv[3] || 5);
const { xml } = modelPath('face-reidentification-retail-0095', 'FP16');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main() {
  const input = new Float32Array(3 * 128 * 128).map((_, i) => (i * 7919) % 256);

  const latency = openvino.compileModel({ xml, config: { PERFORMANCE_HINT: 'LATENCY' } });
  const request = latency.createInferRequest();
  request.setInput(0, input);
  for (let i = 0; i < 20; i++) request.inferSync();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    request.inferSync();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const ours = median(times);

  const throughput = openvino.compileModel({ xml, config: { PERFORMANCE_HINT: 'THROUGHPUT' } });
  const count = throughput.optimalInferRequests;
  const requests = Array.from({ length: count }, () => {
    const r = throughput.createInferRequest();
    r.setInput(0, input);
    return r;
  });
  await Promise.all(requests.map((r) => r.infer()));
  let done = 0;
  const start = performance.now();
  await Promise.all(
    requests.map(async (r) => {
      while (performance.now() - start < seconds * 1000) {
        await r.infer();
        done++;
      }
    }),
  );
  const oursFps = done / ((performance.now() - start) / 1000);

  const python = JSON.parse(runOracle('bench_infer.py', [xml, String(runs), String(seconds)], Buffer.from(input.buffer)));
  console.log(`latency (median of ${runs}, batch 1, PERFORMANCE_HINT=LATENCY)`);
  console.log(`  ours inferSync      ${ours.toFixed(3)} ms`);
  console.log(`  python compiled()   ${python.latencyMedianMs.toFixed(3)} ms`);
  console.log(`  ratio ours/python   ${(ours / python.latencyMedianMs).toFixed(3)} (goal <= 1.02)`);
  console.log(`throughput (PERFORMANCE_HINT=THROUGHPUT, all requests busy, ${seconds} s)`);
  console.log(`  ours   ${oursFps.toFixed(1)} faces/s with ${count} requests`);
  console.log(`  python ${python.throughputFps.toFixed(1)} faces/s with AsyncInferQueue(${python.requests})`);
  requests.forEach((r) => r.close());
  request.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
