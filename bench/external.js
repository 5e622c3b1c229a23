'use strict';
// Adapters for the standalone benchmark scripts (bench/align.js, lfw-embed.js, match.js):
// each is run as a child process, unchanged, and its printed comparison lines become table rows.
// A line that no longer parses is reported as a note rather than guessed at.
const { row, runNodeScript } = require('./lib');

/** bench/align.js: "<name>  ours X µs   OpenCV Y µs   ratio R" lines. */
function alignRows(options = {}) {
  const out = runNodeScript('align.js', [String(options.quick ? 1000 : 4000)]);
  const rows = [];
  for (const line of out.split('\n')) {
    const m = /^(.+?)\s+ours\s+([\d.]+)\s*µs\s+OpenCV\s+([\d.]+)\s*µs/.exec(line.trim());
    if (m) rows.push(row({ bench: 'align', name: m[1].trim(), ours: Number(m[2]), reference: Number(m[3]), referenceName: 'OpenCV (Python cv2)', unit: /resize/.test(m[1]) ? 'µs/frame' : 'µs/face', better: 'lower', note: 'bench/align.js (alignment room), 1920x1080 frame' }));
  }
  if (!rows.length) rows.push(row({ bench: 'align', name: 'bench/align.js', note: `output not understood: ${out.slice(0, 300)}` }));
  return rows;
}

/** bench/match.js: the gallery's match against 100,000 identities vs a naive Array reference. */
function matchRows() {
  const out = runNodeScript('match.js', []);
  const rows = [];
  const ours = /match \(simd, k=5\) vs 100000 identities × 256: median ([\d.]+) ms/.exec(out);
  const ref = /reference \(Array rows, map \+ full sort\): median ([\d.]+) ms/.exec(out);
  if (ours && ref) rows.push(row({ bench: 'match', name: 'gallery match, 100,000 identities x 256', ours: Number(ours[1]), reference: Number(ref[1]), referenceName: 'naive JS (Array rows, map + full sort)', unit: 'ms/query', better: 'lower', goal: 'median <= 5 ms', pass: Number(ours[1]) <= 5, note: 'bench/match.js, k=5, 300 queries' }));
  const add = /add\(\) one transaction each \(WAL, synchronous=NORMAL\): ([\d.]+) samples\/s/.exec(out);
  if (add) rows.push(row({ bench: 'match', name: 'gallery add(), one transaction each', ours: Number(add[1]), unit: 'samples/s', better: 'higher', note: 'bench/match.js' }));
  if (!rows.length) rows.push(row({ bench: 'match', name: 'bench/match.js', note: `output not understood: ${out.slice(-300)}` }));
  return rows;
}

/** bench/lfw-embed.js: embeddings per second on 1,000 LFW faces decoded in memory, THROUGHPUT. */
function lfwEmbedRows() {
  const out = runNodeScript('lfw-embed.js', []);
  const m = /ours ([\d.]+) faces\/s, python ([\d.]+) faces\/s/.exec(out.split('\n').filter(Boolean).at(-1) || '');
  if (!m) return [row({ bench: 'lfw-embed', name: 'bench/lfw-embed.js', note: `output not understood: ${out.slice(-300)}` })];
  return [row({ bench: 'lfw-embed', name: 'embeddings, 1,000 LFW faces in memory', ours: Number(m[1]), reference: Number(m[2]), referenceName: 'Python cv2.warpAffine + AsyncInferQueue', unit: 'faces/s', better: 'higher', note: 'bench/lfw-embed.js, THROUGHPUT hint, landmarks given' })];
}

module.exports = {
  'lfw-embed': { run: async () => lfwEmbedRows(), title: 'Embeddings per second on LFW (bench/lfw-embed.js)' },
  match: { run: async () => matchRows(), title: 'Gallery matching (bench/match.js)' },
  align: { run: async (o) => alignRows(o), title: 'Alignment kernels (bench/align.js: µs per face vs OpenCV)' },
};
