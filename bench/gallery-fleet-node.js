'use strict';
// One node of the fleet benchmark (bench/gallery-fleet.js), a process of its own driven over IPC.
// It enrols its own people and the shared ones, removes some of its own, identifies all the
// time, and watches for the other nodes' enrolments to measure how fast they arrive.
const { personVectors } = require('./gallery-fleet-vectors');

// dist: which build of the library (bench/gallery-fleet.js --compare runs an older one too).
const [url, outbox, nodeIndex, samplesPerPerson, sharedEvery, queuedIntervalMs, dist = '../dist'] = process.argv.slice(2);
const { Gallery } = require(dist);
const node = Number(nodeIndex);
const perPerson = Number(samplesPerPerson);

let gallery;
let ticker;
let running = true;
let outage = false;
let held = null; // a promise while enrolment waits for the outbox replay to be timed
const answers = { total: 0, duringOutage: 0, offlineStates: 0 };
const watching = new Map(); // label -> { vector, at }
const send = (message) => process.send(message);

function identifyTick() {
  // A few matches per tick: identification never waits for the network, whatever its state.
  for (let i = 0; i < 5; i++) {
    const probe = personVectors(`probe-${(answers.total + i) % 50}`, 1)[0];
    gallery.match(probe, { threshold: 0.5 });
    answers.total++;
    if (outage) answers.duringOutage++;
  }
  if (gallery.status.state === 'offline') answers.offlineStates++;
  const now = Date.now();
  for (const [label, w] of watching) {
    if (gallery.match(w.vector, { threshold: 0.999 })[0]?.label === label) {
      watching.delete(label);
      send({ type: 'seen', label, delayMs: now - w.at, outage: w.outage });
    }
  }
}

async function enrolLoop() {
  for (let k = 0; running; k++) {
    if (held) await held;
    const shared = k % Number(sharedEvery) === 0;
    const label = shared ? `shared-${k / Number(sharedEvery)}` : `n${node}-p${k}`;
    const vectors = personVectors(label, perPerson);
    const items = vectors.map((embedding, j) => ({ label, embedding, meta: { source: `${label}/${j}.jpg` } }));
    const wasOutage = outage;
    const result = await gallery.addMany(items);
    // Online, a node enrols as fast as the database takes it (the throughput figure). Queued
    // writes resolve at once: those are paced like cameras meeting people, so the outbox holds
    // an outage's worth of enrolments rather than as many as a loop can make.
    if (result.queued > 0) await new Promise((resolve) => setTimeout(resolve, Number(queuedIntervalMs)));
    send({ type: 'enrolled', label, shared, at: Date.now(), result, outage: wasOutage });
    // Remove one of its own people every few enrolments (the owner is the only writer of that label).
    if (!shared && k % 4 === 3 && (k - 2) % Number(sharedEvery) !== 0) {
      const victim = `n${node}-p${k - 2}`;
      const outcome = await gallery.remove(victim);
      send({ type: 'removed', label: victim, outcome });
    }
  }
}

/** With enrolment held: until the outage's queue is in the database, then enrolment goes on. */
async function timeReplay() {
  const depth = gallery.status.outbox;
  while (gallery.status.state !== 'connected' || gallery.status.outbox > 0) await new Promise((r) => setTimeout(r, 10));
  send({ type: 'replayed', at: Date.now(), depth });
  held = null;
}

async function finish(labels) {
  // Until its outbox is empty and it follows live: then the matrix must equal the database.
  const deadline = Date.now() + 60000;
  while ((gallery.status.state !== 'connected' || gallery.status.outbox > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await gallery.synced();
  const present = {};
  for (const label of labels) {
    present[label] = personVectors(label, perPerson).map((v) => gallery.match(v, { threshold: 0.999 })[0]?.label === label);
  }
  clearInterval(ticker);
  send({ type: 'final', status: gallery.status, answers, present, matrix: gallery.matrixStats });
  await gallery.close();
  process.exit(0);
}

process.on('message', (message) => {
  if (message.type === 'watch') watching.set(message.label, { vector: personVectors(message.label, 1)[0], at: message.at, outage: message.outage });
  else if (message.type === 'outage') {
    outage = message.on;
    if (!message.on && message.hold) held = timeReplay();
  }
  else if (message.type === 'stop') running = false;
  else if (message.type === 'finish') void finish(message.labels).catch((err) => send({ type: 'error', message: err.stack }));
});

(async () => {
  gallery = await Gallery.open(url, { outbox, connectTimeoutMs: 2000 });
  ticker = setInterval(identifyTick, 5);
  send({ type: 'ready' });
  await new Promise((resolve) => process.once('message', resolve)); // 'go'
  await enrolLoop();
  send({ type: 'stopped' });
})().catch((err) => {
  send({ type: 'error', message: err.stack });
  process.exit(1);
});
