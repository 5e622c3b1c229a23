/**
 * `fetchModels`: puts verified copies of model files into a destination folder (OMZ layout).
 * Sources: the official URLs in the manifest (default), a base URL laid out like the OMZ storage
 * (`<base>/<model>/<precision>/<model>.xml`), or a local folder in the same layout. Every file goes
 * through installVerified, so the destination only ever holds files whose SHA-384 matched.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FaceReidError, invalidType, outOfRange } from '../errors';
import { openHttpSource } from './http-source';
import { installVerified } from './install';
import { defaultFetchDestination } from './locations';
import {
  checkModelName,
  checkPrecision,
  DEFAULT_PRECISION,
  MODEL_NAMES,
  modelFiles,
  modelRelativePath,
  publishedPrecisions,
  type ModelFileFacts,
  type ModelFileKind,
  type ModelName,
  type Precision,
} from './manifest';
import { checkFile } from './verify';

export interface FetchOptions {
  /** Default: all three models. */
  models?: ModelName[];
  /** Default: the reference precision FP16; 'all' means every precision published for each model. */
  precisions?: Precision[] | 'all';
  /** A folder or an http(s) base URL in OMZ layout; default: each file's official URL. */
  from?: string;
  /** Default: FACE_REID_MODELS, else the cache (FACE_REID_CACHE_DIR, else ~/.cache/ov-face-reid/models). */
  dest?: string;
  /** Idle timeout per HTTP connection in milliseconds (default 30 000). */
  timeoutMs?: number;
  onProgress?: (progress: FetchProgress) => void;
}

export interface PlannedFile {
  model: ModelName;
  precision: Precision;
  kind: ModelFileKind;
  /** URL or absolute path the bytes come from. */
  source: string;
  sourceType: 'url' | 'folder';
  /** Absolute final path in the destination. */
  dest: string;
  facts: ModelFileFacts;
}

export type FetchStatus = 'downloaded' | 'copied' | 'present';

export interface FetchedFile extends PlannedFile {
  status: FetchStatus;
}

export interface FetchProgress {
  /** 'check' once per file while looking at the destination, then 'start'/'data'/'done' per transfer. */
  event: 'check' | 'start' | 'data' | 'done';
  file: PlannedFile;
  /** Bytes of this file transferred so far. */
  fileBytes: number;
  /** Bytes transferred so far over all files that need a transfer. */
  bytes: number;
  /** Bytes of all files that need a transfer (files already present count zero); known after the checks. */
  totalBytes: number;
}

function isUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/** Which files a fetch with these options concerns, where each comes from and goes to. No I/O. */
export function planFetch(options: FetchOptions = {}): PlannedFile[] {
  if (options === null || typeof options !== 'object') throw invalidType('an object', 'options', options);
  const models = options.models ?? [...MODEL_NAMES];
  if (!Array.isArray(models) || models.length === 0) throw invalidType('a non-empty array of model names', 'options.models', models);
  models.forEach((m, i) => checkModelName(m, `options.models[${i}]`));
  const precisions = options.precisions ?? [DEFAULT_PRECISION];
  if (precisions !== 'all') {
    if (!Array.isArray(precisions) || precisions.length === 0) {
      throw invalidType("a non-empty array of precisions or 'all'", 'options.precisions', precisions);
    }
    precisions.forEach((p, i) => checkPrecision(p, `options.precisions[${i}]`));
  }
  const from = options.from;
  if (from !== undefined && (typeof from !== 'string' || from === '')) throw invalidType('a folder path or URL string', 'options.from', from);
  if (from !== undefined && isUrl(from) && !/^https?:\/\//i.test(from)) throw outOfRange('an http(s) URL or a folder', 'options.from', from);
  if (options.dest !== undefined && (typeof options.dest !== 'string' || options.dest === '')) {
    throw invalidType('a folder path string', 'options.dest', options.dest);
  }
  const dest = resolve(options.dest ?? defaultFetchDestination());

  const planned: PlannedFile[] = [];
  for (const model of new Set(models)) {
    for (const precision of precisions === 'all' ? publishedPrecisions(model) : new Set(precisions)) {
      const files = modelFiles(model, precision);
      for (const kind of ['xml', 'bin'] as const) {
        const rel = modelRelativePath(model, precision, kind);
        let source: string;
        let sourceType: PlannedFile['sourceType'];
        if (from === undefined) {
          source = files[kind].url;
          sourceType = 'url';
        } else if (isUrl(from)) {
          source = `${from.replace(/\/+$/, '')}/${rel}`;
          sourceType = 'url';
        } else {
          source = join(resolve(from), rel);
          sourceType = 'folder';
        }
        planned.push({ model, precision, kind, source, sourceType, dest: join(dest, rel), facts: files[kind] });
      }
    }
  }
  return planned;
}

/**
 * Fetches the planned files one after another; files already present and verified are skipped.
 * Stops at the first failure (files completed before it stay, verified).
 */
export async function fetchModels(options: FetchOptions = {}): Promise<FetchedFile[]> {
  const planned = planFetch(options);
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidType('a function', 'options.onProgress', onProgress);

  const present = new Set<PlannedFile>();
  for (const file of planned) {
    if ((await checkFile(file.dest, file.facts)).status === 'verified') present.add(file);
    onProgress?.({ event: 'check', file, fileBytes: 0, bytes: 0, totalBytes: 0 });
  }
  const totalBytes = planned.filter((f) => !present.has(f)).reduce((n, f) => n + f.facts.size, 0);

  let bytes = 0;
  const results: FetchedFile[] = [];
  for (const file of planned) {
    if (present.has(file)) {
      results.push({ ...file, status: 'present' });
      continue;
    }
    let fileBytes = 0;
    onProgress?.({ event: 'start', file, fileBytes, bytes, totalBytes });
    const onBytes = (n: number) => {
      fileBytes += n;
      bytes += n;
      onProgress?.({ event: 'data', file, fileBytes, bytes, totalBytes });
    };
    if (file.sourceType === 'url') {
      const { body, length } = await openHttpSource(file.source, { timeoutMs: options.timeoutMs });
      if (length !== undefined && length !== file.facts.size) {
        body.destroy();
        throw new FaceReidError(
          `Download of ${file.source} announces ${length} bytes but the manifest expects ${file.facts.size}: wrong file or release`,
          'MODEL_SIZE_MISMATCH',
        );
      }
      await installVerified(body, file.dest, file.facts, { subject: `Download of ${file.source}`, onBytes });
    } else {
      const info = await stat(file.source).catch(() => undefined);
      if (!info?.isFile()) {
        throw new FaceReidError(`Cannot copy ${file.model} (${file.precision}): ${file.source} does not exist`, 'MODEL_NOT_FOUND');
      }
      await installVerified(createReadStream(file.source), file.dest, file.facts, { subject: `Copy of ${file.source}`, onBytes });
    }
    onProgress?.({ event: 'done', file, fileBytes, bytes, totalBytes });
    results.push({ ...file, status: file.sourceType === 'url' ? 'downloaded' : 'copied' });
  }
  return results;
}
