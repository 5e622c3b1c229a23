'use strict';
// Model manifest, verified fetch and lookup, against the real model files in FACE_REID_MODELS
// (read-only: every write goes to a fresh folder under os.tmpdir()).
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { modelsDir, projectRoot } = require('./helpers/env');
const models = require('../dist/models');
const { verificationStats } = require('../dist/models/verify');

const LANDMARKS = 'landmarks-regression-retail-0009';
const DETECTOR = 'face-detection-retail-0004';
const REID = 'face-reidentification-retail-0095';

const sha384 = (buf) => crypto.createHash('sha384').update(buf).digest('hex');
const created = [];
const tempDir = (tag) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `face-reid-${tag}-`));
  created.push(dir);
  return dir;
};
after(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every file under `dir`, relative, including hidden temp files. */
function listFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)));
  }
  return out.sort();
}

function withEnv(vars, fn) {
  const saved = {};
  for (const key of Object.keys(vars)) {
    saved[key] = process.env[key];
    if (vars[key] === undefined) delete process.env[key];
    else process.env[key] = vars[key];
  }
  const restore = () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  try {
    const result = fn();
    if (result && typeof result.then === 'function') return result.finally(restore);
    restore();
    return result;
  } catch (err) {
    restore();
    throw err;
  }
}

