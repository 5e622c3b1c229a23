/**
 * Enrolment of a folder of face pictures into a gallery, resumable: sources already stored are
 * skipped, so rerunning after an interruption completes the rest without duplicates.
 *
 * Layouts (both may be mixed in one folder):
 *   <dir>/<label>-<n>.jpg   label = file name before the last '-' (no '-': the whole name)
 *   <dir>/<label>/<file>    label = the sub-folder's name
 *
 * Commit granularity: by default all pending pictures of one identity are committed together,
 * so a gallery never holds a half-enrolled person (a person with fewer samples matches less
 * well, which would go unnoticed); a kill loses at most the identity in flight. `batch: 'image'`
 * commits every picture on its own instead, losing at most one picture.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { FaceReidError, invalidType, outOfRange } from '../errors';
import type { EmbeddingModelKey } from './backend';
import { toUnitVector } from './embedding';
import { checkModel, validateModelKey } from './model';
import type { Gallery, GalleryItem } from './store';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp']);

export interface EnrollEntry {
  label: string;
  /** Absolute path: also the sample's source, the key that makes reruns skip it. */
  path: string;
}

export interface EnrollProgress {
  done: number;
  total: number;
  path: string;
  label: string;
  status: 'enrolled' | 'skipped' | 'no-face' | 'failed';
}

export interface EnrollOptions {
  onProgress?: (progress: EnrollProgress) => void;
  batch?: 'identity' | 'image';
  /**
   * The model `embedFile` runs (a pipeline's `embeddingModel`): recorded with every sample, and
   * refused with GALLERY_MODEL_MISMATCH before anything is embedded when the gallery holds
   * another model's vectors. Default: the gallery's model.
   */
  model?: EmbeddingModelKey;
}

export interface EnrollResult {
  enrolled: number;
  skipped: number;
  noFace: string[];
  failed: { path: string; error: string }[];
}

export type EmbedFile = (path: string) => Promise<Float32Array | null>;

function isImage(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** What a folder entry is, following symbolic links (a linked picture or folder counts too). */
function kindOf(path: string): 'dir' | 'file' | 'other' {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch {
    return 'other'; // a dangling link
  }
}

/** PATH_NOT_FOUND naming the path, instead of a raw ENOENT from the first readdir. */
export function checkFolder(dir: string): string {
  const root = resolve(dir);
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    throw new FaceReidError(`no folder at ${dir}`, 'PATH_NOT_FOUND');
  }
  if (!isDir) throw new FaceReidError(`${dir} is a file; enrolment reads a folder of pictures (<label>-<n>.jpg or <label>/<file>)`, 'PATH_NOT_FOUND');
  return root;
}

/** The pictures of a folder with their labels, in a stable order (grouped by label, then path). */
export function scanFolder(dir: string): EnrollEntry[] {
  if (typeof dir !== 'string') throw invalidType('a folder path', 'dir', dir);
  const root = checkFolder(dir);
  const entries: EnrollEntry[] = [];
  for (const name of readdirSync(root)) {
    if (name.startsWith('.')) continue;
    const kind = kindOf(join(root, name));
    if (kind === 'dir') {
      for (const file of readdirSync(join(root, name))) {
        if (isImage(file) && kindOf(join(root, name, file)) === 'file') entries.push({ label: name, path: join(root, name, file) });
      }
    } else if (kind === 'file' && isImage(name)) {
      const stem = basename(name, extname(name));
      const dash = stem.lastIndexOf('-');
      entries.push({ label: dash > 0 ? stem.slice(0, dash) : stem, path: join(root, name) });
    }
  }
  entries.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return entries;
}

export async function enrollFolder(gallery: Gallery, dir: string, embedFile: EmbedFile, options: EnrollOptions = {}): Promise<EnrollResult> {
  if (typeof dir !== 'string') throw invalidType('a folder path', 'dir', dir);
  if (typeof embedFile !== 'function') throw invalidType('a function', 'embedFile', embedFile);
  const batch = options.batch ?? 'identity';
  if (batch !== 'identity' && batch !== 'image') throw outOfRange('"identity" or "image"', 'options.batch', batch);
  const model = options.model === undefined ? gallery.model : validateModelKey(options.model, 'options.model');
  // The check addMany makes, up front: not one picture is embedded for nothing.
  checkModel(gallery.model, model, 'enrolment would add embeddings of', gallery.location);
  const entries = scanFolder(dir);
  const result: EnrollResult = { enrolled: 0, skipped: 0, noFace: [], failed: [] };
  let done = 0;
  const report = (entry: EnrollEntry, status: EnrollProgress['status']) => {
    done++;
    options.onProgress?.({ done, total: entries.length, path: entry.path, label: entry.label, status });
  };

  let pending: { entry: EnrollEntry; item: GalleryItem }[] = [];
  const commit = async () => {
    if (pending.length === 0) return;
    // addMany skips sources another process stored meanwhile: those count as skipped.
    const added = await gallery.addMany(pending.map((p) => p.item));
    result.enrolled += added.stored + added.queued;
    result.skipped += added.duplicates;
    for (const p of pending) report(p.entry, 'enrolled');
    pending = [];
  };

  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (await gallery.hasSource(entry.path)) {
      result.skipped++;
      report(entry, 'skipped');
    } else {
      const outcome = await embedOne(embedFile, entry.path);
      if (outcome.kind === 'face') {
        pending.push({ entry, item: { label: entry.label, embedding: outcome.embedding, meta: { source: entry.path }, model } });
      } else if (outcome.kind === 'no-face') {
        result.noFace.push(entry.path);
        report(entry, 'no-face');
      } else {
        result.failed.push({ path: entry.path, error: outcome.error });
        report(entry, 'failed');
      }
    }
    const lastOfIdentity = i + 1 === entries.length || entries[i + 1].label !== entry.label;
    if (batch === 'image' || lastOfIdentity) await commit();
  }
  return result;
}

type Outcome = { kind: 'face'; embedding: Float32Array } | { kind: 'no-face' } | { kind: 'failed'; error: string };

/** One picture's embedding, validated here so one bad result fails that picture, not its batch. */
async function embedOne(embedFile: EmbedFile, path: string): Promise<Outcome> {
  try {
    const embedding = await embedFile(path);
    if (embedding === null) return { kind: 'no-face' };
    return { kind: 'face', embedding: toUnitVector(embedding, `the embedding of ${path}`) };
  } catch (err) {
    return { kind: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
}
