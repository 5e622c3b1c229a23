'use strict';
// The LFW protocol code against brute force on small scored sets, and the file parsers on the
// real LFW development pairs.
const assert = require('node:assert/strict');
const { join } = require('node:path');
const { bestThreshold, accuracyAt, crossValidate, rocCurve, areaUnder } = require('../dist/eval/verification');
const { readPairs, parseLandmarks } = require('../dist/eval/lfw-data');
const { dataDir } = require('./helpers/env');

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function randomPairs(n, seed) {
  const rand = lcg(seed);
  return Array.from({ length: n }, (_, i) => {
    const same = rand() < 0.5;
    return { similarity: Math.round((same ? 0.5 : 0.1) * 100 + (rand() - 0.5) * 60) / 100, same, fold: i % 5 };
  });
}

describe('verification protocol', () => {
  it('bestThreshold reaches the best accuracy that any threshold can reach', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const pairs = randomPairs(40, seed);
      const candidates = [...new Set(pairs.map((p) => p.similarity))].flatMap((s) => [s - 1e-9, s + 1e-9]);
      const bruteBest = Math.max(...candidates.map((t) => accuracyAt(pairs, t)));
      assert.equal(accuracyAt(pairs, bestThreshold(pairs)), bruteBest, `seed ${seed}`);
    }
  });

  it('crossValidate chooses each fold threshold on the other folds only', () => {
    const pairs = randomPairs(200, 7);
    const report = crossValidate(pairs, 5);
    assert.equal(report.folds.length, 5);
    for (const f of report.folds) {
      const others = pairs.filter((p) => p.fold !== f.fold - 1);
      assert.equal(f.threshold, bestThreshold(others));
      assert.equal(f.accuracy, accuracyAt(pairs.filter((p) => p.fold === f.fold - 1), f.threshold));
    }
    const mean = report.folds.reduce((s, f) => s + f.accuracy, 0) / 5;
    assert.ok(Math.abs(report.accuracyMean - mean) < 1e-12);
  });

  it('the ROC area is 1 for separable scores and 0.5 for identical ones', () => {
    const separable = [0.9, 0.8, 0.7, 0.2, 0.1].map((s, i) => ({ similarity: s, same: i < 3, fold: 0 }));
    assert.equal(areaUnder(rocCurve(separable)), 1);
    const tied = [0.5, 0.5, 0.5, 0.5].map((s, i) => ({ similarity: s, same: i < 2, fold: 0 }));
    assert.equal(areaUnder(rocCurve(tied)), 0.5);
  });
});

describe('LFW files', () => {
  it('reads the development pairs: 5 folds of 300 same and 300 different pairs', () => {
    const pairs = readPairs(join(dataDir(), 'lfw', 'pairs.txt'));
    assert.equal(pairs.folds, 5);
    assert.equal(pairs.pairs.length, 3000);
    for (let fold = 0; fold < 5; fold++) {
      const inFold = pairs.pairs.filter((p) => p.fold === fold);
      assert.equal(inFold.filter((p) => p.same).length, 300);
      assert.equal(inFold.filter((p) => !p.same).length, 300);
    }
    assert.match(pairs.pairs[0].a, /^[A-Za-z_-]+\/[A-Za-z_-]+_\d{4}\.jpg$/);
  });

  it('scales landmarks and rejects malformed lines', () => {
    const m = parseLandmarks('a/a_0001.jpg\t10 20 30 40 50 60 70 80 90 100\n', 0.6);
    assert.deepEqual(Array.from(m.get('a/a_0001.jpg')).map((v) => +v.toFixed(6)), [6, 12, 18, 24, 30, 36, 42, 48, 54, 60]);
    assert.throws(() => parseLandmarks('a.jpg 1 2 3'), (e) => e.code === 'CONFIG_INVALID');
  });
});
