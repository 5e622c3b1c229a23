'use strict';
// Shared pieces of the benchmarks: medians, the machine description, the Python oracle server,
// and the row shape every benchmark module returns to bench/run.js.
const os = require('node:os');
const { readFileSync, mkdtempSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const readline = require('node:readline');
const { pythonExecutable, projectRoot } = require('../test/helpers/env');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds taken by `fn` (sync or async). */
async function timeMs(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Median milliseconds of `runs` calls of a synchronous `fn`. */
function medianSyncMs(runs, fn) {
  const times = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    times[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return median(times);
}

/** Median milliseconds of `runs` calls of an async `fn`, each awaited before the next. */
async function medianAsyncMs(runs, fn) {
  const times = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return median(times);
}

/**
 * Completed calls per second over `seconds`, with `lanes` loops running at once: lane i calls
 * `fn(i)`, awaits it, and calls again until the time is up. Also returns how many completed.
 */
async function callsPerSecond(seconds, lanes, fn) {
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (performance.now() - start < seconds * 1000) {
        await fn(lane);
        done++;
      }
    }),
  );
  return { rate: done / ((performance.now() - start) / 1000), done };
}

/**
 * Runs a script of bench/ in a child Node process and returns its stdout; a non-zero exit throws
 * with the end of its stderr. `nodeArgs` go before the script, `env` on top of this process's.
 */
function runNodeScript(file, args = [], { nodeArgs = [], env = {} } = {}) {
  const r = spawnSync(process.execPath, [...nodeArgs, join(__dirname, file), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${file} failed (${r.status}): ${(r.stderr || '').slice(-800)}`);
  return r.stdout;
}

/** Processor model and core counts, from /proc/cpuinfo where there is one (os.cpus() otherwise). */
function machine() {
  const cpus = os.cpus();
  let model = cpus[0]?.model ?? 'unknown';
  let physical;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const cores = new Set();
    let phys = '';
    for (const line of info.split('\n')) {
      const [k, v] = line.split(':').map((s) => s && s.trim());
      if (k === 'physical id') phys = v;
      if (k === 'core id') cores.add(`${phys}/${v}`);
      if (k === 'model name' && model === 'unknown') model = v;
    }
    physical = cores.size || undefined;
  } catch {
    // not Linux: logical processors only
  }
  return {
    processor: model,
    logicalCores: cpus.length,
    physicalCores: physical ?? cpus.length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

/** A scratch folder in the OS temp dir (benchmarks never write next to the shared data). */
function scratch() {
  return mkdtempSync(join(os.tmpdir(), 'face-reid-bench-'));
}

/**
 * A Python oracle (test/oracle/bench_oracle.py, or another script of that folder speaking its
 * protocol) as a long-lived child: `call` sends one command and resolves with its answer, so Node
 * and Python rounds can alternate within one run.
 */
class PythonOracle {
  constructor(script = 'bench_oracle.py') {
    this.script = script;
    this.child = spawn(pythonExecutable(), [join(projectRoot, 'test', 'oracle', script)], {
      cwd: join(projectRoot, 'test', 'oracle'),
      env: { ...process.env, PYTHONPATH: join(projectRoot, 'test', 'oracle') },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.lines = readline.createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async call(command) {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    const next = await Promise.race([this.lines.next(), this.exited.then((code) => ({ done: true, code }))]);
    if (next.done) throw new Error(`${this.script} exited (${next.code}) during ${command.cmd}`);
    const answer = JSON.parse(next.value);
    if (answer.error) throw new Error(`${this.script} ${command.cmd}: ${answer.error}`);
    return answer;
  }

  async close() {
    this.child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    await this.exited;
  }
}

/**
 * One line of the results table. `better` says which way is good for the unit; `ratio` is always
 * "ours relative to the reference in the reference's favourable sense": speed-up (> 1 = ours
 * faster) for times and rates, plain value ratio otherwise. `goal` is the requirement in words and
 * `pass` whether this run met it.
 */
function row({ bench, name, ours, reference, referenceName, unit, better = 'lower', goal, pass, note, ratio: paired }) {
  // `ratio` given: the median of per-round ratios, for benchmarks whose rounds pair ours with the
  // reference. On this shared machine the speed drifts between rounds, and a round's two sides see
  // the same drift, so their ratio is steadier than the ratio of the two overall medians.
  let ratio = paired;
  if (ratio === undefined && typeof ours === 'number' && typeof reference === 'number' && reference !== 0 && ours !== 0) {
    ratio = better === 'lower' ? reference / ours : ours / reference;
  }
  return { bench, name, ours, reference, referenceName, unit, better, ratio, goal, pass, note };
}

/** Median over rounds of ours[i] vs reference[i], as a speed-up in the sense of `better`. */
function pairedRatio(ours, reference, better = 'lower') {
  return median(ours.map((o, i) => (better === 'lower' ? reference[i] / o : o / reference[i])));
}

/**
 * Puts one section into docs/benchmarks.json (replacing the one of the same name) and renders
 * docs/benchmarks.md and the chart from it again, as `npm run bench` would have written them.
 */
function saveSection(section) {
  const file = join(__dirname, '..', 'docs', 'benchmarks.json');
  // The page's machine line is the last full run's; a section measured alone names its own.
  section = { ...section, host: machine(), measuredAt: new Date().toISOString() };
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  const at = saved.sections.findIndex((s) => s.name === section.name);
  if (at >= 0) saved.sections[at] = section;
  else saved.sections.push(section);
  writeFileSync(file, `${JSON.stringify(saved, null, 1)}\n`);
  runNodeScript('run.js', ['--render']);
}

module.exports = { saveSection, runNodeScript, median, medianSyncMs, medianAsyncMs, callsPerSecond, timeMs, machine, scratch, PythonOracle, row, pairedRatio };
