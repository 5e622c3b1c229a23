'use strict';
// Child process of bench/memory.js (a fresh process so nothing else lives in its heap):
//   rss <checkpoints...>   embed calls until each checkpoint, printing {"calls","rssMiB","heapMiB"} per checkpoint
//   alloc <warm> <calls>   warm-up, then reads the malloc_count.so table before and after <calls>
//                          embeds and prints the allocations per call site in between (the
//                          preload is set by the parent)
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { FaceReid, decodeImage } = require('../dist');
const { readLandmarks } = require('../dist/eval/lfw-data');
const { modelsDir, dataDir } = require('../test/helpers/env');

const SLOTS = 65536;
const HEADER = 24;
const ENTRY = 24;

/** The mapped counter table: call site address (hex) -> {calls, bytes}. */
function snapshot() {
  const b = readFileSync(process.env.MALLOC_COUNT_FILE);
  const out = new Map();
  for (let i = 0; i < SLOTS; i++) {
    const o = HEADER + i * ENTRY;
    const site = b.readBigUInt64LE(o);
    if (site !== 0n) out.set(site, { calls: Number(b.readBigUInt64LE(o + 8)), bytes: Number(b.readBigUInt64LE(o + 16)) });
  }
  return { sites: out, dropped: Number(b.readBigUInt64LE(0)) };
}

/** Executable mappings of this process: [start, end, file offset, path]. */
function mappings() {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 6 && f[1].includes('x'))
    .map((f) => {
      const [lo, hi] = f[0].split('-').map((h) => BigInt(`0x${h}`));
      return { lo, hi, offset: BigInt(`0x${f[2]}`), path: f.slice(5).join(' ') };
    });
}

/** Calls and bytes between two snapshots per call site, with the object and its file offset. */
function difference(before, after) {
  const maps = mappings();
  const out = [];
  for (const [site, v] of after.sites) {
    const b = before.sites.get(site) ?? { calls: 0, bytes: 0 };
    if (v.calls === b.calls) continue;
    const m = maps.find((x) => site >= x.lo && site < x.hi);
    out.push({
      object: m ? m.path : '?',
      offset: m ? `0x${(site - m.lo + m.offset).toString(16)}` : `0x${site.toString(16)}`,
      calls: v.calls - b.calls,
      bytes: v.bytes - b.bytes,
    });
  }
  return out;
}

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  const rel = 'Aaron_Sorkin/Aaron_Sorkin_0001.jpg';
  const landmarks = readLandmarks(join(dataDir(), 'lfw', 'landmarks-deepfunneled.txt')).get(rel);
  const raw = await decodeImage(join(dataDir(), 'lfw', 'deepfunneled250', rel));
  const reid = await FaceReid.create({ modelDir: modelsDir() });
  let calls = 0;
  const embedUntil = async (n) => {
    while (calls < n) {
      await reid.embed(raw, landmarks);
      calls++;
    }
  };
  if (mode === 'rss') {
    for (const checkpoint of rest.map(Number)) {
      await embedUntil(checkpoint);
      const m = process.memoryUsage();
      console.log(JSON.stringify({ calls, rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20, externalMiB: m.external / 2 ** 20 }));
    }
  } else if (mode === 'alloc') {
    const [warm, n] = rest.map(Number);
    await embedUntil(warm);
    const before = snapshot();
    const start = process.hrtime.bigint();
    await embedUntil(warm + n);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const after = snapshot();
    console.log(JSON.stringify({ calls: n, seconds, dropped: after.dropped, sites: difference(before, after) }));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  reid.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
