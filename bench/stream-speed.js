'use strict';
// Camera streams (issue 15, "Speed"): frames per second on a generated 1920x1080 30 fps H.264 file
// with about 4 faces on screen, decode included, ours against the Open Model Zoo demo's logic in
// Python (test/oracle/omz_video.py: cv2.VideoCapture + the three models on every frame + gallery
// matching per frame) on the same file, alternating rounds, ratio = median of per-round ratios.
// Ours: the ffmpeg file source (src/stream/source.ts) read as fast as the consumer goes, then
// FacePipeline.analyzeRaw + Gallery.matchFrame on every frame (per-frame identification, no
// tracking: the like-for-like baseline).
// Then where the time per frame goes (decode, detector, landmarks, reid, matching, JS), and how
// many such streams run at once in real time (30 fps each, `realtime: true`, no frame dropped).
//
// Alone: FACE_REID_MODELS=../shared/models FACE_REID_DATA=../shared/data node bench/stream-speed.js [rounds=5] [seconds=20]
const { join } = require('node:path');
const { readFileSync, writeFileSync } = require('node:fs');
const { FacePipeline, FaceDetector, LandmarksRegressor } = require('../dist/pipeline');
const { Gallery, DEFAULT_MATCH_THRESHOLD } = require('../dist/gallery');
const { decodeImage } = require('../dist/image');
const { openSource } = require('../dist/stream/source');
const { modelsDir } = require('../test/helpers/env');
const { makeVideo } = require('../test/helpers/make-video');
const { median, row, pairedRatio, PythonOracle, scratch, runNodeScript } = require('./lib');

/** The camera the streams-at-once figure is about: 30 fps, each stream must keep up with it. */
const CAMERA_FPS = 30;
const GOALS = { speed: 3, streams: 3 };

/**
 * The benchmark video: 1920x1080 at 30 fps, people entering, crossing and leaving, about 4 faces
 * on screen at a time (the generator's people count and appearance lengths set the density).
 */
async function benchVideo(seconds, outDir) {
  const made = await makeVideo({ seconds, fps: CAMERA_FPS, people: Math.max(6, Math.round(seconds * 0.65)), appearanceSeconds: [4, 8], seed: 42, outDir });
  const onScreen = made.truth.frames.map((faces) => faces.filter((f) => f.visible > 0.5).length);
  return { ...made, facesOnScreen: onScreen.reduce((a, b) => a + b, 0) / onScreen.length };
}

/** Gallery entries for both sides: every enrolment picture with its person's name. */
function galleryEntries(enrolment) {
  return enrolment.flatMap(({ name, files }) => files.map((path) => ({ label: name, path })));
}

/** Our gallery, in memory, from the same pictures (the face nearest each picture's centre). */
async function enrolGallery(pipeline, entries) {
  const gallery = Gallery.open(':memory:');
  for (const { label, path } of entries) {
    const raw = await decodeImage(path);
    const subject = FacePipeline.nearestToCentre(await pipeline.analyzeRaw(raw), raw.width, raw.height);
    if (subject) gallery.add(label, subject.embedding, { source: path });
  }
  return gallery;
}

/** CPU milliseconds of this process's children that have ended (ffmpeg decoders), from /proc. */
function childCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of /proc/<pid>/stat (cutime, cstime), in clock ticks of USER_HZ = 100.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

const now = () => performance.now();

/**
 * Per-frame identification of one file: every frame through the pipeline and the gallery. With
 * `realtime` the source delivers at the file's rate and drops what the consumer misses.
 */
async function perFrame({ pipeline, gallery, video, threshold, realtime = false }) {
  const source = openSource(video, { realtime });
  const stages = { wait: 0, analyze: 0, match: 0 };
  let frames = 0;
  let faces = 0;
  const start = now();
  let mark = start;
  for await (const frame of source) {
    const got = now();
    stages.wait += got - mark;
    const found = await pipeline.analyzeRaw(frame);
    const analysed = now();
    stages.analyze += analysed - got;
    gallery.matchFrame(found.map((f) => f.embedding), { threshold });
    frame.release();
    mark = now();
    stages.match += mark - analysed;
    frames++;
    faces += found.length;
  }
  const seconds = (now() - start) / 1000;
  await source.close();
  const { framesDropped, framesDecoded } = source.stats;
  return { frames, decoded: framesDecoded, dropped: framesDropped, faces, seconds, fps: frames / seconds, stagesMs: perFrameMs(stages, frames) };
}

function perFrameMs(stages, frames) {
  return Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, v / frames]));
}

/** One timed round of ours: fps, this process's CPU and the decoder's CPU per frame. */
async function timedRound(run) {
  const cpu0 = process.cpuUsage();
  const child0 = childCpuMs();
  const result = await run();
  const cpu = process.cpuUsage(cpu0);
  return { ...result, cpuMsPerFrame: (cpu.user + cpu.system) / 1000 / result.frames, decoderCpuMsPerFrame: (childCpuMs() - child0) / result.frames };
}

/**
 * Where our per-frame time goes, stage by stage on the same frames: the detector, the landmark
 * model (one batch per frame) and the re-identification of the frame's faces (analyzeRaw minus the
 * two, measured straight after on the same frame), each awaited alone.
 */
