#!/usr/bin/env node
'use strict';
// Identity accuracy on a generated video with ground truth (test/helpers/make-video.js): our
// FaceStream (tracking, evidence per track, embed policy) against per-frame identification as the
// Open Model Zoo face_recognition_demo does it (every face of every frame detected, landmarked,
// embedded and matched one-to-one within the frame), same video, same models, same gallery.
// Scored per appearance (test/helpers/stream-score.js); re-identification inferences counted.
//
//   node bench/stream-accuracy.js                     the required video: 60 s, 30 people, 10 strangers
//   node bench/stream-accuracy.js --preset short      8 s, 6 people
//   node bench/stream-accuracy.js --preset hard       the required video's size through a door camera
//                                                     (src/video/conditions.js); hard-short: 10 s
//   options: --detect-every K (or a list, 1,2: one FaceStream run each, one per-frame run), --json FILE
const { mkdtempSync, rmSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { FacePipeline, FaceStream, Gallery, largestFaceEmbedding, UNKNOWN } = require('../dist');
const { openSource } = require('../dist/stream/source');
const { makeVideo, ACCURACY_VIDEO, SHORT_VIDEO, HARD_VIDEO, HARD_SHORT_VIDEO } = require('../test/helpers/make-video');
const { scoreAppearances } = require('../test/helpers/stream-score');

function parseArgs(argv) {
  const args = { preset: 'accuracy', detectEvery: [1], json: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--preset') args.preset = value;
    else if (key === '--detect-every') {
      args.detectEvery = String(value).split(',').map(Number);
      if (!args.detectEvery.every((k) => Number.isSafeInteger(k) && k >= 1)) throw new RangeError(`--detect-every is a positive integer or a list of them (1,2), not ${value}`);
    }
    else if (key === '--json') args.json = value;
    else throw new Error(`unknown option ${key}`);
  }
  return args;
}

/** Enrols every enrolled person from their enrolment pictures (none of them is in the video). */
async function enrol(pipeline, gallery, enrolment) {
  let samples = 0;
  for (const { name, files } of enrolment) {
    for (const file of files) {
      const embedding = await largestFaceEmbedding(pipeline, file);
      if (!embedding) continue;
      await gallery.add(name, embedding, { source: file }, { model: pipeline.embeddingModel });
      samples++;
    }
  }
  return samples;
}

/**
 * Our way: the FaceStream over the file; per-frame records and events. The stream is closed
 * unless `keepOpen` (then the caller closes `stream`, e.g. after promoting from it).
 */
async function runTracked(pipeline, gallery, video, detectEvery, { keepOpen = false, streamOptions = {} } = {}) {
  const perFrame = [];
  const events = [];
  const stream = FaceStream.open(pipeline, { video }, { gallery, detectEvery, ...streamOptions });
  stream.on('frame', (r) => {
    perFrame[r.frame] = r.tracks.filter((t) => t.state === 'confirmed').map((t) => ({ box: t.box, label: t.label, kind: t.kind }));
  });
  stream.on('event', (e) => events.push(e));
  const start = performance.now();
  await stream.done();
  const ms = performance.now() - start;
  const stats = stream.stats;
  if (!keepOpen) await stream.close();
  return { perFrame, events, stats, ms, stream };
}

/** The Open Model Zoo way: every frame on its own, all three models on every face, one-to-one match. */
async function runPerFrame(pipeline, gallery, video, threshold) {
  const perFrame = [];
  let embeds = 0;
  const source = openSource(video);
  const start = performance.now();
  try {
    for await (const frame of source.frames()) {
      try {
        const faces = await pipeline.analyzeRaw(frame);
        embeds += faces.length;
        const matches = faces.length ? gallery.matchFrame(faces.map((f) => f.embedding), { threshold, model: pipeline.embeddingModel }) : [];
        perFrame[frame.index] = faces.map((f, i) => ({ box: f.box, label: matches[i].label === UNKNOWN ? null : matches[i].label, kind: 'gallery' }));
      } finally {
        frame.release();
      }
    }
  } finally {
    await source.close();
  }
  return { perFrame, embeds, ms: performance.now() - start };
}

const PRESETS = { accuracy: ACCURACY_VIDEO, short: SHORT_VIDEO, hard: HARD_VIDEO, 'hard-short': HARD_SHORT_VIDEO };

/** The same score over the appearances of each crossing style (videos made with conditions). */
function byStyle(truth, perFrame, isGallery) {
  const styles = [...new Set(truth.appearances.map((a) => a.style).filter(Boolean))].sort();
  return Object.fromEntries(styles.map((style) => {
    const { enrolled, enrolledCorrect, strangers, strangersNamed, unscored, labelChanges, appearances } = scoreAppearances({ ...truth, appearances: truth.appearances.filter((a) => a.style === style) }, perFrame, isGallery);
    return [style, { enrolled, enrolledCorrect, strangers, strangersNamed, unscored, labelChanges, appearances }];
  }));
}

/** { value: how many times } of a list of strings. */
function countBy(values) {
  const counts = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** One FaceStream run scored: the accuracy, its label changes both ways, its inferences. */
function trackedReport(truth, tracked, isGallery) {
  const score = scoreAppearances(truth, tracked.perFrame, isGallery);
  const started = tracked.events.filter((e) => e.type === 'track.started').length;
  const updated = tracked.events.filter((e) => e.type === 'track.updated');
  const updates = updated.length;
  return {
    ...score,
    tracks: started,
    labelChanges: updates,
    // What each change was: a visitor id (or a name) replaced by a name, or a name by a visitor id.
    labelChangeKinds: countBy(updated.map((e) => `${e.previous.kind} -> ${e.kind}`)),
    labelChangesPer100Tracks: started ? (100 * updates) / started : 0,
    labelChangesPerTrack: started ? updates / started : 0,
    appearanceLabelChanges: score.labelChanges,
    reidInferences: tracked.stats.embeds.embedded,
    reidPerAppearance: tracked.stats.embeds.embedded / truth.appearances.length,
    embedStats: tracked.stats.embeds,
    ms: Math.round(tracked.ms),
    timing: Object.values(tracked.stats.cameras)[0].timing,
    byStyle: byStyle(truth, tracked.perFrame, isGallery),
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const preset = PRESETS[args.preset];
  if (!preset) throw new Error(`--preset is ${Object.keys(PRESETS).join(', ')}, not ${args.preset}`);
  const { video, truth, enrolment } = await makeVideo(preset);
  const work = mkdtempSync(join(tmpdir(), 'stream-accuracy-'));
  const pipeline = await FacePipeline.create({});
  const gallery = await Gallery.open(join(work, 'gallery.sqlite'));
  try {
    const samples = await enrol(pipeline, gallery, enrolment);
    const names = new Set(enrolment.map((e) => e.name));
    const isGallery = (label) => names.has(label);
    const threshold = pipeline.config.thresholds?.match;

    const trackedRuns = [];
    for (const k of args.detectEvery) trackedRuns.push({ detectEvery: k, ...trackedReport(truth, await runTracked(pipeline, gallery, video, k), isGallery) });
    const perFrame = await runPerFrame(pipeline, gallery, video, threshold);
    const omz = scoreAppearances(truth, perFrame.perFrame, isGallery);
    const appearances = truth.appearances.length;
    const report = {
      preset: args.preset,
      video: { frames: truth.frameCount, seconds: truth.frameCount / truth.fps, people: truth.people.length, strangers: truth.people.filter((p) => p.role === 'stranger').length, appearances, enrolmentSamples: samples, crf: truth.crf, conditions: truth.conditions },
      loadAverage: require('node:os').loadavg().map((v) => Math.round(v * 100) / 100),
      tracked: trackedRuns,
      perFrame: {
        ...omz,
        labelChangesPer100Appearances: omz.appearances ? (100 * omz.flips) / omz.appearances : 0,
        appearanceLabelChanges: omz.labelChanges,
        reidInferences: perFrame.embeds,
        reidPerAppearance: perFrame.embeds / appearances,
        ms: Math.round(perFrame.ms),
        byStyle: byStyle(truth, perFrame.perFrame, isGallery),
      },
    };
    for (const run of trackedRuns) run.reidRatio = report.perFrame.reidInferences / Math.max(1, run.reidInferences);
    printReport(report);
    if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 1));
    return report;
  } finally {
    await gallery.close();
    await pipeline.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function printReport(report) {
  const pct = (v) => (Number.isNaN(v) ? 'n/a' : `${(100 * v).toFixed(1)}%`);
  const fix = (v, d = 2) => (Number.isNaN(v) ? 'n/a' : v.toFixed(d));
  const { video, tracked, perFrame: omz } = report;
  const columns = [...tracked.map((t) => `FaceStream, detectEvery ${t.detectEvery}`), 'per-frame (OMZ way)'];
  const row = (name, cells) => console.log(`${name.padEnd(56)}${cells.map((c) => String(c).padEnd(28)).join('')}`);
  console.log(`video (${report.preset}): ${video.seconds} s, ${video.people} people (${video.strangers} strangers), ${video.appearances} appearances, crf ${video.crf ?? 20}${video.conditions ? ', door-camera conditions' : ''}; load average ${report.loadAverage.join(' ')}`);
  row('', columns);
  row('enrolled named correctly', [...tracked, omz].map((s) => `${pct(s.enrolledCorrectRate)} (${s.enrolledCorrect}/${s.enrolled})`));
  row('strangers named (dominant / on any frame)', [...tracked, omz].map((s) => `${pct(s.strangerNamedRate)} / ${pct(s.strangerEverNamedRate)}`));
  row('label changes of confirmed tracks', [...tracked.map((t) => `${t.labelChanges} in ${t.tracks} tracks (${fix(t.labelChangesPerTrack)}/track)`), 'n/a (no tracks)']);
  row('label changes along the appearances', [...tracked, omz].map((s) => `${s.appearanceLabelChanges} (${fix(s.labelChangesPerAppearance)}/appearance)`));
  row('name-to-name flips along the appearances', [...tracked, omz].map((s) => s.flips));
  row('re-identification inferences / appearance', [...tracked.map((t) => `${fix(t.reidPerAppearance, 1)} (${fix(t.reidRatio, 1)}x fewer)`), fix(omz.reidPerAppearance, 1)]);
  row('wall time (ms)', [...tracked, omz].map((s) => s.ms));
  if (Object.keys(omz.byStyle).length) {
    for (const style of Object.keys(omz.byStyle)) {
      row(`  ${style} crossings: enrolled correct, strangers named`, [...tracked, omz].map((s) => {
        const b = s.byStyle[style];
        return `${b.enrolledCorrect}/${b.enrolled}, ${b.strangersNamed}/${b.strangers} (${b.unscored} unscored)`;
      }));
    }
  }
  for (const t of tracked) console.log(`detectEvery ${t.detectEvery}: ${t.tracks} tracks for ${video.appearances} appearances; time per step (ms): ${JSON.stringify(t.timing, (k, v) => (typeof v === 'number' ? Math.round(v) : v))}; label changes of confirmed tracks by kind: ${JSON.stringify(t.labelChangeKinds)}`);
}

module.exports = { enrol, runTracked, runPerFrame };

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
