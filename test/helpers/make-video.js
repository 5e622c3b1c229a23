#!/usr/bin/env node
'use strict';
// Test videos with ground truth, made at test time from the LFW development images (never
// committed). The generator itself is src/video/make-video.js (the demo uses it too); this helper
// gives it the ffmpeg the tests require (failing with the install script when it is missing).
//
//   node test/helpers/make-video.js --out /tmp/v --seconds 60 --fps 30 --people 30 --seed 7
//   node test/helpers/make-video.js --preset accuracy        (60 s, 30 people, a third strangers)
//   node test/helpers/make-video.js --preset hard            (the same through a door camera; hard-short: 10 s)
const video = require('../../dist/video/make-video');
const { ffmpegPath } = require('./media');

/** Makes (or reuses) a video with its ground truth (see src/video/make-video.js). */
function makeVideo(options = {}) {
  return video.makeVideo({ ffmpegPath: ffmpegPath(), ...options });
}

const { faceBoxInPicture, ACCURACY_VIDEO, SHORT_VIDEO, HARD_VIDEO, HARD_SHORT_VIDEO, HARD_CONDITIONS, DEFAULTS } = video;
module.exports = { makeVideo, faceBoxInPicture, ACCURACY_VIDEO, SHORT_VIDEO, HARD_VIDEO, HARD_SHORT_VIDEO, HARD_CONDITIONS, DEFAULTS };

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    options[key === 'out' ? 'outDir' : key] = ['out', 'imageSet', 'preset'].includes(key) ? value : Number(value);
  }
  return options;
}


if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  const { preset, ...rest } = args;
  const presets = { accuracy: ACCURACY_VIDEO, short: SHORT_VIDEO, hard: HARD_VIDEO, 'hard-short': HARD_SHORT_VIDEO };
  if (preset && !presets[preset]) throw new Error(`--preset is ${Object.keys(presets).join(', ')}, not ${preset}`);
  makeVideo({ ...presets[preset], ...rest })
    .then(({ dir, truth }) => {
      console.log(`${dir}: ${truth.frameCount} frames, ${truth.people.length} people, ${truth.appearances.length} appearances`);
    })
    .catch((err) => {
      console.error(err.message);
      process.exit(1);
    });
}
