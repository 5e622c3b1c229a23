'use strict';
const assert = require('node:assert/strict');
const { Progress, formatBytes, formatDuration } = require('../dist/util/progress');

function fakeStream(isTTY) {
  const writes = [];
  return { isTTY, columns: 100, writes, write: (s) => writes.push(s) };
}

describe('Progress', () => {
  it('on a TTY redraws one line with bar, percent, amounts, rate and ETA', () => {
    let t = 0;
    const stream = fakeStream(true);
    const p = new Progress({ total: 4 * 1024 * 1024, unit: 'bytes', label: 'model', stream, now: () => t });
    t = 1000;
    p.tick(1024 * 1024);
    const line = stream.writes.at(-1);
    assert.ok(line.startsWith('\r\x1b[2K'), JSON.stringify(line));
    assert.match(line, /model \[######-{18}\]  25% 1\.00 MiB\/4\.00 MiB 1\.00 MiB\/s ETA 0:03/);
    p.tick(10); // within the redraw interval: no output
    assert.equal(stream.writes.length, 1);
    t = 2000;
    p.done();
    assert.match(stream.writes.at(-1), /^\r\x1b\[2Kmodel 1\.00 MiB in 0:02\n$/);
    p.done();
    assert.equal(stream.writes.length, 2);
  });

  it('elsewhere prints a plain line every intervalMs, counts items, and works without a total', () => {
    let t = 0;
    const stream = fakeStream(false);
    const p = new Progress({ unit: 'pairs', stream, intervalMs: 5000, now: () => t });
    for (let i = 0; i < 10; i++) {
      t += 1000;
      p.tick();
    }
    assert.deepEqual(stream.writes, ['1 pairs 1.0 pairs/s\n', '6 pairs 1.0 pairs/s\n']);
    p.done();
    assert.equal(stream.writes.at(-1), '10 pairs in 0:10\n');
  });

  it('is silent when quiet', () => {
    const stream = fakeStream(true);
    const p = new Progress({ total: 3, stream, quiet: true });
    p.tick(3);
    p.done();
    assert.deepEqual(stream.writes, []);
  });

  it('formats bytes and durations', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.50 KiB');
    assert.equal(formatBytes(2213628), '2.11 MiB');
    assert.equal(formatDuration(3725), '1:02:05');
    assert.equal(formatDuration(Infinity), '--:--');
  });
});
