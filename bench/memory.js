'use strict';
// Memory on the embed hot path, each measurement in a fresh child process (bench/memory-worker.js):
//  - resident set size across 100,000 FaceReid.embed calls (decoded LFW image + landmarks):
//    RSS at 1k/10k/50k/100k; growth from 10k to 100k must stay under 5 %;
//  - heap allocations per call, split by the shared object that called malloc/new: an LD_PRELOAD
//    counter (bench/native/malloc_count.c, compiled here with cc) read before and after N calls.
const { spawnSync } = require('node:child_process');
const { join, basename } = require('node:path');
const { scratch, row, runNodeScript } = require('./lib');

function worker(args, env = {}) {
  const out = runNodeScript('memory-worker.js', args, { nodeArgs: ['--expose-gc'], env });
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

/** Groups a shared object path into the parts of our stack. */
function owner(path) {
  const name = basename(path);
  if (name.startsWith('ov_face_reid')) return 'addon (ov_face_reid.node)';
  if (/openvino|tbb/.test(name)) return `OpenVINO (${name.replace(/\.so.*$/, '')})`;
  if (name === 'node') return 'node / V8 / libuv';
  return name.replace(/\.so.*$/, '');
}

/** Per-call allocations of `calls` embeds after `warm`: grouped by object, and the addon's own sites. */
function allocations(warm, calls) {
  const dir = scratch();
  const lib = join(dir, 'malloc_count.so');
  const cc = spawnSync('cc', ['-O2', '-shared', '-fPIC', '-o', lib, join(__dirname, 'native', 'malloc_count.c'), '-ldl'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc malloc_count.c failed: ${cc.stderr}`);
  const [{ sites, dropped }] = worker(['alloc', String(warm), String(calls)], { LD_PRELOAD: lib, MALLOC_COUNT_FILE: join(dir, 'counts.bin') });
  const per = {};
  const addonSites = [];
  for (const s of sites) {
    const key = owner(s.object);
    const e = (per[key] ??= { calls: 0, bytes: 0, sites: 0 });
    e.calls += s.calls / calls;
    e.bytes += s.bytes / calls;
    e.sites++;
    if (key.startsWith('addon')) addonSites.push({ ...s, perCall: s.calls / calls, where: symbolize(s.object, s.offset) });
  }
  addonSites.sort((a, b) => b.perCall - a.perCall);
  return { per, addonSites, dropped };
}

/** Function name of a file offset in a shared object (addr2line from binutils, when present). */
function symbolize(object, offset) {
  const r = spawnSync('addr2line', ['-f', '-C', '-e', object, offset], { encoding: 'utf8' });
  if (r.status !== 0) return '?';
  const [fn] = r.stdout.split('\n');
  return fn && fn !== '??' ? fn.slice(0, 90) : '?';
}

async function run(options = {}) {
  const log = options.log ?? (() => {});
  const total = options.quick ? 20000 : 100000;
  const checkpoints = [1000, 10000, 20000, total / 2, total].filter((v, i, a) => a.indexOf(v) === i).sort((a, b) => a - b);
  const points = worker(['rss', ...checkpoints.map(String)]);
  for (const p of points) log(`${p.calls} calls: RSS ${p.rssMiB.toFixed(1)} MiB, V8 heap ${p.heapMiB.toFixed(1)} MiB`);
  const at = (n) => points.find((p) => p.calls === n).rssMiB;
  const growth = (at(total) - at(10000)) / at(10000);
  const { per, addonSites } = allocations(2000, 5000);
  for (const [k, v] of Object.entries(per)) log(`per call: ${k}: ${v.calls.toFixed(2)} allocations, ${v.bytes.toFixed(0)} bytes`);
  for (const s of addonSites.slice(0, 12)) log(`  site ${basename(s.object)}+${s.offset} ${s.perCall.toFixed(2)}/call ${(s.bytes / s.calls).toFixed(0)} B: ${s.where}`);
  const rows = [
    row({
      bench: 'memory', name: `RSS growth, 10k -> ${total / 1000}k embeds`, ours: growth * 100, unit: '%', goal: '< 5 %', pass: growth < 0.05,
      note: `RSS MiB at ${points.map((p) => `${p.calls / 1000}k: ${p.rssMiB.toFixed(1)}`).join(', ')}`,
    }),
  ];
  const addonNote = addonSites.map((s) => `${s.perCall.toFixed(2)}x ${(s.bytes / s.calls).toFixed(0)} B in ${s.where}`).join('; ');
  // The addon's own row always appears: its goal is no allocation on the embed hot path.
  const ADDON = 'addon (ov_face_reid.node)';
  per[ADDON] ??= { calls: 0, bytes: 0, sites: 0 };
  for (const [k, v] of Object.entries(per).sort((a, b) => b[1].calls - a[1].calls)) {
    if (v.calls < 0.01 && k !== ADDON) continue;
    const addon = k === ADDON;
    rows.push(row({
      bench: 'memory', name: `allocations per embed: ${k}`, ours: v.calls, unit: 'allocs/call',
      ...(addon ? { goal: 'none on the hot path', pass: v.calls < 0.01 } : {}),
      note: `${v.bytes.toFixed(0)} bytes/call from ${v.sites} call sites (malloc/calloc/realloc/new by calling object; 5,000 calls after 2,000 warm-up)${addon && addonNote ? `: ${addonNote}` : ''}`,
    }));
  }
  return rows;
}

module.exports = { run, title: 'Memory on the embed hot path' };
