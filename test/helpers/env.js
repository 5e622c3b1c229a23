'use strict';
// Where the tests find real models, real data, the Python oracle, and where they may write.
// `.ci/run` sets FACE_REID_MODELS and FACE_REID_DATA to ../shared; nothing here is ever written there.
const { existsSync, mkdirSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { spawnSync } = require('node:child_process');

const projectRoot = resolve(__dirname, '..', '..');

function requireDir(variable, what, example) {
  const dir = process.env[variable];
  if (!dir || !existsSync(dir)) {
    throw new Error(
      `${what} not found: set ${variable} to a folder holding them, for example ` +
        `\`${variable}=${example} npm test\` (currently ${dir ? `"${dir}", which does not exist` : 'unset'}).`,
    );
  }
  return resolve(dir);
}

/** Open Model Zoo layout: <model>/<precision>/<model>.xml|.bin */
function modelsDir() {
  return requireDir('FACE_REID_MODELS', 'Model files', '../shared/models');
}

function modelPath(model, precision = 'FP16') {
  const base = join(modelsDir(), model, precision, model);
  return { xml: `${base}.xml`, bin: `${base}.bin` };
}

/** ../shared/data: lfw/ with raw150, deepfunneled250, pairs.txt, landmarks*.txt */
function dataDir() {
  return requireDir('FACE_REID_DATA', 'Test data (LFW development folds)', '../shared/data');
}

/** A writable folder for pictures and reports the tests produce. */
function outputDir(sub = '') {
  const dir = join(process.env.FACE_REID_TEST_OUTPUT || join(projectRoot, 'test-output'), sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function pythonExecutable() {
  const candidates = [process.env.FACE_REID_PYTHON, join(projectRoot, '.venv', 'bin', 'python')].filter(Boolean);
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  throw new Error('The Python oracle is not set up: run `npm run setup:oracle` (or set FACE_REID_PYTHON).');
}

/**
 * Runs test/oracle/<script> with the oracle's Python; stdin and stdout carry whatever the script
 * defines (JSON or raw float32). Throws with the script's stderr when it fails.
 */
function runOracle(script, args = [], input = undefined, options = {}) {
  const result = spawnSync(pythonExecutable(), [join(projectRoot, 'test', 'oracle', script), ...args], {
    input,
    maxBuffer: 1 << 30,
    encoding: options.encoding ?? 'utf8',
    env: { ...process.env, PYTHONPATH: '' },
  });
  if (result.status !== 0) {
    throw new Error(`oracle ${script} failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout;
}

module.exports = { projectRoot, modelsDir, modelPath, dataDir, outputDir, pythonExecutable, runOracle };
