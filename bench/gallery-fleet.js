'use strict';
// Fleet benchmark: N node processes (bench/gallery-fleet-node.js) on one PostgreSQL for a while,
// each enrolling its own people and a shared set (the same sources from every node), removing
// some of its own and identifying all the time, with the server stopped for a stretch in the
// middle. Afterwards it checks the invariants (no sample lost, none duplicated, every removal
// applied everywhere, every node's matrix equal to the database, outage writes landed once) and
// reports the propagation delay of an enrolment to the other nodes, the enrolment throughput and
// how identification went on through the outage.
//
//   node bench/gallery-fleet.js [--nodes 4] [--seconds 60] [--outage 20] [--json out.json]
//   node bench/gallery-fleet.js --compare OTHER/dist [--rounds 1] ...
//
// --compare runs the fleet with another build of the library (e.g. the previous commit's dist)
// and with this one, alternately, on the same host state, and reports both: the enrolment
// throughput before the outage and how long the outage's queue takes to replay (enrolment is
// held after the outage until every node's outbox is empty, so the replay is timed alone).
//
// test/gallery-fleet.test.js runs a short version (2 nodes, 10 s, 3 s outage) for the invariants.
const { fork } = require('node:child_process');
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { startPostgres } = require('../test/helpers/postgres');
const { outputDir } = require('../test/helpers/env');
const { Gallery } = require('../dist');
const { median } = require('./lib');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function runFleet({ nodes = 4, durationMs = 60000, outageMs = 20000, samplesPerPerson = 2, sharedEvery = 5, queuedIntervalMs = 100, dist, timeReplay = false, log = () => {} } = {}) {
  const dir = join(outputDir('gallery-fleet'), String(process.pid));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pg = await startPostgres({ throwaway: true });
  const workers = [];
  try {
    await (await Gallery.open(pg.url, { outbox: false })).close(); // the schema, once
    const inbox = []; // every message, with its node
    const waiters = [];
    const onMessage = (i) => (message) => {
      inbox.push({ node: i, ...message });
      for (const w of [...waiters]) if (w.test({ node: i, ...message })) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
      if (message.type === 'enrolled' && !message.shared && message.result.stored > 0) {
        for (let j = 0; j < workers.length; j++) if (j !== i) workers[j].send({ type: 'watch', label: message.label, at: message.at, outage: message.outage });
      }
    };
    const waitAll = (type, timeoutMs) => new Promise((resolve, reject) => {
      const count = () => new Set(inbox.filter((m) => m.type === type).map((m) => m.node)).size;
      const timer = setTimeout(() => reject(new Error(`fleet: not every node sent ${type} within ${timeoutMs} ms`)), timeoutMs);
      const w = { test: () => count() >= nodes, resolve: () => (clearTimeout(timer), resolve()) };
      if (count() >= nodes) w.resolve();
      else waiters.push(w);
    });
    for (let i = 0; i < nodes; i++) {
      const worker = fork(join(__dirname, 'gallery-fleet-node.js'), [pg.url, join(dir, `outbox-${i}.sqlite`), String(i), String(samplesPerPerson), String(sharedEvery), String(queuedIntervalMs), ...(dist ? [dist] : [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      worker.on('message', onMessage(i));
      worker.on('exit', (code) => code && inbox.push({ node: i, type: 'error', message: `exit ${code}` }));
      workers.push(worker);
    }
    await waitAll('ready', 60000);
    const t0 = Date.now();
    for (const w of workers) w.send({ type: 'go' });
    const outageAt = (durationMs - outageMs) / 2;
    await sleep(outageAt);
    let outageStart = Date.now();
    let outageEnd = outageStart;
    if (outageMs > 0) {
      log(`fleet: stopping PostgreSQL for ${outageMs / 1000} s`);
      for (const w of workers) w.send({ type: 'outage', on: true });
      outageStart = Date.now();
      await pg.stopServer();
      await sleep(outageMs);
      await pg.startServer();
      outageEnd = Date.now();
      for (const w of workers) w.send({ type: 'outage', on: false, hold: timeReplay });
      log('fleet: PostgreSQL is back');
    }
    await sleep(Math.max(0, t0 + durationMs - Date.now()));
    for (const w of workers) w.send({ type: 'stop' });
    await waitAll('stopped', 300000);
    const elapsedS = (Date.now() - t0) / 1000;
    const enrolled = inbox.filter((m) => m.type === 'enrolled');
    const removed = inbox.filter((m) => m.type === 'removed');
    const labels = [...new Set([...enrolled.map((m) => m.label)])];
    for (const w of workers) w.send({ type: 'finish', labels });
    await waitAll('final', 300000);
    const finals = inbox.filter((m) => m.type === 'final').sort((a, b) => a.node - b.node);

    // What the database must hold: every acknowledged enrolment, minus acknowledged removals.
    const removedLabels = new Set(removed.filter((m) => m.outcome !== 'absent').map((m) => m.label));
    const expected = new Set(labels.filter((l) => !removedLabels.has(l)));
    const rows = (await pg.query('SELECT i.label, count(s.id)::int AS n, count(DISTINCT s.source)::int AS sources FROM identities i LEFT JOIN samples s ON s.identity_id = i.id GROUP BY i.label')).rows;
    const inDb = new Map(rows.map((r) => [r.label, r]));
    const violations = [];
    for (const label of expected) {
      const r = inDb.get(label);
      if (!r) violations.push(`lost: ${label} was acknowledged and is not in the database`);
      else if (r.n !== samplesPerPerson || r.sources !== samplesPerPerson) violations.push(`${label}: ${r.n} samples (${r.sources} sources), expected ${samplesPerPerson}`);
    }
    for (const label of removedLabels) if (inDb.has(label)) violations.push(`removal not applied in the database: ${label}`);
    for (const r of rows) if (!expected.has(r.label)) violations.push(`unexpected identity in the database: ${r.label}`);
    for (const f of finals) {
      if (f.status.outbox !== 0 || f.status.state !== 'connected') violations.push(`node ${f.node} ended ${f.status.state} with ${f.status.outbox} queued`);
      for (const label of labels) {
        const want = expected.has(label);
        if (f.present[label].some((p) => p !== want)) violations.push(`node ${f.node}: matrix ${want ? 'misses samples of' : 'still holds'} ${label}`);
      }
    }
    for (const e of inbox.filter((m) => m.type === 'error')) violations.push(`node ${e.node}: ${e.message}`);

    const seen = inbox.filter((m) => m.type === 'seen');
    const live = seen.filter((m) => !m.outage && (m.delayMs >= 0));
    const delays = live.filter((m) => {
      const at = enrolled.find((e) => e.label === m.label)?.at ?? 0;
      return at < outageStart - 1000 || at > outageEnd + 1000; // enrolments whose propagation the outage did not hold up
    }).map((m) => m.delayMs);
    const storedSamples = enrolled.reduce((sum, m) => sum + m.result.stored, 0);
    const queuedEnrolments = enrolled.filter((m) => m.result.queued > 0);
    const replayed = inbox.filter((m) => m.type === 'replayed');
    return {
      nodes,
      seconds: elapsedS,
      outageSeconds: (outageEnd - outageStart) / 1000,
      enrolments: enrolled.length,
      removals: removed.length,
      sharedEnrolments: enrolled.filter((m) => m.shared).length,
      samplesInDatabase: rows.reduce((sum, r) => sum + r.n, 0),
      // Before the outage every node writes as fast as the database takes it: the throughput figure.
      enrolSamplesPerSBeforeOutage:
        enrolled.filter((m) => m.at < outageStart).reduce((sum, m) => sum + m.result.stored, 0) / ((outageStart - t0) / 1000),
      storedSamples,
      queuedDuringOutage: queuedEnrolments.length,
      // From the server's restart until the last node's outbox was empty (timeReplay only).
      replay: timeReplay ? { seconds: Math.max(...replayed.map((m) => m.at - outageEnd)) / 1000, queuedOps: replayed.reduce((sum, m) => sum + m.depth, 0) } : undefined,
      propagation: { count: delays.length, medianMs: median(delays), p95Ms: percentile(delays, 95), maxMs: Math.max(...delays) },
      answers: finals.map((f) => ({ node: f.node, total: f.answers.total, duringOutage: f.answers.duringOutage })),
      matrixStats: finals.map((f) => f.matrix),
      violations,
    };
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await pg.stop();
  }
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const settings = {
    nodes: Number(opt('nodes', 4)),
    durationMs: Number(opt('seconds', 60)) * 1000,
    outageMs: Number(opt('outage', 20)) * 1000,
    log: (line) => console.error(line),
  };
  const other = opt('compare');
  let result;
  if (other) {
    const runs = { reference: [], current: [] };
    for (let round = 0; round < Number(opt('rounds', 1)); round++) {
      for (const [name, dist] of [['reference', require('node:path').resolve(other)], ['current', undefined]]) {
        console.error(`fleet: round ${round + 1}, ${name} build`);
        runs[name].push(await runFleet({ ...settings, dist, timeReplay: true }));
      }
    }
    const summary = (list) => ({
      enrolSamplesPerS: median(list.map((r) => r.enrolSamplesPerSBeforeOutage)),
      replaySeconds: median(list.map((r) => r.replay.seconds)),
      replayedOps: median(list.map((r) => r.replay.queuedOps)),
      violations: list.flatMap((r) => r.violations),
    });
    const reference = summary(runs.reference);
    const current = summary(runs.current);
    result = {
      reference: { dist: other, ...reference },
      current,
      throughputRatio: current.enrolSamplesPerS / reference.enrolSamplesPerS,
      replaySpeedup: reference.replaySeconds / current.replaySeconds,
      runs,
      violations: [...reference.violations, ...current.violations],
    };
  } else {
    result = await runFleet(settings);
  }
  console.log(JSON.stringify(result, null, 2));
  const out = opt('json');
  if (out) writeFileSync(out, JSON.stringify(result, null, 2));
  if (result.violations.length) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { runFleet };
