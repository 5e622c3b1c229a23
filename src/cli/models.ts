/**
 * `face-reid models fetch|list`: thin wrapper over fetchModels and the manifest/verification API.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { fetchModels, type FetchProgress } from '../models/fetch';
import { removeInFlightTempFiles } from '../models/install';
import { defaultFetchDestination, searchLocations } from '../models/locations';
import { checkModelName, checkPrecision, MODEL_NAMES, modelFiles, modelRelativePath, publishedPrecisions, type ModelName, type Precision } from '../models/manifest';
import { checkFile, type FileStatus } from '../models/verify';
import { formatBytes, Progress } from '../util/progress';

export const summary = 'Download and verify model files (fetch), show which are present where (list)';

const HELP = `Usage:
  face-reid models fetch [--model M]... [--precision P|all]... [--from DIR|URL] [--dest DIR] [--quiet]
  face-reid models list [--model-dir DIR] [--json]

fetch   Puts size- and SHA-384-verified copies into --dest, else FACE_REID_MODELS, else the cache
        (FACE_REID_CACHE_DIR, else ~/.cache/ov-face-reid/models). Default: all models, FP16.
        --from takes a folder or an http(s) base URL in Open Model Zoo layout
        (<model>/<precision>/<model>.xml|bin); default: the official Open Model Zoo URLs.
        Files already present and verified are skipped.
list    Every model and precision the manifest knows, and its state in each place the
        library looks (the --model-dir folder, FACE_REID_MODELS, the cache).

Models: ${MODEL_NAMES.join(', ')}`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'fetch') return fetch(rest);
  if (sub === 'list') return list(rest);
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(HELP);
    return sub ? 0 : 1;
  }
  console.error(`face-reid models: unknown subcommand "${sub}"\n\n${HELP}`);
  return 2;
}

async function fetch(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string', multiple: true },
      precision: { type: 'string', multiple: true },
      from: { type: 'string' },
      dest: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const models = values.model?.map((m) => checkModelName(m, '--model'));
  const precisions = values.precision?.includes('all') ? 'all' : values.precision?.map((p) => checkPrecision(p, '--precision'));
  const dest = values.dest ?? defaultFetchDestination();

  let progress: Progress | undefined;
  const onProgress = (event: FetchProgress) => {
    if (event.event === 'start') {
      progress ??= new Progress({ total: event.totalBytes, unit: 'bytes', quiet: values.quiet });
      progress.setLabel(`${event.file.model}/${event.file.precision}/${event.file.kind}`);
    } else if (event.event === 'data' && progress) {
      progress.tick(event.bytes - progress.value);
    }
  };

  // A Ctrl-C mid-download must not leave temp files behind (the final names are never partial anyway).
  const onSignal = (signal: NodeJS.Signals) => {
    removeInFlightTempFiles();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const results = await fetchModels({ models, precisions, from: values.from, dest, onProgress });
    progress?.setLabel('fetched');
    progress?.done();
    const moved = results.filter((r) => r.status !== 'present');
    if (!values.quiet) {
      for (const r of results) console.log(`${r.status.padEnd(10)} ${r.dest}`);
      const bytes = moved.reduce((n, r) => n + r.facts.size, 0);
      console.log(`${results.length} files verified in ${dest} (${moved.length} fetched, ${formatBytes(bytes)}; ${results.length - moved.length} already present)`);
    }
    return 0;
  } catch (err) {
    progress?.done(); // end the redrawn line so the error message starts on its own
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

const LABEL: Record<FileStatus | 'partial', string> = {
  verified: 'verified',
  missing: '-',
  'size-mismatch': 'BAD SIZE',
  'hash-mismatch': 'BAD HASH',
  partial: 'incomplete',
};

async function pairState(dir: string, model: ModelName, precision: Precision): Promise<FileStatus | 'partial'> {
  const facts = modelFiles(model, precision);
  const [xml, bin] = await Promise.all([
    checkFile(join(dir, modelRelativePath(model, precision, 'xml')), facts.xml),
    checkFile(join(dir, modelRelativePath(model, precision, 'bin')), facts.bin),
  ]);
  if (xml.status === bin.status) return xml.status;
  if (xml.status === 'missing' || bin.status === 'missing') return 'partial';
  return xml.status === 'verified' ? bin.status : xml.status;
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'model-dir': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const locations = searchLocations(values['model-dir']);
  const rows: { model: ModelName; precision: Precision; size: number; states: (FileStatus | 'partial')[] }[] = [];
  for (const model of MODEL_NAMES) {
    for (const precision of publishedPrecisions(model)) {
      const facts = modelFiles(model, precision);
      const states = await Promise.all(locations.map((l) => pairState(l.dir, model, precision)));
      rows.push({ model, precision, size: facts.xml.size + facts.bin.size, states });
    }
  }
  if (values.json) {
    const out = rows.map((r) => ({
      model: r.model,
      precision: r.precision,
      bytes: r.size,
      locations: locations.map((l, i) => ({ dir: l.dir, origin: l.origin, state: r.states[i] })),
    }));
    console.log(JSON.stringify(out, null, 2));
    return 0;
  }
  console.log('Searched, in this order:');
  locations.forEach((l, i) => console.log(`  [${i + 1}] ${l.origin}: ${l.dir}`));
  console.log('');
  const header = ['model', 'precision', 'size', ...locations.map((_, i) => `[${i + 1}]`)];
  const table = rows.map((r) => [r.model, r.precision, formatBytes(r.size), ...r.states.map((s) => LABEL[s])]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c]!.length)));
  for (const row of [header, ...table]) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd());
  return 0;
}
