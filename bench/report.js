'use strict';
// Rendering of benchmark rows: a plain-text table for the terminal, docs/benchmarks.md, and the
// ratio chart (src/util/chart.ts bars rendered to PNG).
const { barChartSvg, writeSvgAsPng } = require('../dist/util/chart');

function fmt(value) {
  if (typeof value !== 'number') return value === undefined ? '' : String(value);
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(3);
  return value.toPrecision(3);
}

function ratioText(r) {
  if (r.ratio === undefined) return '';
  return `${r.ratio.toFixed(3)}x`;
}

function verdict(r) {
  if (r.pass === undefined) return '';
  return r.pass ? 'met' : 'MISSED';
}

const COLUMNS = [
  ['benchmark', (r) => r.name],
  ['ours', (r) => fmt(r.ours)],
  ['reference', (r) => fmt(r.reference)],
  ['unit', (r) => r.unit],
  ['ours vs ref', ratioText],
  ['reference is', (r) => r.referenceName ?? ''],
  ['goal', (r) => (r.goal ? `${r.goal}: ${verdict(r)}` : '')],
];

function renderTable(rows) {
  const cells = rows.map((r) => COLUMNS.map(([, f]) => f(r)));
  const widths = COLUMNS.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values) => values.map((v, i) => v.padEnd(widths[i])).join('  ');
  return [line(COLUMNS.map(([h]) => h)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function machineLine(host) {
  return `${host.processor}, ${host.physicalCores} cores / ${host.logicalCores} threads, ${host.memoryGiB} GiB RAM, ${host.os}, Node ${host.node}`;
}

function escapeCell(text) {
  return String(text).replace(/\|/g, '\\|');
}

function renderMarkdown(sections, host, pngName) {
  const out = [
    '# Benchmarks',
    '',
    'Regenerate with `npm run bench` (FACE_REID_MODELS / FACE_REID_DATA name the models and LFW folders).',
    'Every comparison runs both sides on this machine in the same run, alternating rounds; figures are medians over rounds.',
    '"ours vs ref" is the speed-up for times and rates (> 1: ours is faster) and the plain ratio for other units; where rounds pair ours with the reference (inference and pipeline rows) it is the median of the per-round ratios, which the machine\'s drift between rounds disturbs less than the ratio of the two medians.',
    '',
    `**Machine:** ${machineLine(host)}`,
    '',
    `![ours relative to each reference](${pngName})`,
    '',
  ];
  for (const s of sections) {
    const alone = s.host ? `, measured on its own on ${s.measuredAt.slice(0, 16).replace('T', ' ')} UTC: ${machineLine(s.host)}` : '';
    out.push(`## ${s.title}`, '', `_${s.seconds.toFixed(0)} s${alone}_`, '');
    out.push(`| ${COLUMNS.map(([h]) => h).join(' | ')} | notes |`);
    out.push(`|${COLUMNS.map(() => '---').join('|')}|---|`);
    for (const r of s.rows) out.push(`| ${COLUMNS.map(([, f]) => escapeCell(f(r))).join(' | ')} | ${escapeCell(r.note ?? '')} |`);
    out.push('');
    if (s.notes) out.push(typeof s.notes === 'function' ? s.notes(s.rows) : s.notes, '');
  }
  out.push(`The chart shows speed ratios up to ${CHART_MAX}x; larger ones (the face-api rows) are in the tables only.`);
  return `${out.join('\n')}\n`;
}

const CHART_MAX = 5;

/** Labels fit the chart's 430-pixel label column (about 56 characters at 13 px). */
function shortLabel(r) {
  const ref = r.referenceName
    .replace(/^OpenVINO Python compiled\(\)$/, 'Python')
    .replace(/ \(.*$/, '')
    .replace(/^Python (cv2|OMZ).*$/, 'Python')
    .replace(/ -hint throughput$/, '')
    .replace(/^OpenCV.*$/, 'OpenCV');
  const name = r.name
    .replace(/^batch-1 latency/, 'latency')
    .replace(/ vs (Python|benchmark_app)$/, '')
    .replace(/aligned embedding \(frame \+ landmarks\)/, 'aligned embedding')
    .replace(/^whole pipeline, decoded frame, LATENCY$/, 'pipeline, LATENCY')
    .replace(/^whole pipeline, JPEG in, LATENCY$/, 'pipeline, JPEG in, LATENCY')
    .replace(/^whole pipeline, THROUGHPUT.*$/, 'pipeline, THROUGHPUT')
    .replace(/^embeddings, 1,000 LFW faces in memory$/, 'LFW embeddings');
  const label = `${name} / ${ref}`;
  return label.length > 56 ? `${label.slice(0, 55)}…` : label;
}

/** One bar per comparison with a speed ratio: ours relative to the reference (1 = parity). */
async function renderChart(rows, host, file) {
  // Speed ratios only; far-off peers (face-api, tens of x) would flatten the parity bars, so the
  // chart stops at CHART_MAX and those rows stay in the table.
  const bars = rows
    .filter((r) => r.ratio !== undefined && r.ratio <= CHART_MAX && ['ms', 'faces/s', 'frames/s', 'µs/face', 'µs/frame', 'ms/face', 'ms/photo'].includes(r.unit))
    // Red: a goal missed; green: ours faster; grey: ours slower where no goal is missed.
    .map((r) => ({ label: shortLabel(r), value: r.ratio, color: r.pass === false ? '#d62728' : r.ratio >= 1 ? '#2ca02c' : '#8c8c8c' }));
  const svg = barChartSvg({
    title: `Speed of ours / reference (> 1 = ours faster; red = goal missed), ${host.processor}, ${host.physicalCores} cores`,
    unit: 'x',
    bars,
    width: 1200,
    labelWidth: 430,
  });
  await writeSvgAsPng(svg, file);
}

module.exports = { renderTable, renderMarkdown, renderChart, fmt };