async function stageProfile({ pipeline, video, modelDir, maxFrames }) {
  const detector = await FaceDetector.create({ modelDir });
  const landmarks = await LandmarksRegressor.create({ modelDir });
  const source = openSource(video);
  const t = { detector: [], landmarks: [], whole: [] };
  let frames = 0;
  try {
    for await (const frame of source) {
      let s = now();
      const found = await detector.detect(frame);
      t.detector.push(now() - s);
      s = now();
      if (found.length) await landmarks.locate(frame, found.map((d) => d.box));
      t.landmarks.push(now() - s);
      s = now();
      await pipeline.analyzeRaw(frame);
      t.whole.push(now() - s);
      frame.release();
      if (++frames >= maxFrames) break;
    }
  } finally {
    await source.close();
    await Promise.all([detector.close(), landmarks.close()]);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const detectorMs = mean(t.detector);
  const landmarksMs = mean(t.landmarks);
  return { frames, detectorMs, landmarksMs, reidMs: Math.max(0, mean(t.whole) - detectorMs - landmarksMs), analyzeMs: mean(t.whole) };
}

/**
 * The most streams of the file that run at once in real time: n sources at the camera's rate,
 * all through one shared pipeline and gallery, for n = 1, 2, ... until one of them drops a frame.
 */
async function streamsAtOnce({ maxStreams = 6, log, runOne }) {
  const trials = [];
  let best = 0;
  for (let n = 1; n <= maxStreams; n++) {
    const results = await Promise.all(Array.from({ length: n }, () => runOne()));
    const dropped = results.reduce((a, r) => a + r.dropped, 0);
    const decoded = results.reduce((a, r) => a + r.decoded, 0);
    trials.push({ streams: n, dropped, decoded });
    log(`  ${n} stream(s) in real time: ${dropped} of ${decoded} frames dropped`);
    if (dropped > 0) break;
    best = n;
  }
  return { best, trials };
}

async function measure({ rounds = 5, seconds = 20, log = console.log, maxStreams = 6 } = {}) {
  const work = scratch();
  const modelDir = modelsDir();
  const made = await benchVideo(seconds, join(work, 'video'));
  const { video, truth } = made;
  log(`video ${truth.width}x${truth.height} ${truth.fps} fps, ${truth.frameCount} frames, ${made.facesOnScreen.toFixed(2)} faces on screen on average`);
  const entries = galleryEntries(made.enrolment);
  const threshold = DEFAULT_MATCH_THRESHOLD;
  const python = new PythonOracle('omz_video.py');
  let pipeline;
  let gallery;
  try {
    const pythonSetup = python.call({ cmd: 'setup', modelDir, gallery: entries, threshold });
    pipeline = await FacePipeline.create({ modelDir });
    gallery = await enrolGallery(pipeline, entries);
    await pipeline.prepare({ frameSize: { width: truth.width, height: truth.height }, faces: 8 });
    const pySetup = await pythonSetup;
    log(`gallery: ours ${gallery.list().length} identities, Python ${pySetup.identities} (${pySetup.samples} samples)`);
    const job = { pipeline, gallery, video, threshold };
    await perFrame(job); // warm-up: first-frame allocations, page cache of the file

    const perRound = [];
    for (let round = 0; round < rounds; round++) {
      const ours = await timedRound(() => perFrame(job));
      const py = await python.call({ cmd: 'run', video });
      perRound.push({ ours, python: py });
      log(`round ${round + 1}/${rounds}: per-frame ours ${ours.fps.toFixed(1)} vs Python ${py.fps.toFixed(1)} frames/s (${ours.frames} / ${py.frames} frames, ${(ours.faces / ours.frames).toFixed(2)} / ${(py.faces / py.frames).toFixed(2)} faces a frame)`);
    }
    const profile = await stageProfile({ pipeline, video, modelDir, maxFrames: Math.min(300, truth.frameCount) });
    log(`stages (ours, each awaited alone, ${profile.frames} frames): detector ${profile.detectorMs.toFixed(2)} ms, landmarks ${profile.landmarksMs.toFixed(2)} ms, reid ${profile.reidMs.toFixed(2)} ms`);
    const realtime = await streamsAtOnce({ maxStreams, log, runOne: () => perFrame({ ...job, realtime: true }) });
    return { made, perRound, profile, realtime, rounds };
  } finally {
    gallery?.close();
    await pipeline?.close();
    await python.close();
  }
}

/** Medians over rounds of one side's figures. */
function summarise(perRound, side) {
  const pick = (f) => median(perRound.map((r) => f(r[side])));
  return {
    fps: pick((r) => r.fps),
    cpuMsPerFrame: pick((r) => r.cpuMsPerFrame),
    stages: Object.fromEntries(Object.keys(perRound[0][side].stagesMs).map((k) => [k, pick((r) => r.stagesMs[k])])),
    decoderCpuMsPerFrame: side === 'ours' ? pick((r) => r.decoderCpuMsPerFrame) : undefined,
  };
}

function report(r) {
  const ours = summarise(r.perRound, 'ours');
  const py = summarise(r.perRound, 'python');
  const speed = pairedRatio(r.perRound.map((x) => x.ours.fps), r.perRound.map((x) => x.python.fps), 'higher');
  return { ours, python: py, speed };
}

/** `npm run bench` rows: the frame rates and their ratio, the time per frame by stage, streams at once. */
async function run(options = {}) {
  const r = await measure({ rounds: options.quick ? 3 : 5, seconds: options.quick ? 10 : 20, log: options.log });
  const { ours, python, speed } = report(r);
  const { truth, facesOnScreen } = r.made;
  const video = `${truth.width}x${truth.height} ${truth.fps} fps H.264, ${truth.frameCount} frames, ${facesOnScreen.toFixed(1)} faces on screen`;
  const referenceName = 'Python OMZ demo logic (cv2.VideoCapture + OpenVINO)';
  const stage = (name, oursMs, pythonMs, note) => row({ bench: 'stream-speed', name: `ms per frame: ${name}`, ours: oursMs, reference: pythonMs, referenceName, unit: 'ms/frame', note });
  const p = r.profile;
  return [
    row({ bench: 'stream-speed', name: 'video file, per-frame identification (no tracking), decode included', ours: ours.fps, reference: python.fps, referenceName, unit: 'frames/s', better: 'higher', ratio: speed, note: `${video}; median of ${r.rounds} alternating rounds, ratio = median of per-round ratios` }),
    stage('decode', ours.decoderCpuMsPerFrame, python.stages.decode, 'ours: CPU of the ffmpeg child (decodes ahead, in parallel); Python: wall time of cv2 read()'),
    stage('detector', p.detectorMs, python.stages.detector, 'ours: FaceDetector.detect alone on the same frames'),
    stage('landmarks', p.landmarksMs, python.stages.landmarks, 'ours: one batch per frame; Python: one inference per face'),
    stage('reid', p.reidMs, python.stages.reid, 'ours: analyzeRaw minus detector and landmarks; Python: warp + inference per face'),
    stage('matching', ours.stages.match, python.stages.match, 'Gallery.matchFrame vs numpy + Hungarian'),
    row({ bench: 'stream-speed', name: 'real-time 30 fps streams at once, per-frame identification', ours: r.realtime.best, unit: 'streams', better: 'higher', note: `no frame dropped, one shared pipeline (${r.realtime.trials.map((t) => `${t.streams}: ${t.dropped} dropped`).join(', ')})` }),
  ];
}

/**
 * Puts one section into docs/benchmarks.json (replacing the one of the same name) and renders
 * docs/benchmarks.md and the chart from it again, as `npm run bench` would have written them.
 */
function saveSection(section) {
  const file = join(__dirname, '..', 'docs', 'benchmarks.json');
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  const at = saved.sections.findIndex((s) => s.name === section.name);
  if (at >= 0) saved.sections[at] = section;
  else saved.sections.push(section);
  writeFileSync(file, `${JSON.stringify(saved, null, 1)}\n`);
  runNodeScript('run.js', ['--render']);
}

function print(r) {
  const { ours, python, speed } = report(r);
  const ms = (o) => Object.entries(o).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
  console.log(`\n${r.made.truth.frameCount} frames, ${r.made.facesOnScreen.toFixed(2)} faces on screen; medians of ${r.rounds} alternating rounds`);
  console.log(`  per-frame identification: ours ${ours.fps.toFixed(1)} frames/s, Python ${python.fps.toFixed(1)} frames/s, ours/Python ${speed.toFixed(2)}x`);
  console.log(`  ours ms per frame (wall): ${ms(ours.stages)}; CPU ${ours.cpuMsPerFrame.toFixed(1)} ms + ffmpeg ${ours.decoderCpuMsPerFrame.toFixed(1)} ms`);
  console.log(`  ours stages alone: detector ${r.profile.detectorMs.toFixed(2)}, landmarks ${r.profile.landmarksMs.toFixed(2)}, reid ${r.profile.reidMs.toFixed(2)} ms`);
  console.log(`  Python ms per frame (wall): ${ms(python.stages)}; CPU ${python.cpuMsPerFrame.toFixed(1)} ms`);
  console.log(`  real-time streams at once: ${r.realtime.best} (${r.realtime.trials.map((t) => `${t.streams}: ${t.dropped} dropped`).join(', ')})`);
}

if (require.main === module) {
  // --docs: also write the section into docs/benchmarks.md (through docs/benchmarks.json).
  const docs = process.argv.includes('--docs');
  const [rounds = 5, seconds = 20] = process.argv.slice(2).filter((a) => a !== '--docs').map(Number);
  const started = Date.now();
  const title = module.exports.title;
  (docs ? run({ log: console.log }).then((rows) => saveSection({ name: 'stream-speed', title, rows, seconds: (Date.now() - started) / 1000 })) : measure({ rounds, seconds }).then(print))
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}

module.exports = { run, measure, benchVideo, galleryEntries, enrolGallery, childCpuMs, saveSection, title: 'Camera streams: a 1920x1080 30 fps video file (ours vs the Open Model Zoo demo logic in Python)' };
