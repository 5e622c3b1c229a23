'use strict';
// The benchmark photos: face-api's demo samples (several faces each, 1920 wide) cropped to
// 1920x1080 with sharp, written once per run into the OS temp folder so that Node and Python read
// the very same JPEG bytes.
const { existsSync } = require('node:fs');
const { join, dirname } = require('node:path');
const sharp = require('sharp');

function sampleDir() {
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');
}

/** Paths of `count` 1920x1080 JPEGs (quality 95) made from sample1.jpg, sample2.jpg, ... */
async function photos1080(dir, count = 3) {
  const out = [];
  for (let i = 1; i <= count; i++) {
    const file = join(dir, `sample${i}-1920x1080.jpg`);
    if (!existsSync(file)) {
      await sharp(join(sampleDir(), `sample${i}.jpg`)).resize(1920, 1080, { fit: 'cover', position: 'top' }).jpeg({ quality: 95 }).toFile(file);
    }
    out.push(file);
  }
  return out;
}

module.exports = { photos1080, sampleDir };
