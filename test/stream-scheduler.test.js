'use strict';
// The shared pipeline's turns (src/stream/fair-scheduler.ts): round-robin between cameras, oldest
// work first within a camera, never more work at once than the slots.
const assert = require('node:assert/strict');
const { FairScheduler } = require('../dist/stream/fair-scheduler');

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FairScheduler', function () {
  it('gives cameras turns in rotation however much work each has waiting, within the slots', async function () {
    const scheduler = new FairScheduler(1);
    const order = [];
    let running = 0;
    let most = 0;
    const job = (camera, n) =>
      scheduler.run(camera, async () => {
        running++;
        most = Math.max(most, running);
        order.push(`${camera}${n}`);
        await tick();
        running--;
      });
    // "a" reads ahead: three pieces of work waiting at once; "b" and "c" one each, queued later.
    const all = [job('a', 1), job('a', 2), job('a', 3), job('b', 1), job('c', 1), job('b', 2)];
    await Promise.all(all);
    assert.deepEqual(order, ['a1', 'a2', 'b1', 'c1', 'a3', 'b2']);
    assert.equal(most, 1);
  });

  it('runs up to its slots at once and passes a freed slot to a waiter before any newcomer', async function () {
    const scheduler = new FairScheduler(2);
    const order = [];
    let running = 0;
    let most = 0;
    const job = (camera) =>
      scheduler.run(camera, async () => {
        running++;
        most = Math.max(most, running);
        await tick();
        order.push(camera);
        running--;
      });
    const first = [job('a'), job('b'), job('c')];
    await first[0];
    const late = job('d');
    await Promise.all([...first, late]);
    assert.equal(most, 2);
    assert.ok(order.indexOf('c') < order.indexOf('d'), order.join(' '));
    // A failing piece of work gives its slot back too.
    await assert.rejects(scheduler.run('a', async () => { throw new Error('boom'); }), /boom/);
    await Promise.all([job('x'), job('y')]);
    assert.equal(running, 0);
  });
});
