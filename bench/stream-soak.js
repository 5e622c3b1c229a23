'use strict';
// Camera streams (issue 15, "Ten minutes"): a FaceStream (tracking, gallery, events) over a looped
// generated video (1920x1080 30 fps H.264, read as fast as it goes), with this process's RSS sampled
// every 10 s. Passes when the RSS is flat after warm-up (less than 5% growth from minute 2 to the
// end) and, once the stream is closed, no ffmpeg child of this process is left and the open file
// descriptors are the ones there were before the stream started.
//
// Alone (ten minutes; run it in the background):
//   FACE_REID_MODELS=../shared/models FACE_REID_DATA=../shared/data nohup node bench/stream-soak.js [minutes=10] [out.json] [--docs] > soak.log 2>&1 &
// --docs writes its section into docs/benchmarks.md (through docs/benchmarks.json).
const { writeFileSync } = require('node:fs');
const { once } = require('node:events');
const { FacePipeline, FaceStream } = require('../dist');
const { modelsDir } = require('../test/helpers/env');
const { childProcesses, openFds } = require('../test/helpers/media');
const { benchVideo, galleryEntries, enrolGallery } = require('./stream-speed');
const { row, saveSection } = require('./lib');

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
  const made = await benchVideo(10);
  const entries = galleryEntries(made.enrolment);
  const pipeline = await FacePipeline.create({ modelDir: modelsDir() });
  const gallery = await enrolGallery(pipeline, entries);
  await pipeline.prepare({ frameSize: { width: made.truth.width, height: made.truth.height }, faces: 8 });

  // One short stream first: what a process opens once and keeps (Node's /dev/null for the first
  // child spawned with an ignored stdin, thread-pool descriptors) is then in the "before" count,
  // and what remains after the long stream is what a stream leaves behind.
  const first = FaceStream.open(pipeline, { warmup: made.video }, { gallery });
  await once(first, 'frame');
  await first.close();

  const fdsBefore = openFds();
  const childrenBefore = ffmpegChildren();
  const samples = [];
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  let frames = 0;
  let events = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({ t: Math.round(elapsed()), frames, events, rssMiB: m.rss / 2 ** 20, heapUsedMiB: m.heapUsed / 2 ** 20, externalMiB: m.external / 2 ** 20 });
    const s = samples[samples.length - 1];
    log(`t=${s.t}s frames=${frames} events=${events} rss=${s.rssMiB.toFixed(1)} MiB heap=${s.heapUsedMiB.toFixed(1)} MiB external=${s.externalMiB.toFixed(1)} MiB`);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);

  const stream = FaceStream.open(pipeline, { door: made.video }, { gallery, source: { loop: true } });
  stream.on('frame', () => frames++);
  stream.on('event', () => events++);
  const errors = [];
  stream.on('error', ({ error }) => errors.push(error.message));
  await new Promise((resolve) => setTimeout(resolve, minutes * 60_000));
  clearInterval(timer);
  const stats = stream.stats;
  await stream.close();
  sample();
  const seconds = elapsed();
  const childrenAfter = ffmpegChildren();
  const fdsAfter = openFds();
  await gallery.close();
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
    restarts: stats.cameras.door.source.restarts,
    embeds: stats.embeds,
    events,
    errors,
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

/** The docs/benchmarks.md rows of one soak. */
function rows(r) {
  const note = `${r.frames} frames in ${(r.seconds / 60).toFixed(1)} min (${r.fps.toFixed(1)} frames/s), ${r.events} events, ${r.embeds.embedded} reid inferences for ${r.embeds.considered} faces`;
  return [
    row({ bench: 'stream-soak', name: `RSS growth from minute ${WARM_UP_MINUTES} to minute ${r.minutes}`, ours: 100 * r.rss.growth, unit: '%', goal: `< ${100 * MAX_GROWTH}%`, pass: r.pass.rssFlat, note: `${r.rss.atWarmUpMiB.toFixed(1)} -> ${r.rss.lastMiB.toFixed(1)} MiB (peak ${r.rss.peakAfterWarmUpMiB.toFixed(1)}), sampled every ${SAMPLE_EVERY_MS / 1000} s; ${note}` }),
    row({ bench: 'stream-soak', name: 'ffmpeg child processes left after close()', ours: r.leakedChildren.length, unit: 'processes', goal: '0', pass: r.pass.noChildren, note: 'children of this process, from /proc' }),
    row({ bench: 'stream-soak', name: 'file descriptors left after close()', ours: r.leakedFds.length, unit: 'descriptors', goal: '0', pass: r.pass.noFds, note: `/proc/self/fd: ${r.fdCount.before} before the stream, ${r.fdCount.after} after` }),
  ];
}

const TITLE = 'Camera streams: ten minutes of a looped 1920x1080 video through FaceStream (memory, processes, descriptors)';

if (require.main === module) {
  // --docs: the section written into docs/benchmarks.md (through docs/benchmarks.json).
  const docs = process.argv.includes('--docs');
  const [minutes = 10, out] = process.argv.slice(2).filter((a) => a !== '--docs');
  soak({ minutes: Number(minutes) })
    .then((r) => {
      if (out) writeFileSync(out, `${JSON.stringify(r, null, 1)}\n`);
      const pct = (x) => `${(100 * x).toFixed(2)}%`;
      console.log(`\n${r.frames} frames in ${r.seconds.toFixed(0)} s (${r.fps.toFixed(1)} frames/s), ${r.events} events, ${r.restarts} decoder restarts, ${r.errors.length} errors`);
      console.log(`RSS at minute ${WARM_UP_MINUTES} ${r.rss.atWarmUpMiB.toFixed(1)} MiB, at the end ${r.rss.lastMiB.toFixed(1)} MiB: growth ${pct(r.rss.growth)} (peak ${pct(r.rss.peakGrowth)}), goal < ${pct(MAX_GROWTH)}: ${r.pass.rssFlat ? 'met' : 'MISSED'}`);
      console.log(`after close(): ${r.leakedChildren.length} ffmpeg children left, ${r.leakedFds.length} new file descriptors (${r.fdCount.before} before, ${r.fdCount.after} after)${r.leakedFds.length ? `: ${r.leakedFds.join(', ')}` : ''}`);
      if (docs) saveSection({ name: 'stream-soak', title: TITLE, rows: rows(r), seconds: r.seconds });
      if (!Object.values(r.pass).every(Boolean)) process.exitCode = 1;
    })
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}

module.exports = { soak, newFds, rows, title: TITLE };
