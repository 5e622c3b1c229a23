'use strict';
// Camera streams (issue 15, "Speed"): frames per second on a generated 1920x1080 30 fps H.264 file
// with about 4 faces on screen, decode included, ours against the Open Model Zoo demo's logic in
// Python (test/oracle/omz_video.py: cv2.VideoCapture + the three models on every frame + gallery
// matching per frame) on the same file, alternating rounds, ratio = median of per-round ratios.
// Ours three times: FaceStream (tracking on, the file read as fast as it goes) with detection on
// every frame and on every second frame (detectEvery 2, the tracker predicting between), and
// per-frame identification without tracking (the file source, then FacePipeline.analyzeRaw +
// Gallery.matchFrame on every frame: the like-for-like baseline). Then FaceStream "tuned for
// streams" (TUNED below) at detectEvery 1 and 2, against the same Python logic run with the same
// FP16-INT8 detector.
// Then where the time per frame goes (decode, detector, landmarks, reid, tracking, JS), and how
// many such streams run at once in real time (30 fps each, `realtime: true`, no frame dropped),
// FaceStream with detectEvery 1 and 2, default and tuned, and per-frame identification.
//
// Alone: FACE_REID_MODELS=../shared/models FACE_REID_DATA=../shared/data node bench/stream-speed.js [rounds=5] [seconds=20]
//        ... node bench/stream-speed.js [rounds] [seconds] --docs   (the `npm run bench` rows, written into docs/benchmarks.md)
const os = require('node:os');
const { readFileSync } = require('node:fs');
const { FacePipeline, FaceDetector, LandmarksRegressor } = require('../dist/pipeline');
const { FaceStream, Gallery, largestFaceEmbedding } = require('../dist');
const { DEFAULT_MATCH_THRESHOLD } = require('../dist/gallery');
const { openSource } = require('../dist/stream/source');
const { modelsDir } = require('../test/helpers/env');
const { makeVideo } = require('../test/helpers/make-video');
const { median, row, pairedRatio, PythonOracle, saveSection } = require('./lib');

/** The camera the streams-at-once figure is about: 30 fps, each stream must keep up with it. */
const CAMERA_FPS = 30;
const GOALS = { speed: 3, streams: 3 };
const THRESHOLD = DEFAULT_MATCH_THRESHOLD;
/**
 * The configuration for a box that runs streams only (docs/config.md, "Streams"): the detector,
 * most of a stream's CPU, quantised (the same figures on both stream videos, docs/accuracy.md) and
 * compiled for throughput (one thread per inference, two at once: 11.4 CPU-ms a 544x300 inference
 * instead of 15.9 for LATENCY's two threads on one, which spin), with two frames detected ahead so
 * that two inferences are in flight. The pool holds two more frames than the default for the
 * second frame ahead, so that a live source keeps the same slack. FaceStream picks both by itself
 * for a THROUGHPUT detector on two cores; they are given here so that the bench measures the same
 * configuration on a machine with more cores.
 */
const TUNED = { pipeline: { detector: { precision: 'FP16-INT8', config: { PERFORMANCE_HINT: 'THROUGHPUT' } } }, readAhead: 2, poolSize: 6 };
const TITLE = 'Camera streams: a 1920x1080 30 fps video file, 4 faces on screen (ours vs the Open Model Zoo demo logic in Python)';

/**
 * The benchmark video: 1920x1080 at 30 fps, people entering, crossing and leaving, about 4 faces
 * on screen at a time (the generator's people count and appearance lengths set the density).
 */
async function benchVideo(seconds) {
  // makeVideo keeps finished videos (under $FACE_REID_TEST_OUTPUT or /tmp) and reuses them.
  const made = await makeVideo({ seconds, fps: CAMERA_FPS, people: Math.max(6, Math.round(seconds * 0.65)), appearanceSeconds: [4, 8], seed: 42 });
  const onScreen = made.truth.frames.map((faces) => faces.filter((f) => f.visible > 0.5).length);
  return { ...made, facesOnScreen: onScreen.reduce((a, b) => a + b, 0) / onScreen.length };
}

