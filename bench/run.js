'use strict';
// npm run bench [-- --only name[,name]] [--quick] [--no-write] [--render]
// Runs the benchmark modules (each exports run(options) -> rows), prints the ratio table with the
// machine beside it, and writes docs/benchmarks.md + docs/benchmarks.png (full runs only).
// FACE_REID_MODELS and FACE_REID_DATA name the models and LFW folders (default ../shared/...).
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { parseArgs } = require('node:util');
const { machine } = require('./lib');
const { renderMarkdown, renderTable, renderChart } = require('./report');

const root = resolve(__dirname, '..');
for (const [variable, sub] of [['FACE_REID_MODELS', 'models'], ['FACE_REID_DATA', 'data']]) {
  if (!process.env[variable]) process.env[variable] = resolve(root, '..', 'shared', sub);
}

/**
 * Benchmarks in run order, as [name, load]. Standalone scripts (bench/align.js, lfw-embed, match)
 * are included through bench/external.js.
 */
function modules() {
  const local = (file) => () => require(file);
  const list = [
    ['infer', local('./infer.js')],
    ['batch', local('./batch.js')],
    ['aligned', local('./aligned.js')],
    ['pipeline', local('./pipeline.js')],
    ['faceapi', local('./faceapi.js')],
    ['precision', local('./precision.js')],
    ['profile', local('./profile.js')],
    ['memory', local('./memory.js')],
    ['stream-speed', local('./stream-speed.js')],
  ];
  if (existsSync(join(__dirname, 'align.js'))) list.splice(2, 0, ['align', () => require('./external').align]);
  list.push(['lfw-embed', () => require('./external')['lfw-embed']]);
  list.push(['match', () => require('./external').match]);
  list.push(['gallery-search', local('./gallery-search.js')]);
  return list;
}

async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      out: { type: 'string', default: join(root, 'docs') },
      render: { type: 'boolean', default: false },
    },
  });
  if (values.render) {
    const { host, sections } = JSON.parse(readFileSync(join(values.out, 'benchmarks.json'), 'utf8'));
    await renderChart(sections.flatMap((s) => s.rows), host, join(values.out, 'benchmarks.png'));
    writeFileSync(join(values.out, 'benchmarks.md'), renderMarkdown(sections, host, 'benchmarks.png'));
    console.log(`re-rendered ${join(values.out, 'benchmarks.md')} from benchmarks.json`);
    return;
  }
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const host = machine();
  console.log(`machine: ${host.processor}, ${host.physicalCores} cores / ${host.logicalCores} threads, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}`);
  const sections = [];
  for (const [name, load] of modules()) {
    if (only && !only.has(name)) continue;
    const mod = load();
    console.log(`\n== ${name}: ${mod.title ?? ''}`);
    const started = Date.now();
    const rows = await mod.run({ quick: values.quick, log: (line) => console.log(`  ${line}`) });
    const seconds = (Date.now() - started) / 1000;
    sections.push({ name, title: mod.title ?? name, rows, seconds, notes: mod.notes });
    console.log(renderTable(rows));
  }
  const allRows = sections.flatMap((s) => s.rows);
  console.log(`\n${renderTable(allRows)}`);
  console.log(`machine: ${host.processor}, ${host.physicalCores} cores / ${host.logicalCores} threads`);
  // A partial run (--only) never overwrites the full report.
  if (!values['no-write'] && !only) {
    mkdirSync(values.out, { recursive: true });
    const png = join(values.out, 'benchmarks.png');
    await renderChart(allRows, host, png);
    writeFileSync(join(values.out, 'benchmarks.md'), renderMarkdown(sections, host, 'benchmarks.png'));
    // The raw rows too, so the report can be re-rendered (node bench/run.js --render) without re-measuring.
    writeFileSync(join(values.out, 'benchmarks.json'), `${JSON.stringify({ host, sections }, null, 1)}\n`);
    console.log(`wrote ${join(values.out, 'benchmarks.md')} and ${png}`);
  }
  const failed = allRows.filter((r) => r.pass === false);
  if (failed.length) {
    console.log(`goals missed: ${failed.map((r) => r.name).join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
