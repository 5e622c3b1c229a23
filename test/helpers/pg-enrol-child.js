'use strict';
// A node process for the kill -9 test (test/gallery-postgres.test.js): `enrol` adds identities of
// 8 samples each, one batch per identity, and prints `stored <label>` or `queued <label>` per
// acknowledged batch, until it is killed; `replay` opens the same outbox (replaying what the
// killed process left), waits until it is empty and prints `outbox <depth>`.
const { Gallery } = require('../../dist');
const { randomUnit } = require('./vectors');
const { rng } = require('./random');

const [url, outbox, mode] = process.argv.slice(2);

async function main() {
  const gallery = await Gallery.open(url, { outbox, connectTimeoutMs: 1000 });
  if (mode === 'replay') {
    const deadline = Date.now() + 20000;
    while ((gallery.status.state !== 'connected' || gallery.status.outbox > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    console.log(`outbox ${gallery.status.outbox}`);
    await gallery.close();
    return;
  }
  const rand = rng(process.pid);
  for (let i = 0; ; i++) {
    const label = `person-${process.pid}-${i}`;
    const items = Array.from({ length: 8 }, (_, j) => ({ label, embedding: randomUnit(rand), meta: { source: `${label}/${j}.jpg` } }));
    const result = await gallery.addMany(items);
    console.log(`${result.queued ? 'queued' : 'stored'} ${label}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
