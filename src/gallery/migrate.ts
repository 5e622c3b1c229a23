/**
 * Copies one gallery into another, whatever their backends (SQLite file to PostgreSQL and back):
 * identities with their meta, every sample with its source and model, and the sightings log.
 *
 * Idempotent, so an interrupted copy is finished by running it again: samples are keyed by
 * (identity, source) as in every write, samples without a source by their exact vector, and
 * sightings by (time, node, source, label, track), API keys by their id (only their salted hashes
 * exist to copy; a key revoked in the source is revoked in the target, never the reverse).
 */
import type { Sighting } from './backend';
import { Gallery } from './store';

export interface MigrateProgress {
  /** Samples of the source gallery looked at so far. */
  samples: number;
  /** All samples of the source gallery. */
  total: number;
  label: string;
}

export interface MigrateResult {
  identities: number;
  /** Samples written into the target. */
  stored: number;
  /** Samples the target already had. */
  skipped: number;
  /** Sightings written into the target. */
  sightings: number;
  /** API keys created in the target (or revoked there, as they are in the source). */
  apiKeys: number;
}

export interface MigrateOptions {
  onProgress?: (progress: MigrateProgress) => void;
}

const SIGHTING_PAGE = 10_000;

const bytesOf = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
const sightingKey = (s: Sighting) => `${s.at}|${s.node}|${s.source}|${s.label}|${s.track ?? ''}`;

export async function migrateGallery(from: string, to: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const source = await Gallery.open(from, { readonly: true });
  try {
    // The target takes the source's model: a new one is created for it, an existing one of
    // another model refuses (GALLERY_MODEL_MISMATCH) before anything is written.
    const target = await Gallery.open(to, { model: source.model });
    try {
      return await copy(source, target, options);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

async function copy(source: Gallery, target: Gallery, options: MigrateOptions): Promise<MigrateResult> {
  const result: MigrateResult = { identities: 0, stored: 0, skipped: 0, sightings: 0, apiKeys: 0 };
  const identities = await source.list();
  const total = identities.reduce((sum, i) => sum + i.samples, 0);
  let seen = 0;
  for (const identity of identities) {
    const samples = await source.samples(identity.label);
    const present = new Set((await target.samples(identity.label)).filter((s) => s.source === null).map((s) => bytesOf(s.embedding)));
    const items = samples
      .filter((s) => s.source !== null || !present.has(bytesOf(s.embedding)))
      .map((s, i) => ({
        label: identity.label,
        embedding: s.embedding,
        // The identity's meta rides on its first sample (it is merged into the identity).
        meta: { ...(i === 0 ? identity.meta : {}), ...(s.source !== null ? { source: s.source } : {}) },
      }));
    const outcome = items.length ? await target.addMany(items) : { stored: 0, duplicates: 0, queued: 0 };
    result.identities++;
    result.stored += outcome.stored + outcome.queued;
    result.skipped += samples.length - outcome.stored - outcome.queued;
    seen += samples.length;
    options.onProgress?.({ samples: seen, total, label: identity.label });
  }
  result.sightings = await copySightings(source, target);
  result.apiKeys = await copyApiKeys(source, target);
  return result;
}

/** Each record as it is (salt and hash, scope, times); one already in the target is left alone unless the source revoked it. */
async function copyApiKeys(source: Gallery, target: Gallery): Promise<number> {
  let copied = 0;
  for (const key of await source.keys.list()) {
    const there = await target.keys.get(key.id);
    if (!there) await target.keys.create(key);
    else if (key.revoked === null || there.revoked !== null || !(await target.keys.revoke(key.id))) continue;
    copied++;
  }
  return copied;
}

/**
 * Newest first, a page at a time; each page is checked against the target's sightings of the
 * same span. Times have millisecond precision, so "before `oldest` + 1 ms" is "up to and
 * including `oldest`": a full page leaves out its oldest instant, which the next page starts with.
 */
async function copySightings(source: Gallery, target: Gallery): Promise<number> {
  let copied = 0;
  let before: string | undefined;
  for (;;) {
    const page = await source.sightings.query({ to: before, limit: SIGHTING_PAGE });
    if (page.length === 0) return copied;
    const oldest = page[page.length - 1].at;
    const last = page.length < SIGHTING_PAGE;
    const newer = page.filter((s) => s.at !== oldest);
    // The last page, or one instant filling a whole page: take the page as it is.
    const take = last || newer.length === 0 ? page : newer;
    const from = take[take.length - 1].at;
    const there = new Set((await target.sightings.query({ from, to: before, limit: 100_000 })).map(sightingKey));
    const missing = take.filter((s) => !there.has(sightingKey(s)));
    if (missing.length) await target.sightings.record(missing);
    copied += missing.length;
    if (last) return copied;
    before = take === page ? oldest : new Date(Date.parse(oldest) + 1).toISOString();
  }
}