describe('model manifest', () => {
  it('lists every published file of the three models with URL, size and SHA-384 matching the OMZ list', () => {
    const omz = JSON.parse(fs.readFileSync(path.join(modelsDir(), 'omz-manifest.json'), 'utf8'));
    let count = 0;
    for (const model of models.MODEL_NAMES) {
      assert.deepEqual(models.publishedPrecisions(model), ['FP32', 'FP16', 'FP16-INT8']);
      for (const entry of omz[model]) {
        const [precision, file] = entry.name.split('/');
        const facts = models.modelFiles(model, precision)[file.endsWith('.xml') ? 'xml' : 'bin'];
        assert.deepEqual(facts, { size: entry.size, sha384: entry.sha384, url: entry.url });
        count++;
      }
    }
    assert.equal(count, 18);
    assert.equal(models.manifestRelease(), '2023.0');
  });

  it('agrees with the files on disk (SHA384SUMS)', () => {
    const sums = fs.readFileSync(path.join(modelsDir(), 'SHA384SUMS'), 'utf8').trim().split('\n');
    for (const line of sums) {
      const [hash, rel] = line.split(/\s+/);
      const [, model, precision, file] = rel.split('/');
      assert.equal(models.modelFiles(model, precision)[file.split('.').pop()].sha384, hash, rel);
    }
  });

  it('rejects unknown model names and precisions with argument errors', async () => {
    await assert.rejects(models.resolveModel('face-detection-retail-0005', 'FP16'), RangeError);
    await assert.rejects(models.resolveModel(42), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE');
    await assert.rejects(models.resolveModel(LANDMARKS, 'FP64'), RangeError);
    assert.throws(() => models.planFetch({ models: ['nope'] }), (e) => e instanceof RangeError && /Expected one of .* for options.models\[0\] but received "nope"/.test(e.message));
    assert.throws(() => models.planFetch({ precisions: ['INT4'] }), RangeError);
    assert.throws(() => models.planFetch({ from: 'ftp://x/y' }), RangeError);
  });
});

describe('fetchModels over HTTP (local server in the OMZ URL layout)', function () {
  let server;
  let base;
  let mode = 'ok';
  let requests = [];
  let onStalled;
  const stalled = [];

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url);
      const match = /^\/omz\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(req.url);
      if (mode === 'redirect' && req.url.startsWith('/moved/')) {
        res.writeHead(302, { location: req.url.replace('/moved/', '/omz/') });
        res.end();
        return;
      }
      if (!match) {
        res.writeHead(404).end();
        return;
      }
      const file = path.join(modelsDir(), match[1], match[2], match[3]);
      if (!fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.from(fs.readFileSync(file));
      if (mode === 'flip') body[body.length >> 1] ^= 0xff;
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
      if (mode === 'stall') {
        // Half the body, then silence: the client process gets killed while waiting.
        res.write(body.subarray(0, body.length >> 1), () => onStalled?.());
        stalled.push(res);
        return;
      }
      if (mode === 'cut') {
        // Half the body, then the connection drops: what a flaky network or a killed server does.
        res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket.destroy(), 20));
        return;
      }
      res.end(body);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}/omz`;
  });

  after(() => {
    for (const res of stalled) res.destroy();
    return new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    mode = 'ok';
    requests = [];
  });

  it('downloads files that land verified under their final names, then skips them on the next run', async () => {
    const dest = tempDir('fetch');
    const events = [];
    const results = await models.fetchModels({
      models: [LANDMARKS, DETECTOR],
      precisions: ['FP16-INT8'],
      from: base,
      dest,
      onProgress: (p) => events.push(p),
    });
    assert.deepEqual(results.map((r) => r.status), ['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    assert.deepEqual(listFiles(dest), [
      `${DETECTOR}/FP16-INT8/${DETECTOR}.bin`,
      `${DETECTOR}/FP16-INT8/${DETECTOR}.xml`,
      `${LANDMARKS}/FP16-INT8/${LANDMARKS}.bin`,
      `${LANDMARKS}/FP16-INT8/${LANDMARKS}.xml`,
    ]);
    for (const rel of listFiles(dest)) {
      const original = fs.readFileSync(path.join(modelsDir(), rel));
      assert.equal(sha384(fs.readFileSync(path.join(dest, rel))), sha384(original), rel);
    }
    const total = results.reduce((n, r) => n + r.facts.size, 0);
    const last = events[events.length - 1];
    assert.equal(last.event, 'done');
    assert.equal(last.bytes, total);
    assert.equal(last.totalBytes, total);
    assert.equal(requests.length, 4);

    requests = [];
    const again = await models.fetchModels({ models: [LANDMARKS, DETECTOR], precisions: ['FP16-INT8'], from: base, dest });
    assert.deepEqual(again.map((r) => r.status), ['present', 'present', 'present', 'present']);
    assert.equal(requests.length, 0, 'verified files must not be downloaded again');
  });

  it('follows redirects', async () => {
    mode = 'redirect';
    const dest = tempDir('redirect');
    const results = await models.fetchModels({ models: [LANDMARKS], precisions: ['FP16'], from: base.replace('/omz', '/moved'), dest });
    assert.deepEqual(results.map((r) => r.status), ['downloaded', 'downloaded']);
    assert.equal(requests.length, 4); // two redirects, two bodies
  });

  it('refuses and removes a corrupted download, naming expected and actual SHA-384', async () => {
    mode = 'flip';
    const dest = tempDir('corrupt');
    const original = fs.readFileSync(path.join(modelsDir(), LANDMARKS, 'FP16', `${LANDMARKS}.xml`));
    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1] ^= 0xff;
    const expected = models.modelFiles(LANDMARKS, 'FP16').xml.sha384;
    await assert.rejects(models.fetchModels({ models: [LANDMARKS], from: base, dest }), (err) => {
      assert.equal(err.code, 'MODEL_HASH_MISMATCH');
      assert.ok(err.message.includes(expected), err.message);
      assert.ok(err.message.includes(sha384(flipped)), err.message);
      assert.ok(err.message.includes(`${base}/${LANDMARKS}/FP16/${LANDMARKS}.xml`), err.message);
      return true;
    });
    assert.deepEqual(listFiles(dest), [], 'neither the final name nor a temp file may remain');
  });

  it('leaves no file under the final name and no temp litter when the connection drops mid-body', async () => {
    mode = 'cut';
    const dest = tempDir('cut');
    await assert.rejects(models.fetchModels({ models: [REID], from: base, dest }), (err) => {
      assert.equal(err.code, 'DOWNLOAD_FAILED');
      assert.match(err.message, /interrupted after \d+ of 350427 bytes/);
      return true;
    });
    assert.deepEqual(listFiles(dest), []);
  });

  /** Runs `face-reid models fetch` in a child process and sends it `signal` once the server has sent half a file. */
  function killMidDownload(dest, signal) {
    mode = 'stall';
    const cli = path.join(projectRoot, 'dist', 'cli', 'main.js');
    const child = require('node:child_process').spawn(
      process.execPath,
      [cli, 'models', 'fetch', '--model', REID, '--from', base, '--dest', dest, '--quiet'],
      { stdio: 'ignore' },
    );
    return new Promise((resolve, reject) => {
      onStalled = () => setTimeout(() => child.kill(signal), 200); // let the child write what it got
      child.on('error', reject);
      child.on('exit', (code, sig) => {
        onStalled = undefined;
        resolve({ code, sig });
      });
    });
  }

  it('a fetch process stopped with SIGTERM leaves neither the final name nor temp files', async () => {
    const dest = tempDir('sigterm');
    const { code } = await killMidDownload(dest, 'SIGTERM');
    assert.equal(code, 143);
    assert.deepEqual(listFiles(dest), []);
  });

  it('a fetch process killed with SIGKILL leaves no final name; the next fetch clears its temp file', async () => {
    const dest = tempDir('sigkill');
    const { sig } = await killMidDownload(dest, 'SIGKILL');
    assert.equal(sig, 'SIGKILL');
    const left = listFiles(dest);
    assert.ok(left.every((f) => /\/\.[^/]+\.\d+-[0-9a-f]+\.part$/.test(f)), `only hidden temp files may remain: ${left}`);
    mode = 'ok';
    const results = await models.fetchModels({ models: [REID], from: base, dest });
    assert.deepEqual(results.map((r) => r.status), ['downloaded', 'downloaded']);
    assert.deepEqual(listFiles(dest), [`${REID}/FP16/${REID}.bin`, `${REID}/FP16/${REID}.xml`]);
  });

  it('replaces a present but corrupted file, and clears temp files left by a killed fetch', async () => {
    const dest = tempDir('replace');
    await models.fetchModels({ models: [LANDMARKS], from: base, dest });
    const bin = path.join(dest, LANDMARKS, 'FP16', `${LANDMARKS}.bin`);
    const bytes = fs.readFileSync(bin);
    bytes[0] ^= 1;
    fs.writeFileSync(bin, bytes);
    // A temp file of a process that no longer exists (pid far above any live one here).
    let deadPid = 4_000_000;
    while ((() => { try { process.kill(deadPid, 0); return true; } catch (e) { return e.code === 'EPERM'; } })()) deadPid++;
    const stale = path.join(dest, LANDMARKS, 'FP16', `.${LANDMARKS}.bin.${deadPid}-0badf00d.part`);
    fs.writeFileSync(stale, 'partial');

    const results = await models.fetchModels({ models: [LANDMARKS], from: base, dest });
    assert.deepEqual(results.map((r) => r.status), ['present', 'downloaded']);
    assert.equal(sha384(fs.readFileSync(bin)), models.modelFiles(LANDMARKS, 'FP16').bin.sha384);
    assert.equal(fs.existsSync(stale), false);
  });

  it('gives up on a server that goes silent mid-body (idle timeout), leaving nothing behind', async () => {
    mode = 'stall';
    const dest = tempDir('stall');
    await assert.rejects(models.fetchModels({ models: [LANDMARKS], from: base, dest, timeoutMs: 300 }), (err) => {
      assert.equal(err.code, 'DOWNLOAD_FAILED');
      assert.match(err.message, /no data for 300 ms/);
      return true;
    });
    assert.deepEqual(listFiles(dest), []);
  });

  it('reports HTTP errors as DOWNLOAD_FAILED', async () => {
    await assert.rejects(
      models.fetchModels({ models: [REID], precisions: ['FP32'], from: base, dest: tempDir('404') }), // FP32 re-id is not served
      (err) => err.code === 'DOWNLOAD_FAILED' && /HTTP 404/.test(err.message),
    );
  });
});

describe('fetchModels from a folder', () => {
  it('copies with the same verify-then-rename and skips what is present', async () => {
    const dest = tempDir('copy');
    const results = await models.fetchModels({ models: [DETECTOR], precisions: 'all', from: modelsDir(), dest });
    assert.equal(results.length, 6);
    assert.ok(results.every((r) => r.status === 'copied'));
    for (const r of results) assert.equal(sha384(fs.readFileSync(r.dest)), r.facts.sha384);
    assert.equal(listFiles(dest).length, 6);
    const again = await models.fetchModels({ models: [DETECTOR], precisions: 'all', from: modelsDir(), dest });
    assert.ok(again.every((r) => r.status === 'present'));
  });

  it('refuses a corrupted source copy', async () => {
    const src = tempDir('badsrc');
    const dir = path.join(src, LANDMARKS, 'FP16');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(modelsDir(), LANDMARKS, 'FP16', `${LANDMARKS}.xml`), path.join(dir, `${LANDMARKS}.xml`));
    const bin = fs.readFileSync(path.join(modelsDir(), LANDMARKS, 'FP16', `${LANDMARKS}.bin`));
    fs.writeFileSync(path.join(dir, `${LANDMARKS}.bin`), bin.subarray(0, bin.length - 1));
    const dest = tempDir('baddest');
    await assert.rejects(models.fetchModels({ models: [LANDMARKS], from: src, dest }), (err) => err.code === 'MODEL_SIZE_MISMATCH');
    assert.deepEqual(listFiles(dest), [`${LANDMARKS}/FP16/${LANDMARKS}.xml`]);
  });

  it('defaults to the official URLs and to FACE_REID_MODELS, else the cache, as destination', () => {
    const cache = tempDir('cachedir');
    withEnv({ FACE_REID_MODELS: undefined, FACE_REID_CACHE_DIR: cache }, () => {
      const plan = models.planFetch({ models: [REID] });
      assert.deepEqual(plan.map((p) => p.source), [models.modelFiles(REID, 'FP16').xml.url, models.modelFiles(REID, 'FP16').bin.url]);
      assert.ok(plan[0].source.startsWith('https://storage.openvinotoolkit.org/'));
      assert.equal(plan[0].dest, path.join(cache, REID, 'FP16', `${REID}.xml`));
    });
    withEnv({ FACE_REID_MODELS: '/somewhere/models' }, () => {
      assert.equal(models.planFetch({ models: [REID] })[0].dest, path.join('/somewhere/models', REID, 'FP16', `${REID}.xml`));
    });
    withEnv({ FACE_REID_CACHE_DIR: undefined }, () => {
      assert.equal(models.cacheDir(), path.join(os.homedir(), '.cache', 'ov-face-reid', 'models'));
    });
  });
});

describe('resolveModel', () => {
  const shared = modelsDir();
  let optionDir;
  let envDir;
  let cache;

  before(async () => {
    [optionDir, envDir, cache] = ['opt', 'env', 'cache'].map(tempDir);
    for (const dest of [optionDir, envDir, cache]) await models.fetchModels({ models: [LANDMARKS], from: shared, dest });
  });

  it('looks in the modelDir option, then FACE_REID_MODELS, then the cache', async () => {
    await withEnv({ FACE_REID_MODELS: envDir, FACE_REID_CACHE_DIR: cache }, async () => {
      const fromOption = await models.resolveModel(LANDMARKS, 'FP16', { modelDir: optionDir });
      assert.deepEqual(fromOption, {
        xml: path.join(optionDir, LANDMARKS, 'FP16', `${LANDMARKS}.xml`),
        bin: path.join(optionDir, LANDMARKS, 'FP16', `${LANDMARKS}.bin`),
        dir: path.join(optionDir, LANDMARKS, 'FP16'),
        origin: 'modelDir option',
      });
      assert.equal((await models.resolveModel(LANDMARKS, 'FP16')).dir, path.join(envDir, LANDMARKS, 'FP16'));
      // A modelDir without this model falls through to the next place.
      assert.equal((await models.resolveModel(LANDMARKS, 'FP16', { modelDir: tempDir('empty') })).origin, 'FACE_REID_MODELS');
    });
    await withEnv({ FACE_REID_MODELS: undefined, FACE_REID_CACHE_DIR: cache }, async () => {
      const found = await models.resolveModel(LANDMARKS);
      assert.equal(found.origin, 'cache');
      assert.equal(found.dir, path.join(cache, LANDMARKS, 'FP16'));
    });
  });

  it('fails with MODEL_NOT_FOUND naming every place tried and the fetch command', async () => {
    const empty = tempDir('nothing');
    await withEnv({ FACE_REID_MODELS: envDir, FACE_REID_CACHE_DIR: cache }, async () => {
      await assert.rejects(models.resolveModel(DETECTOR, 'FP32', { modelDir: empty }), (err) => {
        assert.equal(err.code, 'MODEL_NOT_FOUND');
        for (const dir of [empty, envDir, cache]) assert.ok(err.message.includes(path.join(dir, DETECTOR, 'FP32')), err.message);
        assert.ok(err.message.includes(`face-reid models fetch --model ${DETECTOR} --precision FP32`), err.message);
        return true;
      });
    });
  });

  it('verifies size and SHA-384, remembers the result per file, and can skip verification', async () => {
    const dir = tempDir('verify');
    await models.fetchModels({ models: [LANDMARKS], from: shared, dest: dir });
    const before = verificationStats();
    await models.resolveModel(LANDMARKS, 'FP16', { modelDir: dir });
    const mid = verificationStats();
    assert.equal(mid.hashed - before.hashed, 2);
    await models.resolveModel(LANDMARKS, 'FP16', { modelDir: dir });
    const after = verificationStats();
    assert.equal(after.hashed, mid.hashed, 'a second resolve must not hash again');
    assert.equal(after.remembered - mid.remembered, 2);

    // Same size, one byte changed, rewritten (new mtime): the change is noticed.
    const bin = path.join(dir, LANDMARKS, 'FP16', `${LANDMARKS}.bin`);
    const bytes = fs.readFileSync(bin);
    bytes[100] ^= 0x55;
    fs.writeFileSync(bin, bytes);
    fs.utimesSync(bin, new Date(), new Date(Date.now() + 5000));
    await assert.rejects(models.resolveModel(LANDMARKS, 'FP16', { modelDir: dir }), (err) => {
      assert.equal(err.code, 'MODEL_HASH_MISMATCH');
      assert.ok(err.message.includes(models.modelFiles(LANDMARKS, 'FP16').bin.sha384));
      assert.ok(err.message.includes(sha384(bytes)));
      return true;
    });
    fs.writeFileSync(bin, bytes.subarray(0, 1000));
    await assert.rejects(models.resolveModel(LANDMARKS, 'FP16', { modelDir: dir }), (err) => err.code === 'MODEL_SIZE_MISMATCH');
    assert.equal((await models.resolveModel(LANDMARKS, 'FP16', { modelDir: dir, verify: false })).bin, bin);
  });

  it('finds the real shared models through FACE_REID_MODELS', async () => {
    for (const model of models.MODEL_NAMES) {
      const found = await models.resolveModel(model, 'FP16');
      assert.equal(found.origin, 'FACE_REID_MODELS');
      assert.ok(found.xml.startsWith(shared));
    }
  });
});

describe('face-reid models (CLI)', () => {
  const cli = path.join(projectRoot, 'dist', 'cli', 'main.js');

  it('fetch copies verified files from a folder; list shows them verified', () => {
    const dest = tempDir('cli');
    const env = { ...process.env, FACE_REID_CACHE_DIR: tempDir('clicache') };
    const fetched = spawnSync(process.execPath, [cli, 'models', 'fetch', '--model', LANDMARKS, '--from', modelsDir(), '--dest', dest], { env, encoding: 'utf8' });
    assert.equal(fetched.status, 0, fetched.stderr);
    assert.match(fetched.stdout, /2 files verified .* \(2 fetched/);
    const listed = spawnSync(process.execPath, [cli, 'models', 'list', '--model-dir', dest, '--json'], { env, encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout);
    const row = rows.find((r) => r.model === LANDMARKS && r.precision === 'FP16');
    assert.deepEqual(row.locations.map((l) => [l.origin, l.state]), [['modelDir option', 'verified'], ['FACE_REID_MODELS', 'verified'], ['cache', 'missing']]);
    assert.equal(rows.length, 9);
  });

  it('rejects an unknown model with an argument error and exit code 1', () => {
    const r = spawnSync(process.execPath, [cli, 'models', 'fetch', '--model', 'nope', '--dest', tempDir('clibad')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Expected one of .* for --model but received "nope"/);
  });
});
