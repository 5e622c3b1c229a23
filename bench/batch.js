'use strict';
// Why the pipeline sends a frame's n faces as one inference of batch exactly n (BatchedModel):
// milliseconds per face of face-reidentification-retail-0095 and landmarks-regression-retail-0009
// at batch 1, 2, 4, 5 and 8 against n separate batch-1 inferences (the reference), PERFORMANCE_HINT
// LATENCY, one request, inferSync. Batch sizes alternate inside every round so that drift on a
// shared machine hits all of them; figures are medians over rounds.
// Part of `npm run bench`; alone: FACE_REID_MODELS=../shared/models node bench/batch.js [rounds=7]
const { openvino } = require('../dist');
const { modelPath } = require('../test/helpers/env');
const { median, medianSyncMs, row } = require('./lib');

const MODELS = ['face-reidentification-retail-0095', 'landmarks-regression-retail-0009'];
const BATCHES = [1, 2, 4, 5, 8];

const perItemMs = (request, batch, runs) => medianSyncMs(runs, () => request.inferSync()) / batch;

async function measure({ rounds = 7, runs = 60, log = () => {} } = {}) {
  const results = {};
  for (const name of MODELS) {
    const compiled = BATCHES.map((batch) => {
      const model = openvino.compileModel({ xml: modelPath(name).xml, batch, config: { PERFORMANCE_HINT: 'LATENCY' } });
      const request = model.createInferRequest();
      // Pixel-like values: the model sees what it sees in production, not zeros.
      request.inputBuffer(0).forEach((_, i, a) => (a[i] = (i * 7919) % 256));
      return { batch, model, request };
    });
    const perRound = BATCHES.map(() => []);
    for (const c of compiled) perItemMs(c.request, c.batch, 10); // warm-up
    for (let r = 0; r < rounds; r++) {
      compiled.forEach((c, k) => perRound[k].push(perItemMs(c.request, c.batch, Math.max(10, Math.round(runs / c.batch)))));
      log(`${name} round ${r + 1}/${rounds}: ${compiled.map((c, k) => `b${c.batch} ${perRound[k][r].toFixed(3)}`).join(', ')} ms/item`);
    }
    results[name] = Object.fromEntries(BATCHES.map((b, k) => [b, median(perRound[k])]));
    for (const c of compiled) {
      c.request.close();
      c.model.close();
    }
  }
  return results;
}

async function run(options = {}) {
  const results = await measure({ rounds: options.quick ? 3 : 7, runs: options.quick ? 30 : 60, log: options.log });
  const rows = [];
  for (const [name, perBatch] of Object.entries(results)) {
    for (const batch of BATCHES.slice(1)) {
      rows.push(row({
        bench: 'batch', name: `${name.replace(/-retail-\d+$/, '')}: batch ${batch}`, ours: perBatch[batch], reference: perBatch[1],
        referenceName: `${batch} x batch 1`, unit: 'ms/item', better: 'lower', note: 'LATENCY hint, inferSync, per item',
      }));
    }
  }
  return rows;
}

if (require.main === module) {
  measure({ rounds: Number(process.argv[2] || 7), log: console.log }).then((results) => {
    for (const [name, perBatch] of Object.entries(results)) {
      console.log(`${name}: ${BATCHES.map((b) => `batch ${b} ${perBatch[b].toFixed(3)} ms/item (${(perBatch[1] / perBatch[b]).toFixed(2)}x)`).join(', ')}`);
    }
  });
}

module.exports = { run, measure, title: 'Batch size: ms per face at batch n vs n batch-1 inferences (LATENCY hint)' };
