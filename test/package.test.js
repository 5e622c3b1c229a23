'use strict';
// The npm package works the moment it is unpacked: `npm pack`, install the tarball with
// --ignore-scripts into a fresh project whose PATH has no compiler, then run `face-reid compare`,
// `face-reid doctor` (healthy and without a runtime) and a TypeScript program compiled against
// the shipped .d.ts. Uses the prebuilt binary that `scripts/prebuild.sh` (the release step) makes.
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync, readdirSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, dirname } = require('node:path');
const { projectRoot, modelsDir, dataDir } = require('./helpers/env');

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 300_000, ...options });
  if (result.error) throw result.error;
  return result;
}

function ok(result, what) {
  assert.strictEqual(result.status, 0, `${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** A bin folder with node, npm, npx and a shell only: no g++, cc, cmake, make, python. */
function bareBin(dir) {
  mkdirSync(dir, { recursive: true });
  const node = process.execPath;
  const npmCli = realpathSync(run('sh', ['-c', 'command -v npm']).stdout.trim());
  const npxCli = join(dirname(npmCli), 'npx-cli.js');
  symlinkSync(node, join(dir, 'node'));
  // npm and npx are JS files with a `#!/usr/bin/env node` line: env plus node is all they need.
  symlinkSync(npmCli, join(dir, 'npm'));
  symlinkSync(existsSync(npxCli) ? npxCli : npmCli, join(dir, 'npx'));
  for (const tool of ['sh', 'env']) symlinkSync(realpathSync(run('sh', ['-c', `command -v ${tool}`]).stdout.trim()), join(dir, tool));
  return dir;
}

function lfwCase(name) {
  const lfw = join(dataDir(), 'lfw');
  const line = readFileSync(join(lfw, 'landmarks-deepfunneled.txt'), 'utf8').split('\n').find((l) => l.startsWith(`${name}\t`));
  assert.ok(line, `${name} missing from landmarks-deepfunneled.txt`);
  return { image: join(lfw, 'deepfunneled250', name), landmarks: line.split('\t').slice(1).join(',') };
}

describe('npm package (pack, install without compiler or install scripts, run)', function () {
  this.timeout(600_000);
  let work;
  let tarball;
  let packInfo;
  let app;
  let env;
  const runtimeLibs = realpathSync(join(projectRoot, '.openvino', 'openvino', 'libs'));

  before(function () {
    assert.ok(existsSync(join(projectRoot, 'dist', 'index.d.ts')), 'build the TypeScript first (npm run build)');
    // The release step: a prebuilt binary for this platform inside prebuilds/.
    ok(run('bash', [join(projectRoot, 'scripts', 'prebuild.sh')], { cwd: projectRoot }), 'scripts/prebuild.sh');
    work = mkdtempSync(join(tmpdir(), 'face-reid-pack-'));
    const packed = ok(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: projectRoot }), 'npm pack');
    packInfo = JSON.parse(packed.stdout)[0];
    tarball = join(work, packInfo.filename);

    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'edge-service', version: '1.0.0', private: true }));
    const bin = bareBin(join(work, 'bin'));
    env = {
      PATH: bin,
      HOME: join(work, 'home'),
      // The user's npm cache keeps the install offline-friendly (sharp's platform packages).
      npm_config_cache: process.env.npm_config_cache || join(process.env.HOME || '/root', '.npm'),
      FACE_REID_MODELS: modelsDir(),
      FACE_REID_CACHE_DIR: join(work, 'model-cache'),
      FACE_REID_RUNTIME_DIR: join(work, 'no-runtime-here'),
    };
    for (const tool of ['g++', 'cc', 'gcc', 'cmake', 'make', 'python3']) {
      assert.notStrictEqual(run('sh', ['-c', `command -v ${tool}`], { env }).status, 0, `${tool} must not be on the bare PATH`);
    }
    ok(run('npm', ['install', tarball, '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, env }), 'npm install <tarball> --ignore-scripts');
  });

  after(function () {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the prebuilt addon, no model weights, tests or build trees; reports its size', function () {
    const files = packInfo.files.map((f) => f.path);
    assert.ok(files.includes('prebuilds/linux-x64/ov-face-reid.napi.glibc.node'), `no prebuilt binary in ${files.join(', ')}`);
    assert.ok(files.includes('dist/index.d.ts') && files.includes('dist/cli/main.js'));
    assert.ok(files.includes('models/manifest.json'));
    for (const f of files) {
      assert.ok(!/\.(bin|xml|onnx)$/.test(f), `model weights in the package: ${f}`);
      assert.ok(!/^(test|bench|build[^/]*|\.cache|\.openvino|\.venv|node_modules|test-output)\//.test(f), `not for the package: ${f}`);
      assert.ok(!f.endsWith('.map'), `source map without sources: ${f}`);
    }
    console.log(`      tarball ${packInfo.filename}: ${packInfo.size} bytes packed, ${packInfo.unpackedSize} unpacked, ${files.length} files`);
    assert.ok(packInfo.size < 1_000_000, `tarball unexpectedly large: ${packInfo.size}`);
  });

  it('face-reid compare works on two LFW photos (same person, then different people)', function () {
    const a = lfwCase('Aaron_Sorkin/Aaron_Sorkin_0001.jpg');
    const b = lfwCase('Aaron_Sorkin/Aaron_Sorkin_0002.jpg');
    const c = lfwCase('Aaron_Patterson/Aaron_Patterson_0001.jpg');
    const cli = join(app, 'node_modules', '.bin', 'face-reid');
    const runEnv = { ...env, OPENVINO_LIB_PATH: runtimeLibs };
    const same = JSON.parse(ok(run(cli, ['compare', a.image, b.image, '--landmarks-a', a.landmarks, '--landmarks-b', b.landmarks, '--json'], { cwd: app, env: runEnv }), 'compare').stdout);
    const other = JSON.parse(ok(run(cli, ['compare', a.image, c.image, '--landmarks-a', a.landmarks, '--landmarks-b', c.landmarks, '--json'], { cwd: app, env: runEnv }), 'compare').stdout);
    assert.strictEqual(same.same, true, JSON.stringify(same));
    assert.strictEqual(other.same, false, JSON.stringify(other));
    assert.ok(same.similarity > other.similarity + 0.2);
  });

  it('a TypeScript program compiled against the shipped .d.ts embeds and verifies', function () {
    const a = lfwCase('Aaron_Sorkin/Aaron_Sorkin_0001.jpg');
    const b = lfwCase('Aaron_Sorkin/Aaron_Sorkin_0002.jpg');
    writeFileSync(
      join(app, 'main.ts'),
      `import { FaceReid, verify, openvino, EMBEDDING_SIZE, type FaceReidOptions } from 'ov-face-reid';
const points = (text: string): number[] => text.split(',').map(Number);
async function main(): Promise<void> {
  const options: FaceReidOptions = { precision: 'FP16', engine: 'c-api' };
  const reid = await FaceReid.create(options);
  try {
    const [a, b] = await reid.embedBatch([
      { image: ${JSON.stringify(a.image)}, landmarks: points(${JSON.stringify(a.landmarks)}) },
      { image: ${JSON.stringify(b.image)}, landmarks: points(${JSON.stringify(b.landmarks)}) },
    ]);
    const result: { similarity: number; same: boolean } = verify(a, b);
    console.log(JSON.stringify({ length: a.length, expected: EMBEDDING_SIZE, version: openvino.version(), ...result }));
  } finally {
    reid.close();
  }
}
main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
`,
    );
    const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    ok(
      run(process.execPath, [tsc, '--strict', '--module', 'commonjs', '--target', 'ES2022', '--typeRoots', join(projectRoot, 'node_modules', '@types'), '--types', 'node', 'main.ts'], { cwd: app, env }),
      'tsc against the shipped .d.ts',
    );
    const out = JSON.parse(ok(run(process.execPath, ['main.js'], { cwd: app, env: { ...env, OPENVINO_LIB_PATH: runtimeLibs } }), 'typed program').stdout);
    assert.strictEqual(out.length, 256);
    assert.strictEqual(out.expected, 256);
    assert.match(out.version, /^2026\.4\.1/);
    assert.strictEqual(out.same, true);
  });

  it('a type error against the shipped .d.ts is caught (the check above is not vacuous)', function () {
    writeFileSync(join(app, 'bad.ts'), `import { FaceReid } from 'ov-face-reid';\nFaceReid.create({ engine: 'tensorflow' });\n`);
    const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = run(process.execPath, [tsc, '--strict', '--noEmit', '--typeRoots', join(projectRoot, 'node_modules', '@types'), '--types', 'node', 'bad.ts'], { cwd: app, env });
    assert.notStrictEqual(result.status, 0);
    assert.match(result.stdout, /tensorflow/);
  });

  it('face-reid doctor on the healthy install: prebuilt addon, runtime, devices, verified models; exit 0', function () {
    const cli = join(app, 'node_modules', '.bin', 'face-reid');
    const text = ok(run(cli, ['doctor'], { cwd: app, env: { ...env, OPENVINO_LIB_PATH: runtimeLibs } }), 'doctor');
    assert.match(text.stdout, /^ok\s+addon: prebuilt: .*node_modules\/ov-face-reid\/prebuilds\/linux-x64\/ov-face-reid\.napi\.glibc\.node$/m);
    assert.match(text.stdout, /^ok\s+runtime: OpenVINO 2026\.4\.1/m);
    assert.match(text.stdout, /^Ready/m);
    const report = JSON.parse(ok(run(cli, ['doctor', '--json'], { cwd: app, env: { ...env, OPENVINO_LIB_PATH: runtimeLibs } }), 'doctor --json').stdout);
    assert.strictEqual(report.ok, true);
    const models = report.checks.filter((c) => c.name.startsWith('model '));
    assert.strictEqual(models.length, 3);
    for (const m of models) {
      assert.strictEqual(m.status, 'ok');
      assert.match(m.details.xml.sha384, /^[0-9a-f]{96}$/);
      assert.strictEqual(m.details.bin.sha384, m.details.expected.bin);
    }
  });

  it('face-reid doctor without a runtime: runtime MISSING with its fix, exit 1', function () {
    const cli = join(app, 'node_modules', '.bin', 'face-reid');
    // No OPENVINO_LIB_PATH, no /opt/intel, no system package, an empty user runtime folder.
    const result = run(cli, ['doctor'], { cwd: app, env });
    assert.strictEqual(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^MISSING\s+runtime: The OpenVINO runtime \(libopenvino_c\) was not found/m);
    assert.match(result.stdout, /fix: `face-reid runtime install`.*OPENVINO_LIB_PATH/);
    assert.match(result.stdout, /^Not ready/m);
    const json = JSON.parse(run(cli, ['doctor', '--json'], { cwd: app, env }).stdout);
    const runtime = json.checks.find((c) => c.name === 'runtime');
    assert.strictEqual(runtime.status, 'missing');
    assert.strictEqual(runtime.details.code, 'RUNTIME_NOT_FOUND');
    // And with the models gone too: each model is reported with the command that fetches it.
    const noModels = run(cli, ['doctor'], { cwd: app, env: { ...env, FACE_REID_MODELS: join(work, 'empty-models') } });
    assert.strictEqual(noModels.status, 1);
    assert.match(noModels.stdout, /fix: face-reid models fetch --model face-reidentification-retail-0095 --precision FP16/);
  });

  it('face-reid runtime without Python prints every way to get the runtime, honest about openvino-node', function () {
    const cli = join(app, 'node_modules', '.bin', 'face-reid');
    const result = run(cli, ['runtime', 'install'], { cwd: app, env: { ...env, PYTHON: '' } });
    assert.strictEqual(result.status, 1);
    assert.match(result.stderr, /Python 3 with pip was not found/);
    assert.match(result.stdout, /Intel archive/);
    assert.match(result.stdout, /APT\/YUM packages/);
    assert.match(result.stdout, /pip wheel \(face-reid runtime install\)/);
  });

  it('the installed package lists no install script and needs none', function () {
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules', 'ov-face-reid', 'package.json'), 'utf8'));
    for (const hook of ['preinstall', 'install', 'postinstall']) assert.strictEqual(pkg.scripts?.[hook], undefined, hook);
    assert.deepStrictEqual(readdirSync(join(app, 'node_modules', 'ov-face-reid', 'prebuilds')), ['linux-x64']);
  });
});
