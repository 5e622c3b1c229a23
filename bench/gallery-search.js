'use strict';
// Gallery search at scale: one query against N identities, the local in-memory matrix (exact,
// WebAssembly SIMD dot products, the work of the gallery's match) next to pgvector's HNSW index
// in a real PostgreSQL (ef_search 40, pgvector's default, and 100), with HNSW recall@1 against
// the exact answer. Also the database side of it: COPY load time, index build time and size.
//
// Usage: node bench/gallery-search.js [--identities N] [--queries Q] [--ef 40,100,...] [--build m:efc,...]
//          [--cluster-starts N] [--progress FILE] [--json FILE]
//        node bench/gallery-search.js --write FILE[,FILE]   (rows of earlier --json runs ->
//        the "gallery-search" section of docs/benchmarks.json and docs/benchmarks.md)
// As a bench/run.js module: 100,000 identities (20,000 with --quick) and 5 test-cluster starts.
//
// The data is generated but shaped like this project's embeddings (fitted to 3,600 LFW faces
// embedded with face-reidentification-retail-0095): identity centres from an anisotropic Gaussian
// whose variance falls off as exp(-k/50) over the 256 axes (participation ratio ~100, as
// measured: two people's embeddings meet at cosine 0.00 +- 0.09), and every stored sample or
// query a new view of its centre, plus noise with the same fall-off along other axes and a norm
// drawn per view, so that two views of one person meet at cosine ~0.67 (p10 0.52, p90 0.81 measured).
const { writeFileSync, readFileSync, rmSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { loadavg } = require('node:os');
const { parseArgs } = require('node:util');
const { Client } = require('pg');
const { startPostgres } = require('../test/helpers/postgres');
const { rng } = require('../test/helpers/random');
const { createDotKernel } = require('../dist/gallery/kernel');
const { topK } = require('../dist/gallery/topk');
const { row, median } = require('./lib');

const DIM = 256;
const ROW_BYTES = DIM * 4;
const FALLOFF = 50; // variance of axis k is exp(-k / FALLOFF), for centres and for noise
const NOISE = [0.4, 1.0]; // per-view noise norm: two views of one centre meet at cos ~ 1 / (1 + noise^2)
const EFS = [40, 100, 200, 400]; // 40 is pgvector's default
const BUILDS = [{ m: 16, efConstruction: 64 }, { m: 32, efConstruction: 128 }]; // pgvector's default first
const COPY_CHUNK = 50000; // rows per COPY file: bounds the buffer, and gives the progress lines
const SEQSCAN_CHECKS = 20;
const TITLE = 'Gallery search: local matrix vs pgvector HNSW in PostgreSQL (bench/gallery-search.js)';

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function gaussian(rand) {
  let spare;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = rand() || 1e-12;
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * rand();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}

function normalize(v) {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] *= n;
  return v;
}

/**
 * N stored samples (one per identity) written straight into a dot-product kernel's memory, and
 * Q queries, each a fresh view of a random stored identity. Centres are never kept: the query
 * identities are drawn first and their queries made when the generator passes their centre.
 */