/** Gallery entries for both sides: every enrolment picture with its person's name. */
function galleryEntries(enrolment) {
  return enrolment.flatMap(({ name, files }) => files.map((path) => ({ label: name, path })));
}

/** Our gallery, in memory, from the same pictures (each picture's largest face). */
async function enrolGallery(pipeline, entries) {
  const gallery = await Gallery.open(':memory:');
  for (const { label, path } of entries) {
    const embedding = await largestFaceEmbedding(pipeline, path);
    if (embedding) await gallery.add(label, embedding, { source: path }, { model: pipeline.embeddingModel });
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
 * Per-frame identification of one file, no tracking: every frame through the pipeline and the
 * gallery. With `realtime` the source delivers at the file's rate and drops what the consumer misses.
 */
async function perFrame({ pipeline, gallery, video, realtime = false }) {
  const source = openSource(video, { realtime });
  const model = pipeline.embeddingModel;
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
    if (found.length) gallery.matchFrame(found.map((f) => f.embedding), { threshold: THRESHOLD, model });
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

/**
 * FaceStream over `streams` copies of the file (cameras cam0, cam1, ...), tracking on. Returns the
 * sums over cameras; stagesMs from the stream's own timing (detector, landmarks, reid, tracking
 * and identity), "other" the rest of the wall time per frame (JS around them, waiting for frames).
 */
async function tracked({ pipeline, gallery, video, detectEvery = 1, realtime = false, streams = 1, readAhead, poolSize }) {
  const start = now();
  const stream = FaceStream.open(pipeline, Array.from({ length: streams }, () => video), { gallery, detectEvery, readAhead, threshold: THRESHOLD, source: { realtime, poolSize } });
  await stream.done();
  const seconds = (now() - start) / 1000;
  const stats = stream.stats;
  await stream.close();
  const cameras = Object.values(stats.cameras);
  const sum = (f) => cameras.reduce((a, c) => a + f(c), 0);
  const frames = sum((c) => c.frames);
  const timing = { detector: sum((c) => c.timing.detect), landmarks: sum((c) => c.timing.landmarks), reid: sum((c) => c.timing.reid), tracking: sum((c) => c.timing.tracking) };
  const busy = Object.values(timing).reduce((a, b) => a + b, 0);
  return {
    frames,
    detectionFrames: sum((c) => c.detectionFrames),
    decoded: sum((c) => c.source.framesDecoded),
    dropped: sum((c) => c.source.framesDropped),
    faces: sum((c) => c.faces),
    embeds: stats.embeds,
    seconds,
    fps: frames / seconds,
    stagesMs: perFrameMs({ ...timing, other: Math.max(0, seconds * 1000 * streams - busy) }, frames),
  };
}

/** One timed round of ours: the run's figures, this process's CPU and the decoders' CPU per frame. */
async function timedRound(run) {
  const cpu0 = process.cpuUsage();
  const child0 = childCpuMs();
  const result = await run();
  const cpu = process.cpuUsage(cpu0);
  return { ...result, cpuMsPerFrame: (cpu.user + cpu.system) / 1000 / result.frames, decoderCpuMsPerFrame: (childCpuMs() - child0) / result.frames };
}

/**
 * Where per-frame identification's time goes, stage by stage on the same frames: the detector,
 * the landmark model (one batch per frame) and the re-identification of the frame's faces
 * (analyzeRaw minus the two, measured straight after on the same frame), each awaited alone.
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
 * The most streams of the file that run at once in real time: `runStreams(n)` plays n copies at
 * the camera's rate through one shared pipeline and gallery, for n = 1, 2, ... until a frame is
 * dropped (the last n without a drop is the answer). Also an estimate that other work on the
 * machine disturbs far less: the cores' time divided by the CPU time (ours and ffmpeg's) that one
 * stream's 30 frames a second cost, from `runFast()`, the file read once as fast as it goes (no
 * frame dropped, so every decoded frame is also processed).
 */
async function streamsAtOnce({ label, maxStreams, log, runStreams, runFast }) {
  const fast = await timedRound(runFast);
  const cpuMsPerFrame = fast.cpuMsPerFrame + fast.decoderCpuMsPerFrame;
  const estimate = (os.cpus().length * 1000) / (CAMERA_FPS * cpuMsPerFrame);
  log(`${label}: CPU ${cpuMsPerFrame.toFixed(1)} ms per frame (ffmpeg ${fast.decoderCpuMsPerFrame.toFixed(1)}): ${estimate.toFixed(2)} streams of ${CAMERA_FPS} fps on ${os.cpus().length} cores`);
  const trials = [];
  let best = 0;
  for (let n = 1; n <= maxStreams; n++) {
    const { dropped, decoded } = await runStreams(n);
    trials.push({ streams: n, dropped, decoded });
    log(`${label}: ${n} stream(s) in real time, ${dropped} of ${decoded} frames dropped`);
    if (dropped > 0) break;
    best = n;
  }
  return { best, estimate, cpuMsPerFrame, trials };
}

async function measure({ rounds = 5, seconds = 20, log = console.log, maxStreams = 6 } = {}) {
  const loadAtStart = os.loadavg()[0];
  const modelDir = modelsDir();
  const made = await benchVideo(seconds);
  const { video, truth } = made;
  log(`video ${truth.width}x${truth.height} ${truth.fps} fps, ${truth.frameCount} frames, ${made.facesOnScreen.toFixed(2)} faces on screen on average`);
  const entries = galleryEntries(made.enrolment);
  const python = new PythonOracle('omz_video.py');
  // The same logic with the tuned rows' detector, so that those rows compare like with like.
  const pythonInt8 = new PythonOracle('omz_video.py');
  let pipeline;
  let tunedPipeline;
  let gallery;
  try {
    const pythonSetup = python.call({ cmd: 'setup', modelDir, gallery: entries, threshold: THRESHOLD });
    const pythonInt8Setup = pythonInt8.call({ cmd: 'setup', modelDir, gallery: entries, threshold: THRESHOLD, detectorPrecision: TUNED.pipeline.detector.precision });
    pipeline = await FacePipeline.create({ modelDir });
    tunedPipeline = await FacePipeline.create({ modelDir, ...TUNED.pipeline });
    gallery = await enrolGallery(pipeline, entries);
    const frameSize = { width: truth.width, height: truth.height };
    await pipeline.prepare({ frameSize, faces: 8 });
    await tunedPipeline.prepare({ frameSize, faces: 8 });
    const pySetup = await pythonSetup;
    await pythonInt8Setup;
    log(`gallery: ours ${(await gallery.list()).length} identities, Python ${pySetup.identities} (${pySetup.samples} samples)`);
    const job = { pipeline, gallery, video };
    const tunedJob = { ...job, pipeline: tunedPipeline, readAhead: TUNED.readAhead, poolSize: TUNED.poolSize };
    // Warm-up: first-frame allocations, the file in the page cache.
    await tracked(job);
    await tracked(tunedJob);
    await perFrame(job);

    const perRound = [];
    for (let round = 0; round < rounds; round++) {
      const stream = await timedRound(() => tracked(job));
      const stream2 = await timedRound(() => tracked({ ...job, detectEvery: 2 }));
      const plain = await timedRound(() => perFrame(job));
      const py = await python.call({ cmd: 'run', video });
      const tuned = await timedRound(() => tracked(tunedJob));
      const tuned2 = await timedRound(() => tracked({ ...tunedJob, detectEvery: 2 }));
      const pyInt8 = await pythonInt8.call({ cmd: 'run', video });
      perRound.push({ stream, stream2, plain, python: py, tuned, tuned2, pythonInt8: pyInt8 });
      log(`  tuned for streams: FaceStream ${tuned.fps.toFixed(1)} (detectEvery 2: ${tuned2.fps.toFixed(1)}), Python with the ${TUNED.pipeline.detector.precision} detector ${pyInt8.fps.toFixed(1)} frames/s`);
      log(`round ${round + 1}/${rounds}: FaceStream ${stream.fps.toFixed(1)} (detectEvery 2: ${stream2.fps.toFixed(1)}), per-frame ours ${plain.fps.toFixed(1)}, Python ${py.fps.toFixed(1)} frames/s (${stream.frames} / ${plain.frames} / ${py.frames} frames; faces a frame ${(plain.faces / plain.frames).toFixed(2)} / ${(py.faces / py.frames).toFixed(2)}; reid ${stream.embeds.embedded} of ${stream.embeds.considered})`);
    }
    const profile = await stageProfile({ pipeline, video, modelDir, maxFrames: Math.min(300, truth.frameCount) });
    log(`stages of per-frame identification (each awaited alone, ${profile.frames} frames): detector ${profile.detectorMs.toFixed(2)} ms, landmarks ${profile.landmarksMs.toFixed(2)} ms, reid ${profile.reidMs.toFixed(2)} ms`);
    const realtime = {};
    for (const [key, label, base] of [['detectEvery', 'FaceStream', job], ['tuned', 'FaceStream tuned for streams,', tunedJob]]) {
      for (const detectEvery of [1, 2]) {
        realtime[`${key}${detectEvery}`] = await streamsAtOnce({ label: `${label} detectEvery ${detectEvery}`, maxStreams, log, runStreams: (streams) => tracked({ ...base, detectEvery, realtime: true, streams }), runFast: () => tracked({ ...base, detectEvery }) });
      }
    }
    realtime.perFrame = await streamsAtOnce({
      label: 'per-frame identification',
      maxStreams,
      log,
      runStreams: async (streams) => {
        const all = await Promise.all(Array.from({ length: streams }, () => perFrame({ ...job, realtime: true })));
        const sum = (f) => all.reduce((a, r) => a + f(r), 0);
        return { dropped: sum((r) => r.dropped), decoded: sum((r) => r.decoded) };
      },
      runFast: () => perFrame(job),
    });
    // Other work on this shared machine distorts the real-time figures most: say how busy it was.
    return { made, perRound, profile, realtime, rounds, load: [loadAtStart, os.loadavg()[0]] };
  } finally {
    await gallery?.close();
    await pipeline?.close();
    await tunedPipeline?.close();
    await Promise.all([python.close(), pythonInt8.close()]);
  }
}

/** Medians over rounds of one side's figures. */
function summarise(perRound, side) {
  const pick = (f) => median(perRound.map((r) => f(r[side])));
  const first = perRound[0][side];
  return {
    fps: pick((r) => r.fps),
    cpuMsPerFrame: pick((r) => r.cpuMsPerFrame),
    decoderCpuMsPerFrame: first.decoderCpuMsPerFrame === undefined ? undefined : pick((r) => r.decoderCpuMsPerFrame),
    stages: Object.fromEntries(Object.keys(first.stagesMs).map((k) => [k, pick((r) => r.stagesMs[k])])),
  };
}

function report(r) {
  const fps = (side) => r.perRound.map((x) => x[side].fps);
  const e = r.perRound[0].stream.embeds;
  return {
    stream: summarise(r.perRound, 'stream'),
    stream2: summarise(r.perRound, 'stream2'),
    plain: summarise(r.perRound, 'plain'),
    python: summarise(r.perRound, 'python'),
    tuned: summarise(r.perRound, 'tuned'),
    tuned2: summarise(r.perRound, 'tuned2'),
    pythonInt8: summarise(r.perRound, 'pythonInt8'),
    speed: {
      stream: pairedRatio(fps('stream'), fps('python'), 'higher'),
      stream2: pairedRatio(fps('stream2'), fps('python'), 'higher'),
      plain: pairedRatio(fps('plain'), fps('python'), 'higher'),
      tuned: pairedRatio(fps('tuned'), fps('pythonInt8'), 'higher'),
      tuned2: pairedRatio(fps('tuned2'), fps('pythonInt8'), 'higher'),
      tunedVsFp16: pairedRatio(fps('tuned'), fps('python'), 'higher'),
      tuned2VsFp16: pairedRatio(fps('tuned2'), fps('python'), 'higher'),
    },
    reidSaved: e.considered / Math.max(1, e.embedded),
    embeds: e,
  };
}

const trialsText = (t) => t.trials.map((x) => `${x.streams}: ${x.dropped} dropped`).join(', ');

/** `npm run bench` rows: the frame rates and their ratios, the time per frame by stage, streams at once. */
async function run(options = {}) {
  const r = await measure({ rounds: options.rounds ?? (options.quick ? 3 : 5), seconds: options.seconds ?? (options.quick ? 10 : 20), log: options.log });
  const { stream, stream2, plain, python, tuned, tuned2, pythonInt8, speed, embeds } = report(r);
  const { truth, facesOnScreen } = r.made;
  const video = `${truth.width}x${truth.height} ${truth.fps} fps H.264, ${truth.frameCount} frames, ${facesOnScreen.toFixed(1)} faces on screen`;
  const referenceName = 'Python OMZ demo logic (cv2.VideoCapture + OpenVINO)';
  const stage = (name, oursMs, pythonMs, note) => row({ bench: 'stream-speed', name: `ms per frame, ${name}`, ours: oursMs, reference: pythonMs, referenceName, unit: 'ms/frame', note });
  const p = r.profile;
  const s = stream.stages;
  const realtimeRow = (key, name) => row({ bench: 'stream-speed', name: `real-time 30 fps streams at once, ${name}`, ours: r.realtime[key].best, unit: 'streams', better: 'higher', goal: key === 'perFrame' ? undefined : `>= ${GOALS.streams}`, pass: key === 'perFrame' ? undefined : r.realtime[key].best >= GOALS.streams, note: `no frame dropped, one shared pipeline (${trialsText(r.realtime[key])}); estimated from CPU time: ${r.realtime[key].estimate.toFixed(2)} streams (${r.realtime[key].cpuMsPerFrame.toFixed(1)} ms a frame, ffmpeg included); machine load average ${r.load.map((l) => l.toFixed(1)).join(' -> ')} on ${os.cpus().length} cores` });
  const precision = TUNED.pipeline.detector.precision;
  const tunedRow = (name, side, ratio, vsFp16) =>
    row({ bench: 'stream-speed', name: `video file, ${name}, decode included`, ours: side.fps, reference: pythonInt8.fps, referenceName: `${referenceName}, ${precision} detector`, unit: 'frames/s', better: 'higher', ratio, goal: `>= ${GOALS.speed}x`, pass: ratio >= GOALS.speed, note: `detector ${precision} at PERFORMANCE_HINT THROUGHPUT, readAhead ${TUNED.readAhead}; both sides with the ${precision} detector; against the FP16 Python row above: ${vsFp16.toFixed(2)}x; CPU ${(side.cpuMsPerFrame + side.decoderCpuMsPerFrame).toFixed(1)} ms a frame with ffmpeg ${side.decoderCpuMsPerFrame.toFixed(1)} (Python ${pythonInt8.cpuMsPerFrame === undefined ? 'n/a' : pythonInt8.cpuMsPerFrame.toFixed(1)})` });
  return [
    row({ bench: 'stream-speed', name: 'video file, FaceStream (tracking), decode included', ours: stream.fps, reference: python.fps, referenceName, unit: 'frames/s', better: 'higher', ratio: speed.stream, goal: `>= ${GOALS.speed}x`, pass: speed.stream >= GOALS.speed, note: `${video}; median of ${r.rounds} alternating rounds, ratio = median of per-round ratios; reid inferences ${embeds.embedded} of ${embeds.considered} faces` }),
    row({ bench: 'stream-speed', name: 'video file, FaceStream detectEvery 2 (tracking), decode included', ours: stream2.fps, reference: python.fps, referenceName, unit: 'frames/s', better: 'higher', ratio: speed.stream2, goal: `>= ${GOALS.speed}x`, pass: speed.stream2 >= GOALS.speed, note: `the detector on every second frame, the tracker predicting between; CPU ${(stream2.cpuMsPerFrame + stream2.decoderCpuMsPerFrame).toFixed(1)} ms a frame with ffmpeg (detectEvery 1: ${(stream.cpuMsPerFrame + stream.decoderCpuMsPerFrame).toFixed(1)}; Python ${python.cpuMsPerFrame === undefined ? 'n/a' : python.cpuMsPerFrame.toFixed(1)})` }),
    tunedRow('FaceStream tuned for streams (tracking)', tuned, speed.tuned, speed.tunedVsFp16),
    tunedRow('FaceStream tuned for streams, detectEvery 2 (tracking)', tuned2, speed.tuned2, speed.tuned2VsFp16),
    row({ bench: 'stream-speed', name: 'video file, per-frame identification (no tracking), decode included', ours: plain.fps, reference: python.fps, referenceName, unit: 'frames/s', better: 'higher', ratio: speed.plain, note: 'file source + analyzeRaw + matchFrame on every frame' }),
    stage('decode', stream.decoderCpuMsPerFrame, python.stages.decode, 'ours: CPU of the ffmpeg child (decodes ahead, in parallel with the models); Python: wall time of read()'),
    stage('detector', s.detector, python.stages.detector, `FaceStream timing (per-frame identification: ${p.detectorMs.toFixed(2)})`),
    stage('landmarks', s.landmarks, python.stages.landmarks, `ours one batch per frame (per-frame identification: ${p.landmarksMs.toFixed(2)}); Python one inference per face`),
    stage('reid', s.reid, python.stages.reid, `ours only where the tracker or the embed policy asks (per-frame identification: ${p.reidMs.toFixed(2)}); Python every face`),
    stage('tracking + identity / matching', s.tracking, python.stages.match, 'ours: tracker, embed policy, evidence, events (JS); Python: numpy + Hungarian per frame'),
    stage('other (JS, waiting for frames)', s.other, undefined, 'FaceStream wall time per frame minus the stages above'),
    realtimeRow('detectEvery1', 'FaceStream'),
    realtimeRow('detectEvery2', 'FaceStream detectEvery 2'),
    realtimeRow('tuned1', 'FaceStream tuned for streams'),
    realtimeRow('tuned2', 'FaceStream tuned for streams, detectEvery 2'),
    realtimeRow('perFrame', 'per-frame identification'),
  ];
}

/** The section's explanation under its table in docs/benchmarks.md. */
const NOTES = [
  'Both sides read the same generated file (test/helpers/make-video.js) with decoding included and no pacing; ours decodes in an ffmpeg child process straight into pooled buffers, so decoding overlaps the models, while cv2.VideoCapture decodes inside the Python loop.',
  'FaceStream runs the detector and the landmark model on every detection frame (every frame at detectEvery 1, every second one at 2, the tracker predicting between; landmarks give each face its view quality) and re-identifies a face only when its track needs it: a new track, an undecided identity, a clearly better view, a periodic refresh. The per-frame rows split its own timing (FaceStream stats: detector, landmarks, reid, tracking and identity); "other" is the rest of its wall time per frame.',
  'At detectEvery 1 both sides run the same detector on every frame, so the ratio cannot exceed Python\'s CPU per frame over one detection\'s CPU, whatever else ours saves: on 2026-12-04 (this run\'s machine, FP16, PERFORMANCE_HINT LATENCY, one 1080p I420 frame detected alone 200 times) a detection cost 14.4 CPU-ms against Python\'s 39.9 for a whole frame, at most 2.8x. The 3x goal therefore needs fewer detections (detectEvery 2) or a cheaper detection (the tuned rows).',
  '"Tuned for streams" is the configuration of a box that runs streams only (docs/config.md): the detector at FP16-INT8 (the same accuracy on both stream videos, docs/accuracy.md) compiled with PERFORMANCE_HINT THROUGHPUT (one thread per inference, two inferences at once), `readAhead: 2`, `poolSize: 6`. Its reference is the same Python logic with the same FP16-INT8 detector; the ratio against the FP16 Python run is in the notes.',
  'Streams at once: n copies of the file played at 30 fps (`realtime: true`) through one FaceStream (one shared pipeline), n = 1, 2, ... until a stream drops a frame; the figure is the largest n without a drop. This is the figure most sensitive to other work on the machine: the load average during the run is in the notes.',
].join('\n\n');

function print(r) {
  const { stream, stream2, plain, python, tuned, tuned2, pythonInt8, speed, embeds } = report(r);
  const ms = (o) => Object.entries(o).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
  console.log(`\n${r.made.truth.frameCount} frames, ${r.made.facesOnScreen.toFixed(2)} faces on screen; medians of ${r.rounds} alternating rounds`);
  console.log(`  FaceStream ${stream.fps.toFixed(1)} frames/s (detectEvery 2: ${stream2.fps.toFixed(1)}), per-frame ours ${plain.fps.toFixed(1)}, Python ${python.fps.toFixed(1)}: FaceStream/Python ${speed.stream.toFixed(2)}x (detectEvery 2: ${speed.stream2.toFixed(2)}x), per-frame/Python ${speed.plain.toFixed(2)}x`);
  console.log(`  reid inferences: ${embeds.embedded} of ${embeds.considered} faces (${(embeds.considered / Math.max(1, embeds.embedded)).toFixed(1)}x fewer)`);
  console.log(`  FaceStream ms per frame: ${ms(stream.stages)}; CPU ${stream.cpuMsPerFrame.toFixed(1)} ms + ffmpeg ${stream.decoderCpuMsPerFrame.toFixed(1)} ms`);
  console.log(`  FaceStream detectEvery 2 ms per frame: ${ms(stream2.stages)}; CPU ${stream2.cpuMsPerFrame.toFixed(1)} ms + ffmpeg ${stream2.decoderCpuMsPerFrame.toFixed(1)} ms`);
  console.log(`  per-frame ours ms per frame: ${ms(plain.stages)}; CPU ${plain.cpuMsPerFrame.toFixed(1)} ms + ffmpeg ${plain.decoderCpuMsPerFrame.toFixed(1)} ms; stages alone: detector ${r.profile.detectorMs.toFixed(2)}, landmarks ${r.profile.landmarksMs.toFixed(2)}, reid ${r.profile.reidMs.toFixed(2)}`);
  console.log(`  Python ms per frame: ${ms(python.stages)}; CPU ${python.cpuMsPerFrame.toFixed(1)} ms`);
  console.log(`  tuned for streams: FaceStream ${tuned.fps.toFixed(1)} (detectEvery 2: ${tuned2.fps.toFixed(1)}), Python (${TUNED.pipeline.detector.precision} detector) ${pythonInt8.fps.toFixed(1)}: ${speed.tuned.toFixed(2)}x (detectEvery 2: ${speed.tuned2.toFixed(2)}x); against Python FP16 ${speed.tunedVsFp16.toFixed(2)}x / ${speed.tuned2VsFp16.toFixed(2)}x; CPU ${tuned.cpuMsPerFrame.toFixed(1)} + ffmpeg ${tuned.decoderCpuMsPerFrame.toFixed(1)} ms (detectEvery 2: ${tuned2.cpuMsPerFrame.toFixed(1)} + ${tuned2.decoderCpuMsPerFrame.toFixed(1)}); Python CPU ${pythonInt8.cpuMsPerFrame.toFixed(1)} ms`);
  for (const [key, t] of Object.entries(r.realtime)) console.log(`  real-time streams at once, ${key}: ${t.best} (${trialsText(t)}); from CPU time per frame ${t.estimate.toFixed(1)}`);
  console.log(`  load average (1 min) at the start ${r.load[0].toFixed(1)}, at the end ${r.load[1].toFixed(1)}, ${os.cpus().length} cores`);
}

if (require.main === module) {
  // --docs: the `npm run bench` run, its section written into docs/benchmarks.md (through docs/benchmarks.json).
  const docs = process.argv.includes('--docs');
  const [rounds = 5, seconds = 20] = process.argv.slice(2).filter((a) => a !== '--docs').map(Number);
  const started = Date.now();
  const save = (rows) => {
    console.log(require('./report').renderTable(rows));
    saveSection({ name: 'stream-speed', title: TITLE, rows, seconds: (Date.now() - started) / 1000, notes: NOTES });
  };
  (docs ? run({ rounds, seconds, log: console.log }).then(save) : measure({ rounds, seconds }).then(print))
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}

module.exports = {
  run,
  measure,
  benchVideo,
  galleryEntries,
  enrolGallery,
  notes: NOTES,
  title: TITLE,
};
