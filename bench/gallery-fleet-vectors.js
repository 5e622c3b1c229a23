'use strict';
// The fleet benchmark's embeddings: a pure function of the label, so every node (and the
// checker) derives the same vectors for a person without sending them around.
const { createHash } = require('node:crypto');
const { rng } = require('../test/helpers/random');
const { randomUnit } = require('../test/helpers/vectors');

function personVectors(label, count) {
  const seed = createHash('sha256').update(label).digest().readUInt32LE(0);
  const rand = rng(seed);
  return Array.from({ length: count }, () => randomUnit(rand));
}

module.exports = { personVectors };