function generate(identities, queryCount, seed, log) {
  const t0 = nowMs();
  const rand = rng(seed);
  const normal = gaussian(rand);
  const rowsOffset = ROW_BYTES; // the query occupies the first row's worth of memory
  const scoresOffset = rowsOffset + identities * ROW_BYTES;
  const pages = Math.ceil((scoresOffset + identities * 4) / 65536);
  const kernel = createDotKernel(pages);
  const rows = new Float32Array(kernel.memory.buffer, rowsOffset, identities * DIM);
  const queries = new Float32Array(queryCount * DIM);
  const truth = new Int32Array(queryCount);
  const wanted = new Map();
  for (let q = 0; q < queryCount; q++) {
    const id = Math.floor(rand() * identities);
    if (!wanted.has(id)) wanted.set(id, []);
    wanted.get(id).push(q);
  }
  const centreScale = Float32Array.from({ length: DIM }, (_, k) => Math.exp(-k / FALLOFF / 2));
  // The noise falls off along a shuffled order of the axes: within-person variation does not
  // follow the directions that tell people apart.
  const noiseScale = Float32Array.from(centreScale);
  for (let k = DIM - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    [noiseScale[k], noiseScale[j]] = [noiseScale[j], noiseScale[k]];
  }
  const centre = new Float32Array(DIM);
  const noise = new Float32Array(DIM);
  const view = (out) => {
    for (let d = 0; d < DIM; d++) noise[d] = noiseScale[d] * normal();
    normalize(noise);
    const norm = NOISE[0] + (NOISE[1] - NOISE[0]) * rand();
    for (let d = 0; d < DIM; d++) out[d] = centre[d] + norm * noise[d];
    normalize(out);
  };
  for (let i = 0; i < identities; i++) {
    for (let d = 0; d < DIM; d++) centre[d] = centreScale[d] * normal();
    normalize(centre);
    view(rows.subarray(i * DIM, (i + 1) * DIM));
    for (const q of wanted.get(i) ?? []) {
      view(queries.subarray(q * DIM, (q + 1) * DIM));
      truth[q] = i;
    }
  }
  log(`generated ${identities} identities and ${queryCount} queries in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
  return { identities, kernel, rows, rowsOffset, scoresOffset, queries, truth };
}

/**
 * Exact search on the local matrix, the work of the gallery's match: dot products of the query
 * with every row, the best per identity (one row each here), then the top 5.
 */
function localSearch(data, q, best, rowIdentity) {
  const { kernel, identities, rowsOffset, scoresOffset } = data;
  new Float32Array(kernel.memory.buffer, 0, DIM).set(data.queries.subarray(q * DIM, (q + 1) * DIM));
  kernel.dots(rowsOffset, 0, scoresOffset, identities);
  const scores = new Float32Array(kernel.memory.buffer, scoresOffset, identities);
  best.fill(-Infinity);
  for (let r = 0; r < identities; r++) if (scores[r] > best[rowIdentity[r]]) best[rowIdentity[r]] = scores[r];
  return topK(best, identities, 5)[0].index;
}

const vectorText = (v) => `[${Array.from(v, (x) => x.toPrecision(8)).join(',')}]`;

/** Binary COPY of rows [from, to): pgvector's binary form is int16 dim, int16 0, float4[dim] big-endian. */
function copyFile(data, from, to) {
  const tuple = 2 + 4 + 4 + 4 + 4 + ROW_BYTES;
  const buf = Buffer.alloc(19 + (to - from) * tuple + 2);
  buf.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
  let o = 19; // signature (11), flags (4), header extension length (4)
  for (let i = from; i < to; i++) {
    o = buf.writeInt16BE(2, o);
    o = buf.writeInt32BE(4, o);
    o = buf.writeInt32BE(i, o);
    o = buf.writeInt32BE(4 + ROW_BYTES, o);
    o = buf.writeInt16BE(DIM, o);
    o = buf.writeInt16BE(0, o);
    const base = i * DIM;
    for (let d = 0; d < DIM; d++) o = buf.writeFloatBE(data.rows[base + d], o);
  }
  buf.writeInt16BE(-1, o);
  return buf;
}

async function loadTable(pg, data, log) {
  await pg.query('CREATE TABLE samples (id bigserial PRIMARY KEY, identity_id int NOT NULL, embedding vector(256) NOT NULL)');
  // Server-side COPY from files in the cluster's folder: the server reads them itself, so the
  // time is the database's, not a client library's streaming.
  const file = join(pg.folder, 'samples.copy');
  let copyMs = 0;
  for (let from = 0; from < data.identities; from += COPY_CHUNK) {
    const to = Math.min(data.identities, from + COPY_CHUNK);
    writeFileSync(file, copyFile(data, from, to), { mode: 0o644 });
    const t0 = nowMs();
    await pg.query(`COPY samples (identity_id, embedding) FROM '${file}' WITH (FORMAT binary)`);
    copyMs += nowMs() - t0;
    if (to % (COPY_CHUNK * 4) === 0 || to === data.identities) log(`COPY ${to} / ${data.identities} rows (${(copyMs / 1000).toFixed(1)} s)`);
  }
  rmSync(file, { force: true });
  const t0 = nowMs();
  await pg.query('VACUUM ANALYZE samples');
  return { copyMs, vacuumMs: nowMs() - t0 };
}

async function buildIndex(pg, maintenanceWorkMem, { m, efConstruction }, log) {
  const client = new Client({ connectionString: pg.url });
  await client.connect();
  const notices = [];
  client.on('notice', (n) => notices.push(n.message));
  const watcher = new Client({ connectionString: pg.url });
  await watcher.connect();
  const poll = setInterval(async () => {
    try {
      const { rows } = await watcher.query('SELECT phase, tuples_done, tuples_total FROM pg_stat_progress_create_index');
      // pgvector counts the tuples done but leaves the total at 0
      if (rows[0]) log(`index build: ${rows[0].phase}, ${rows[0].tuples_done} tuples`);
    } catch {
      // progress is only informative
    }
  }, 30000);
  try {
    await client.query(`SET maintenance_work_mem = '${maintenanceWorkMem}'`);
    // Two cores: the leader and one worker.
    await client.query('SET max_parallel_maintenance_workers = 1');
    await client.query('DROP INDEX IF EXISTS samples_embedding_hnsw');
    const t0 = nowMs();
    await client.query(`CREATE INDEX samples_embedding_hnsw ON samples USING hnsw (embedding vector_cosine_ops) WITH (m = ${m}, ef_construction = ${efConstruction})`);
    const buildMs = nowMs() - t0;
    const { rows } = await client.query(
      `SELECT pg_relation_size('samples_embedding_hnsw') AS index_bytes, pg_total_relation_size('samples') AS total_bytes, pg_relation_size('samples') AS table_bytes`,
    );
    return { buildMs, notices, indexBytes: Number(rows[0].index_bytes), tableBytes: Number(rows[0].table_bytes) };
  } finally {
    clearInterval(poll);
    await watcher.end();
    await client.end();
  }
}

const NEAREST = 'SELECT identity_id FROM samples ORDER BY embedding <=> $1::vector LIMIT 1';

async function searchClient(pg, settings) {
  const client = new Client({ connectionString: pg.url });
  await client.connect();
  for (const sql of settings) await client.query(sql);
  return client;
}

/**
 * Every query runs on the local matrix and at each ef_search, back to back, so that all sides
 * see the same moment of this shared machine. Query text is formatted before timing: the
 * latency is the database round trip on loopback, as a node sees it.
 */
async function measure(pg, data, queryCount, efs, log) {
  // enable_seqscan off: on small tables the planner may judge a scan cheaper than the index,
  // and the index is what is measured here.
  const clients = await Promise.all(efs.map((ef) => searchClient(pg, [`SET hnsw.ef_search = ${ef}`, 'SET enable_seqscan = off'])));
  try {
    const plan = (await clients[0].query(`EXPLAIN ${NEAREST}`, [vectorText(data.queries.subarray(0, DIM))])).rows.map((r) => r['QUERY PLAN']).join(' ');
    if (!/Index Scan using samples_embedding_hnsw/.test(plan)) throw new Error(`the nearest-neighbour query does not use the HNSW index: ${plan.replace(/'\[[^\]]*\]'/g, "'[...]'")}`);
    const texts = Array.from({ length: queryCount }, (_, q) => vectorText(data.queries.subarray(q * DIM, (q + 1) * DIM)));
    const best = new Float32Array(data.identities);
    const rowIdentity = Int32Array.from({ length: data.identities }, (_, i) => i);
    const exact = new Int32Array(queryCount);
    const local = [];
    const db = efs.map(() => ({ times: [], hits: 0 }));
    const WARMUP = Math.min(50, queryCount);
    for (let pass = 0; pass < 2; pass++) {
      const count = pass === 0 ? WARMUP : queryCount;
      for (let q = 0; q < count; q++) {
        let t0 = nowMs();
        const top = localSearch(data, q, best, rowIdentity);
        if (pass) local.push(nowMs() - t0);
        exact[q] = top;
        for (let e = 0; e < efs.length; e++) {
          t0 = nowMs();
          const { rows } = await clients[e].query({ name: 'nearest', text: NEAREST, values: [texts[q]] });
          if (!pass) continue;
          db[e].times.push(nowMs() - t0);
          if (rows[0]?.identity_id === top) db[e].hits++;
        }
      }
    }
    // The local matrix is the exact reference; a sequential scan in the database must agree.
    const seq = await searchClient(pg, ['SET enable_indexscan = off', 'SET enable_bitmapscan = off']);
    let agree = 0;
    const checks = Math.min(SEQSCAN_CHECKS, queryCount);
    try {
      for (let q = 0; q < checks; q++) {
        const { rows } = await seq.query(NEAREST, [texts[q]]);
        if (rows[0].identity_id === exact[q]) agree++;
      }
    } finally {
      await seq.end();
    }
    let correct = 0;
    for (let q = 0; q < queryCount; q++) if (exact[q] === data.truth[q]) correct++;
    log(`exact top-1 is the query's own identity for ${correct} / ${queryCount}; sequential scan agrees with the local matrix on ${agree} / ${checks}`);
    return { local, db, correct, agree, checks };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

function mib(bytes) {
  return bytes / 2 ** 20;
}

/** One run at `identities`: rows for the table, and the figures behind them. */
/** One run at `identities`: rows for the table, and the figures behind them. */
async function runAt({ identities, queries: queryCount = 1000, efs = EFS, builds = BUILDS, log = console.log, seed = 20261201 }) {
  const big = identities > 300000;
  const settings = {
    shared_buffers: big ? '3GB' : '512MB', // the index and table stay in the server's cache while queried
    max_wal_size: '8GB', // no checkpoint storm during the load
  };
  const maintenanceWorkMem = big ? '4GB' : '1GB'; // the whole HNSW graph is built in memory
  const data = generate(identities, queryCount, seed, log);
  const pg = await startPostgres({ throwaway: true, settings });
  try {
    const started = nowMs();
    const { copyMs, vacuumMs } = await loadTable(pg, data, log);
    log(`loaded ${identities} rows with binary COPY in ${(copyMs / 1000).toFixed(1)} s (+ VACUUM ANALYZE ${(vacuumMs / 1000).toFixed(1)} s)`);
    const n = identities.toLocaleString('en-US');
    const rows = [row({ bench: 'gallery-search', name: `load ${n} samples (binary COPY)`, ours: copyMs / 1000, unit: 's', note: `${Math.round(identities / (copyMs / 1000))} rows/s, server-side COPY FROM file in chunks of ${COPY_CHUNK}, table with a bigserial primary key` })];
    for (const [b, build] of builds.entries()) {
      const params = `m ${build.m}, ef_construction ${build.efConstruction}`;
      const index = await buildIndex(pg, maintenanceWorkMem, build, log);
      const inMemory = !index.notices.some((text) => /no longer fits into maintenance_work_mem/.test(text));
      log(`HNSW index (${params}) built in ${(index.buildMs / 1000).toFixed(1)} s, ${mib(index.indexBytes).toFixed(0)} MiB` +
        `${inMemory ? ', in memory' : `; ${index.notices.join('; ')}`}; table ${mib(index.tableBytes).toFixed(0)} MiB`);
      rows.push(row({ bench: 'gallery-search', name: `HNSW build (${params}), ${n} samples`, ours: index.buildMs / 1000, unit: 's', note: `${b === 0 ? 'pgvector defaults, ' : ''}vector_cosine_ops, maintenance_work_mem ${maintenanceWorkMem}${inMemory ? ' (graph stayed in memory)' : ' (graph OUTGREW memory)'}, 1 parallel worker + leader` }));
      rows.push(row({ bench: 'gallery-search', name: `HNSW index size (${params}), ${n} samples`, ours: mib(index.indexBytes), unit: 'MiB', note: `table ${mib(index.tableBytes).toFixed(0)} MiB; raw float32 data ${mib(identities * ROW_BYTES).toFixed(0)} MiB` }));
      const m = await measure(pg, data, queryCount, efs, log);
      const load = loadavg().map((x) => x.toFixed(1)).join(' ');
      const base = `${queryCount} queries, one sample per identity, 256-d; load average ${load}`;
      const localP50 = median(m.local);
      const localP99 = percentile([...m.local].sort((x, y) => x - y), 0.99);
      if (b === 0) {
        rows.push(row({ bench: 'gallery-search', name: `local matrix (exact), ${n} identities: p50`, ours: localP50, unit: 'ms/query', note: `p99 ${localP99.toFixed(2)} ms; WASM SIMD dots + top-5 in this process; ${base}` }));
      }
      efs.forEach((ef, e) => {
        const sorted = [...m.db[e].times].sort((x, y) => x - y);
        const recall = m.db[e].hits / queryCount;
        const label = `HNSW ${b === 0 ? '' : `(${params}) `}ef_search ${ef}, ${n} identities`;
        rows.push(row({ bench: 'gallery-search', name: `${label}: p50`, ours: median(sorted), reference: localP50, referenceName: 'local matrix (exact)', unit: 'ms/query', note: `pgvector, round trip on 127.0.0.1 (node-postgres, prepared); ${base}` }));
        rows.push(row({ bench: 'gallery-search', name: `${label}: p99`, ours: percentile(sorted, 0.99), reference: localP99, referenceName: 'local matrix (exact)', unit: 'ms/query', note: base }));
        rows.push(row({
          bench: 'gallery-search', name: `${label}: recall@1 vs exact`, ours: recall, unit: 'recall@1', better: 'higher',
          ...(ef === 40 && b === 0 ? { goal: '>= 0.99 at the default ef_search', pass: recall >= 0.99 } : {}),
          note: `top-1 equal to the exact search's on ${m.db[e].hits} / ${queryCount} queries (exact = the local matrix; a sequential scan agreed on ${m.agree} / ${m.checks})`,
        }));
      });
      log(`exact top-1 = own identity ${m.correct}/${queryCount}; recall@1 at ef_search ${efs.join('/')}: ${m.db.map((d) => (d.hits / queryCount).toFixed(3)).join(' / ')}`);
    }
    log(`done in ${((nowMs() - started) / 1000).toFixed(0)} s after generation`);
    return rows;
  } finally {
    await pg.stop();
  }
}

/**
 * What a test pays for its own server: startPostgres() (initdb, start, CREATE DATABASE, CREATE
 * EXTENSION vector) and stop() (fast shutdown, folder removed), median of `runs`.
 */
async function clusterStartRows(runs, log) {
  const starts = [];
  const stops = [];
  for (let i = 0; i < runs; i++) {
    let t0 = nowMs();
    const pg = await startPostgres({ throwaway: true });
    starts.push(nowMs() - t0);
    t0 = nowMs();
    await pg.stop();
    stops.push(nowMs() - t0);
  }
  log(`throwaway cluster: start ${starts.map((t) => t.toFixed(0)).join(', ')} ms; stop ${stops.map((t) => t.toFixed(0)).join(', ')} ms`);
  const note = `test/helpers/postgres.js, median of ${runs}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;
  return [
    row({ bench: 'gallery-search', name: 'throwaway test cluster: startPostgres()', ours: median(starts), unit: 'ms', note: `initdb, start, CREATE DATABASE, CREATE EXTENSION vector; ${note}` }),
    row({ bench: 'gallery-search', name: 'throwaway test cluster: stop()', ours: median(stops), unit: 'ms', note: `fast shutdown, folder removed; ${note}` }),
  ];
}

const NOTES = [
  'Data: generated, shaped like this project\'s embeddings (fitted to 3,600 LFW faces embedded with face-reidentification-retail-0095):',
  `256-d identity centres from a Gaussian whose variance falls off as exp(-k/${FALLOFF}) over the axes (participation ratio ~100:`,
  'two people meet at cosine 0.00 +- 0.09, as measured), one stored sample per identity, and queries that are new views of a stored',
  `identity: its centre plus noise of norm ${NOISE[0]}-${NOISE[1]} with the same fall-off along shuffled axes (two views of one person: cosine`,
  '~0.67, p10 0.52, p90 0.81, as measured). Each query runs on the local matrix and at each ef_search back to back. Database latency',
  'is the round trip from this process over 127.0.0.1 with node-postgres (prepared statement, `ORDER BY embedding <=> $1 LIMIT 1`),',
  'the server a throwaway PostgreSQL 15 cluster (test/helpers/postgres.js) with pgvector 0.8.0 on the same 2 cores.',
].join(' ');

async function run(options = {}) {
  const log = options.log ?? console.log;
  const rows = await runAt({ identities: options.quick ? 20000 : 100000, queries: 1000, log });
  return [...rows, ...(await clusterStartRows(5, log))];
}

/** The rows of earlier --json runs become the gallery-search section of docs/benchmarks.{json,md}. */
function writeSection(files) {
  const { renderMarkdown, renderTable } = require('./report');
  const docs = resolve(__dirname, '..', 'docs');
  const report = JSON.parse(readFileSync(join(docs, 'benchmarks.json'), 'utf8'));
  const parts = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const section = {
    name: 'gallery-search',
    title: TITLE,
    rows: parts.flatMap((p) => p.rows),
    seconds: parts.reduce((s, p) => s + p.seconds, 0),
    notes: NOTES,
  };
  const at = report.sections.findIndex((s) => s.name === section.name);
  if (at >= 0) report.sections[at] = section;
  else report.sections.push(section);
  writeFileSync(join(docs, 'benchmarks.json'), `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(join(docs, 'benchmarks.md'), renderMarkdown(report.sections, report.host, 'benchmarks.png'));
  console.log(renderTable(section.rows));
  console.log(`wrote the ${section.name} section of docs/benchmarks.md and docs/benchmarks.json`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      identities: { type: 'string', default: '100000' },
      queries: { type: 'string', default: '1000' },
      progress: { type: 'string' },
      json: { type: 'string' },
      write: { type: 'string' },
      'cluster-starts': { type: 'string', default: '0' },
      ef: { type: 'string', default: EFS.join(',') },
      build: { type: 'string', default: BUILDS.map((b) => `${b.m}:${b.efConstruction}`).join(',') },
    },
  });
  if (values.write) return writeSection(values.write.split(','));
  const log = (line) => {
    const stamped = `${new Date().toISOString().slice(11, 19)} ${line}`;
    console.log(stamped);
    if (values.progress) writeFileSync(values.progress, `${stamped}\n`, { flag: 'a' });
  };
  const started = Date.now();
  const rows = await runAt({
    identities: Number(values.identities),
    queries: Number(values.queries),
    efs: values.ef.split(',').map(Number),
    builds: values.build.split(',').map((b) => ({ m: Number(b.split(':')[0]), efConstruction: Number(b.split(':')[1]) })),
    log,
  });
  const starts = Number(values['cluster-starts']);
  if (starts > 0) rows.push(...(await clusterStartRows(starts, log)));
  const seconds = (Date.now() - started) / 1000;
  console.log(require('./report').renderTable(rows));
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ seconds, rows }, null, 1)}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}

module.exports = { run, title: TITLE, notes: NOTES };
