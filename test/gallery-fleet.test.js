'use strict';
// The fleet benchmark's invariants, in short (bench/gallery-fleet.js runs the full 4 nodes,
// 60 s, 20 s outage): two node processes on one PostgreSQL enrol their own and shared people,
// remove some and identify all the time, with the server stopped for 3 s in the middle.
const assert = require('node:assert/strict');
const { runFleet } = require('../bench/gallery-fleet');

describe('a fleet of node processes on one PostgreSQL (short run of bench/gallery-fleet.js)', function () {
  this.timeout(300000);

  it('loses nothing, duplicates nothing, applies every removal everywhere, and identifies through an outage', async function () {
    const r = await runFleet({ nodes: 2, durationMs: 10000, outageMs: 3000 });
    assert.deepEqual(r.violations, []);
    assert.ok(r.sharedEnrolments > 2, `${r.sharedEnrolments} shared enrolments`);
    assert.ok(r.removals > 0, `${r.removals} removals`);
    assert.ok(r.queuedDuringOutage > 0, 'enrolments were made during the outage');
    for (const a of r.answers) assert.ok(a.duringOutage > 0, `node ${a.node} answered ${a.duringOutage} times during the outage`);
    assert.ok(r.propagation.count > 0);
    // A node sees another node's enrolment within a second (the functional promise, not a speed figure).
    assert.ok(r.propagation.maxMs <= 1000, `slowest propagation ${r.propagation.maxMs} ms`);
    for (const m of r.matrixStats) assert.equal(m.fullLoads, 1, 'every node caught up after the outage without reloading');
  });
});
