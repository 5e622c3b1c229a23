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
//   options: --detect-every K, --json FILE
const { mkdtempSync, rmSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { FacePipeline, FaceStream, Gallery, largestFaceEmbedding, UNKNOWN } = require('../dist');
const { openSource } = require('../dist/stream/source');
const { makeVideo, ACCURACY_VIDEO, SHORT_VIDEO } = require('../test/helpers/make-video');
const { scoreAppearances } = require('../test/helpers/stream-score');

function parseArgs(argv) {
  const args = { preset: 'accuracy', detectEvery: 1, json: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--preset') args.preset = value;
    else if (key === '--detect-every') args.detectEvery = Number(value);
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

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const preset = { accuracy: ACCURACY_VIDEO, short: SHORT_VIDEO }[args.preset];
  if (!preset) throw new Error(`--preset is accuracy or short, not ${args.preset}`);
  const { video, truth, enrolment } = await makeVideo(preset);
  const work = mkdtempSync(join(tmpdir(), 'stream-accuracy-'));
  const pipeline = await FacePipeline.create({});
  const gallery = await Gallery.open(join(work, 'gallery.sqlite'));
  try {
    const samples = await enrol(pipeline, gallery, enrolment);
    const names = new Set(enrolment.map((e) => e.name));
    const isGallery = (label) => names.has(label);
    const threshold = pipeline.config.thresholds?.match;

    const tracked = await runTracked(pipeline, gallery, video, args.detectEvery);
    const perFrame = await runPerFrame(pipeline, gallery, video, threshold);

    const ours = scoreAppearances(truth, tracked.perFrame, isGallery);
    const omz = scoreAppearances(truth, perFrame.perFrame, isGallery);
    const started = tracked.events.filter((e) => e.type === 'track.started').length;
    const updates = tracked.events.filter((e) => e.type === 'track.updated').length;
    const appearances = truth.appearances.length;
    const report = {
      video: { frames: truth.frameCount, seconds: truth.frameCount / truth.fps, people: truth.people.length, strangers: truth.people.filter((p) => p.role === 'stranger').length, appearances, enrolmentSamples: samples },
      detectEvery: args.detectEvery,
      tracked: {
        ...ours,
        tracks: started,
        labelChanges: updates,
        labelChangesPer100Tracks: started ? (100 * updates) / started : 0,
        reidInferences: tracked.stats.embeds.embedded,
        reidPerAppearance: tracked.stats.embeds.embedded / appearances,
        embedStats: tracked.stats.embeds,
        ms: Math.round(tracked.ms),
        timing: Object.values(tracked.stats.cameras)[0].timing,
      },
      perFrame: {
        ...omz,
        labelChangesPer100Appearances: omz.appearances ? (100 * omz.flips) / omz.appearances : 0,
        reidInferences: perFrame.embeds,
        reidPerAppearance: perFrame.embeds / appearances,
        ms: Math.round(perFrame.ms),
      },
    };
    report.reidRatio = report.perFrame.reidInferences / Math.max(1, report.tracked.reidInferences);
    const pct = (v) => (Number.isNaN(v) ? 'n/a' : `${(100 * v).toFixed(1)}%`);
    console.log(`video: ${report.video.seconds} s, ${report.video.people} people (${report.video.strangers} strangers), ${appearances} appearances; detectEvery ${args.detectEvery}`);
    console.log('                              tracked (ours)   per-frame (OMZ way)');
    console.log(`enrolled named correctly      ${pct(ours.enrolledCorrectRate).padEnd(17)}${pct(omz.enrolledCorrectRate)}   (${ours.enrolled} / ${omz.enrolled} scored)`);
    console.log(`strangers named               ${pct(ours.strangerNamedRate).padEnd(17)}${pct(omz.strangerNamedRate)}`);
    console.log(`strangers named on any frame  ${pct(ours.strangerEverNamedRate).padEnd(17)}${pct(omz.strangerEverNamedRate)}`);
    console.log(`label changes                 ${report.tracked.labelChangesPer100Tracks.toFixed(2)} /100 tracks  ${report.perFrame.labelChangesPer100Appearances.toFixed(2)} /100 appearances (along each appearance)`);
    console.log(`reid inferences / appearance  ${report.tracked.reidPerAppearance.toFixed(1).padEnd(17)}${report.perFrame.reidPerAppearance.toFixed(1)}   (${report.reidRatio.toFixed(1)}x fewer)`);
    console.log(`wall time                     ${report.tracked.ms} ms${' '.repeat(Math.max(1, 14 - String(report.tracked.ms).length))}${report.perFrame.ms} ms`);
    console.log(`tracks ${started} for ${appearances} appearances; our time per step (ms): ${JSON.stringify(report.tracked.timing, (k, v) => (typeof v === 'number' ? Math.round(v) : v))}`);
    if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 1));
    return report;
  } finally {
    await gallery.close();
    await pipeline.close();
    rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { enrol, runTracked, runPerFrame };

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
