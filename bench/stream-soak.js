'use strict';
// Camera streams (issue 15, "Ten minutes"): continuous processing of a looped generated video
// (1920x1080 30 fps H.264, read as fast as the pipeline goes), with this process's RSS sampled
// every 10 s. Passes when the RSS is flat after warm-up (less than 5% growth from minute 2 to the
// end) and, once the stream is closed, no ffmpeg child of this process is left and the open file
// descriptors are the ones there were before the stream started.
//
// Alone (ten minutes; run it in the background):
//   FACE_REID_MODELS=../shared/models FACE_REID_DATA=../shared/data nohup node bench/stream-soak.js [minutes=10] [out.json] > soak.log 2>&1 &
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { FacePipeline } = require('../dist/pipeline');
const { DEFAULT_MATCH_THRESHOLD } = require('../dist/gallery');
const { openSource } = require('../dist/stream/source');
const { modelsDir } = require('../test/helpers/env');
const { childProcesses, openFds } = require('../test/helpers/media');
const { benchVideo, galleryEntries, enrolGallery } = require('./stream-speed');
const { scratch } = require('./lib');

const SAMPLE_EVERY_MS = 10_000;
const WARM_UP_MINUTES = 2;
const MAX_GROWTH = 0.05;

/** What is open now and not before (a multiset difference of /proc/self/fd targets). */
function newFds(before, after) {
  const left = new Map();
  for (const fd of before) left.set(fd, (left.get(fd) ?? 0) + 1);
  const added = [];
  for (const fd of after) {
    const n = left.get(fd) ?? 0;
    if (n > 0) left.set(fd, n - 1);
    else added.push(fd);
  }
  return added;
}

/** ffmpeg children of this process still there (a zombie counts: nobody waited for it). */
const ffmpegChildren = () => childProcesses().filter((c) => c.command.startsWith('ffmpeg'));

async function soak({ minutes = 10, log = console.log } = {}) {
  const work = scratch();
  const made = await benchVideo(10, join(work, 'video'));
  const entries = galleryEntries(made.enrolment);
  const pipeline = await FacePipeline.create({ modelDir: modelsDir() });
  const gallery = await enrolGallery(pipeline, entries);
  await pipeline.prepare({ frameSize: { width: made.truth.width, height: made.truth.height }, faces: 8 });

  const fdsBefore = openFds();
  const childrenBefore = ffmpegChildren();
  const samples = [];
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  let frames = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({ t: Math.round(elapsed()), frames, rssMiB: m.rss / 2 ** 20, heapUsedMiB: m.heapUsed / 2 ** 20, externalMiB: m.external / 2 ** 20 });
    const s = samples[samples.length - 1];
    log(`t=${s.t}s frames=${frames} rss=${s.rssMiB.toFixed(1)} MiB heap=${s.heapUsedMiB.toFixed(1)} MiB external=${s.externalMiB.toFixed(1)} MiB`);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);

  const source = openSource(made.video, { loop: true });
  try {
    for await (const frame of source) {
      const faces = await pipeline.analyzeRaw(frame);
      gallery.matchFrame(faces.map((f) => f.embedding), { threshold: DEFAULT_MATCH_THRESHOLD });
      frame.release();
      frames++;
      if (elapsed() >= minutes * 60) break;
    }
  } finally {
    clearInterval(timer);
    await source.close();
  }
  sample();
  const seconds = elapsed();
  const childrenAfter = ffmpegChildren();
  const fdsAfter = openFds();
  gallery.close();
  await pipeline.close();

  // A run shorter than the warm-up (a trial) measures from its first sample.
  const afterWarmUp = samples.filter((s) => s.t >= WARM_UP_MINUTES * 60);
  const warm = afterWarmUp.length ? afterWarmUp : samples;
  const base = warm[0];
  const last = samples[samples.length - 1];
  const peak = Math.max(...warm.map((s) => s.rssMiB));
  const result = {
    minutes,
    seconds,
    frames,
    fps: frames / seconds,
    restarts: source.stats.restarts,
    rss: {
      atWarmUpMiB: base.rssMiB,
      lastMiB: last.rssMiB,
      peakAfterWarmUpMiB: peak,
      growth: (last.rssMiB - base.rssMiB) / base.rssMiB,
      peakGrowth: (peak - base.rssMiB) / base.rssMiB,
    },
    leakedChildren: childrenAfter.filter((c) => !childrenBefore.some((b) => b.pid === c.pid)),
    leakedFds: newFds(fdsBefore, fdsAfter),
    fdCount: { before: fdsBefore.length, after: fdsAfter.length },
    samples,
  };
  result.pass = {
    rssFlat: result.rss.growth < MAX_GROWTH,
    noChildren: result.leakedChildren.length === 0,
    noFds: result.leakedFds.length === 0,
  };
  return result;
}

if (require.main === module) {
  const minutes = Number(process.argv[2] ?? 10);
  const out = process.argv[3];
  soak({ minutes })
    .then((r) => {
      if (out) writeFileSync(out, `${JSON.stringify(r, null, 1)}\n`);
      const pct = (x) => `${(100 * x).toFixed(2)}%`;
      console.log(`\n${r.frames} frames in ${r.seconds.toFixed(0)} s (${r.fps.toFixed(1)} frames/s), ${r.restarts} decoder restarts`);
      console.log(`RSS at minute ${WARM_UP_MINUTES} ${r.rss.atWarmUpMiB.toFixed(1)} MiB, at the end ${r.rss.lastMiB.toFixed(1)} MiB: growth ${pct(r.rss.growth)} (peak ${pct(r.rss.peakGrowth)}), goal < ${pct(MAX_GROWTH)}: ${r.pass.rssFlat ? 'met' : 'MISSED'}`);
      console.log(`after close(): ${r.leakedChildren.length} ffmpeg children left, ${r.leakedFds.length} new file descriptors (${r.fdCount.before} before, ${r.fdCount.after} after)${r.leakedFds.length ? `: ${r.leakedFds.join(', ')}` : ''}`);
      if (!Object.values(r.pass).every(Boolean)) process.exitCode = 1;
    })
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}

module.exports = { soak, newFds };
