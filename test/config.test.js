'use strict';
const assert = require('node:assert/strict');
const { writeFileSync, mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { loadConfig, validateConfig, modelSection } = require('../dist/config');

describe('configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'face-reid-config-'));

  it('reads a file, then the environment, then explicit overrides', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ detector: { device: 'CPU', confidence: 0.7 }, reid: { device: 'AUTO:CPU', config: { NUM_STREAMS: 1 } } }));
    const config = loadConfig({ file, env: {}, overrides: { reid: { config: { PERFORMANCE_HINT: 'LATENCY' } } } });
    assert.equal(config.detector.confidence, 0.7);
    assert.equal(modelSection(config, 'reid').device, 'AUTO:CPU');
    assert.deepEqual(config.reid.config, { NUM_STREAMS: 1, PERFORMANCE_HINT: 'LATENCY' });
    assert.equal(modelSection(config, 'landmarks').device, 'CPU');
    const fromEnv = loadConfig({ file, env: { FACE_REID_DEVICE: 'GPU' } });
    assert.equal(modelSection(fromEnv, 'reid').device, 'GPU');
    assert.equal(modelSection(fromEnv, 'detector').device, 'GPU');
  });

  it('FACE_REID_CONFIG names the file when no path is given', () => {
    const file = join(dir, 'env.json');
    writeFileSync(file, JSON.stringify({ landmarks: { precision: 'FP32' } }));
    assert.equal(loadConfig({ env: { FACE_REID_CONFIG: file } }).landmarks.precision, 'FP32');
  });

  it('names the bad key, with a suggestion for a misspelling', () => {
    assert.throws(() => validateConfig({ detector: { confidnce: 0.5 } }), (e) => e.code === 'CONFIG_INVALID' && /config\.detector\.confidnce/.test(e.message) && /did you mean "confidence"/.test(e.message));
    assert.throws(() => validateConfig({ reid: { precision: 'FP8' } }), /config\.reid\.precision: expected "FP16"/);
    assert.throws(() => validateConfig({ detector: { confidence: 2 } }), /config\.detector\.confidence: expected a number in \[0, 1\]/);
    assert.throws(() => validateConfig([]), /expected an object/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    assert.throws(() => loadConfig({ file: bad, env: {} }), (e) => e.code === 'CONFIG_INVALID' && e.message.includes(bad));
    assert.throws(() => loadConfig({ file: join(dir, 'missing.json'), env: {} }), (e) => e.code === 'CONFIG_INVALID' && /Cannot read/.test(e.message));
  });
});

describe('configuration: device precedence', () => {
  it('a later layer\'s top-level device replaces the devices earlier layers gave the sections', () => {
    const { mergeConfig } = require('../dist/config');
    const merged = mergeConfig({ detector: { device: 'GPU' }, reid: { device: 'NPU' } }, { device: 'CPU', reid: { device: 'AUTO:CPU' } });
    assert.equal(merged.detector.device, 'CPU');
    assert.equal(merged.landmarks.device, 'CPU');
    assert.equal(merged.reid.device, 'AUTO:CPU');
    const viaEnv = loadConfig({ env: { FACE_REID_DEVICE: 'GPU' }, overrides: { device: 'CPU' } });
    assert.equal(modelSection(viaEnv, 'detector').device, 'CPU');
  });
});
