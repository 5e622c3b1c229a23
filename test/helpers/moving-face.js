'use strict';
// Camera frames made from one picture: its face crossing a gray canvas, for the tests that need a
// person walking past a camera without a whole generated video (test/helpers/make-video.js).
const sharp = require('sharp');

/**
 * Raw RGB frames of `picture` resized to `size` px moving right by `step` px a frame from
 * (`left`, `top`), `count` of them, each rendered only when asked for.
 */
async function* movingFaceFrames(picture, { count, width = 640, height = 480, size = 200, left = 120, top = 140, step = 2 }) {
  const face = await sharp(picture).resize(size, size).toBuffer();
  for (let i = 0; i < count; i++) {
    const { data } = await sharp({ create: { width, height, channels: 3, background: '#606060' } })
      .composite([{ input: face, left: left + i * step, top }])
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    yield { data, width, height, channels: 3, order: 'rgb', stride: width * 3 };
  }
}

module.exports = { movingFaceFrames };
