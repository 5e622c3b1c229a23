#!/usr/bin/env node
'use strict';
// How frames get from ffmpeg into JavaScript, on a 1920x1080 H.264 file, decode included:
//   ours      openSource: ffmpeg's stdout is a Unix socket read with `onread` straight into the
//             pooled frame buffers (src/stream/decoder-process.ts)
//   stdout    the obvious way: child.stdout 'data' chunks (a fresh Buffer per read) copied into the
//             same kind of pooled buffers
//   ffmpeg    ffmpeg alone, same decode and BGR conversion, output thrown away (-f null): the floor
// Each run alternates the three, several rounds; medians of frames per second, and garbage
// collections per 1000 frames (PerformanceObserver 'gc') for the two readers.
//
//   node bench/stream-source.js [--rounds 3] [--seconds 10]
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { PerformanceObserver } = require('node:perf_hooks');
const { openSource } = require('../dist/stream/source');
const { median, machine } = require('./lib');
const { ffmpegPath } = require('../test/helpers/media');

const W = 1920;
const H = 1080;
const FPS = 30;

function parseArgs(argv) {
  const args = { rounds: 3, seconds: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args)) throw new Error(`unknown option ${argv[i]}`);
    args[key] = Number(argv[i + 1]);
  }
  return args;
}

let gcCount = 0;
new PerformanceObserver((list) => (gcCount += list.getEntries().length)).observe({ entryTypes: ['gc'] });

async function viaSource(file) {
  let frames = 0;
  for await (const frame of openSource(file, { poolSize: 4 })) {
    frames++;
    frame.release();
  }
  return frames;
}

function viaStdout(file) {
  const bytes = W * H * 3;
  const pool = Array.from({ length: 4 }, () => Buffer.allocUnsafe(bytes));
  let current = 0;
  let offset = 0;
  let frames = 0;
  const child = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-fps_mode', 'cfr', '-pix_fmt', 'bgr24', '-f', 'rawvideo', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(chunk.length - at, bytes - offset);
      chunk.copy(pool[current], offset, at, at + n);
      at += n;
      offset += n;
      if (offset === bytes) {
        frames++;
        offset = 0;
        current = (current + 1) % pool.length;
      }
    }
  });
  return new Promise((resolve) => child.on('close', () => resolve(frames)));
}

function viaFfmpegAlone(file) {
  return new Promise((resolve) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-fps_mode', 'cfr', '-pix_fmt', 'bgr24', '-f', 'null', '-'], { stdio: 'ignore' });
    child.on('close', () => resolve(Math.round(FPS * args.seconds)));
  });
}

const args = parseArgs(process.argv.slice(2));

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'face-reid-bench-source-'));
  const file = join(dir, 'clip.mp4');
  // A busy picture (testsrc2 moves everywhere), so decoding costs what a real camera's does.
  const made = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=${FPS}`, '-t', String(args.seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', file]);
  if (made.status !== 0) throw new Error(`making the clip failed: ${made.stderr}`);
  const ways = { ours: viaSource, stdout: viaStdout, ffmpeg: viaFfmpegAlone };
  const fps = { ours: [], stdout: [], ffmpeg: [] };
  const gcs = { ours: [], stdout: [] };
  for (let round = 0; round < args.rounds; round++) {
    for (const [name, run] of Object.entries(ways)) {
      gcCount = 0;
      const start = performance.now();
      const frames = await run(file);
      const seconds = (performance.now() - start) / 1000;
      await new Promise((r) => setImmediate(r)); // let the gc observer deliver
      fps[name].push(frames / seconds);
      if (name in gcs) gcs[name].push((gcCount * 1000) / frames);
      if (frames !== FPS * args.seconds) throw new Error(`${name} read ${frames} frames of ${FPS * args.seconds}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const m = (list) => median(list);
  const report = {
    machine: machine(),
    clip: `${W}x${H} H.264, ${FPS * args.seconds} frames, ${args.rounds} rounds`,
    fps: { ours: m(fps.ours), stdout: m(fps.stdout), ffmpegAlone: m(fps.ffmpeg) },
    gcPer1000Frames: { ours: m(gcs.ours), stdout: m(gcs.stdout) },
    ratios: { oursOverStdout: m(fps.ours) / m(fps.stdout), oursOverFfmpegAlone: m(fps.ours) / m(fps.ffmpeg) },
  };
  console.log(JSON.stringify(report, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
