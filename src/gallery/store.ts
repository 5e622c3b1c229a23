/**
 * The public gallery: identities and their sample embeddings in a store (a SQLite file, or
 * PostgreSQL with pgvector), matched against an in-memory matrix that the store keeps in step
 * with its database.
 *
 * Identification never waits for the network: `match`/`matchFrame` are synchronous on the local
 * matrix. Everything that touches the database (writes, listings, sightings, database search)
 * is async, the same on both backends. Arguments are validated here, once, so stores only check
 * what their database can get wrong.
 */
import { FaceReidError, invalidType, outOfRange } from '../errors';
import type {
  AddResult,
  ApiKeyStore,
  EmbeddingModelKey,
  GalleryBackend,
  GalleryStatus,
  GalleryStore,
  IdentityInfo,
  RemoveResult,
  SampleWrite,
  SearchMode,
  Sighting,
  SightingQuery,
  StoredSample,
} from './backend';
import { checkedKeys } from './api-keys';
import { assignFrame, matchFrame as assignLocalFrame, FrameMatch, UNKNOWN } from './assignment';
import { DEFAULT_MATCH_THRESHOLD } from './defaults';
import { EmbeddingInput, toUnitVector } from './embedding';
import type { KernelKind } from './kernel';
import type { Match, MatrixStats } from './matrix';
import { checkModel, validateModelKey } from './model';
import { openStore } from './open-store';
import { GalleryOptions, resolveOptions } from './options';
import { pruneCutoff, SightingInput, validateSighting, validateSightingQuery } from './sightings';

export type { GalleryOptions } from './options';
export type { IdentityInfo, StoredSample, AddResult, RemoveResult } from './backend';

export interface SampleMeta {
  /** Where the sample came from (a file path, a frame id): the idempotency key per identity. */
  source?: string;
  /** Any other keys are merged into the identity's meta. */
  [key: string]: unknown;
}

export interface GalleryItem {
  label: string;
  embedding: EmbeddingInput;
  meta?: SampleMeta;
  /** The model that made the embedding; refused unless it is the gallery's model. */
  model?: EmbeddingModelKey;
}

export interface MatchOptions {
  /** How many identities, best first. Default 1. */
  k?: number;
  /** Lowest similarity reported; below it the answer is Unknown ([]). Default DEFAULT_MATCH_THRESHOLD. */
  threshold?: number;
  /** The model of the query; refused unless it is the gallery's model. */
  model?: EmbeddingModelKey;
}

export type FrameMatchOptions = Pick<MatchOptions, 'threshold' | 'model'>;

/** Outcome of one `add`: `queued` means durable in the local outbox, not yet in the database. */
export type AddOutcome = 'stored' | 'duplicate' | 'queued';

/** The sightings log: an append-only record of recognitions, with retention. */
export interface GallerySightings {
  /** Appends one sighting or several (one transaction). */
  record(sightings: SightingInput | readonly SightingInput[]): Promise<void>;
  /** By label, source and time range (`from` inclusive, `to` exclusive), newest first. */
  query(query?: SightingQuery): Promise<Sighting[]>;
  /** Deletes sightings older than the given number of days; returns how many. */
  prune(options: { olderThanDays: number }): Promise<number>;
}

function validateLabel(label: unknown, name: string): string {
  if (typeof label !== 'string') throw invalidType('a string', name, label);
  if (label.trim() === '' || label !== label.trim()) throw outOfRange('a non-empty label without surrounding spaces', name, label);
  if (label === UNKNOWN) throw outOfRange(`a label other than "${UNKNOWN}" (it means no match)`, name, label);
  return label;
}

function validateMeta(meta: unknown, name: string): { source: string | null; identityMeta: Record<string, unknown> | null } {
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta))) throw invalidType('an object', name, meta);
  const { source, ...rest } = (meta ?? {}) as SampleMeta;
  if (source !== undefined && (typeof source !== 'string' || source === '')) throw invalidType('a non-empty string', `${name}.source`, source);
  if (Object.keys(rest).length === 0) return { source: source ?? null, identityMeta: null };
  let identityMeta: Record<string, unknown>;
  try {
    // A JSON round trip: what the store keeps is exactly what comes back from list().
    identityMeta = JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
  } catch {
    throw invalidType('JSON-serialisable values', name, meta);
  }
  return { source: source ?? null, identityMeta };
}

function matchOptions(options: unknown): { k: number; threshold: number; model: EmbeddingModelKey | undefined } {
  if (options === null || typeof options !== 'object') throw invalidType('an object', 'options', options);
  const o = options as MatchOptions;
  const k = o.k ?? 1;
  if (typeof k !== 'number') throw invalidType('a number', 'options.k', k);
  if (!Number.isInteger(k) || k < 1) throw outOfRange('a positive integer', 'options.k', k);
  const threshold = o.threshold ?? DEFAULT_MATCH_THRESHOLD;
  if (typeof threshold !== 'number') throw invalidType('a number', 'options.threshold', threshold);
  if (!(threshold >= -1 && threshold <= 1)) throw outOfRange('a number between -1 and 1', 'options.threshold', threshold);
  const model = o.model === undefined ? undefined : validateModelKey(o.model, 'options.model');
  return { k, threshold, model };
}

function queriesOf(embeddings: unknown): Float32Array[] {
  if (!Array.isArray(embeddings)) throw invalidType('an array of embeddings', 'embeddings', embeddings);
  return embeddings.map((e, i) => toUnitVector(e, `embeddings[${i}]`));
}

export class Gallery {
  readonly #store: GalleryStore;
  readonly #search: SearchMode;
  readonly #node: string;
  #closed = false;
  /** The sightings log of this gallery (stored in the same database). */
  readonly sightings: GallerySightings;
  /** The service's API key records (stored in the same database; hashes only). */
  readonly keys: ApiKeyStore;

  /**
   * Opens (creating when writable and absent) the gallery at `location`: a file path or
   * `:memory:` (SQLite), or a `postgres://` / `postgresql://` URL (PostgreSQL with pgvector).
   */
  static async open(location: string, options: GalleryOptions = {}): Promise<Gallery> {
    if (typeof location !== 'string' || location === '') throw invalidType('a file path, ":memory:" or a postgres:// URL', 'location', location);
    const resolved = resolveOptions(options);
    const store = await openStore(location, resolved);
    return new Gallery(store, resolved.search, resolved.node);
  }

  private constructor(store: GalleryStore, search: SearchMode, node: string) {
    this.#store = store;
    this.#search = search;
    this.#node = node;
    this.keys = checkedKeys(() => this.#live().keys);
    this.sightings = {
      record: async (sightings) => {
        const list = Array.isArray(sightings) ? sightings : [sightings];
        const now = new Date();
        const valid = list.map((s, i) => validateSighting(s, Array.isArray(sightings) ? `sightings[${i}]` : 'sighting', this.#node, now));
        await this.#live().recordSightings(valid);
      },
      query: async (query = {}) => {
        const valid = validateSightingQuery(query);
        return this.#live().querySightings(valid);
      },
      prune: async (options) => {
        const before = pruneCutoff(options, new Date());
        return this.#live().pruneSightings(before);
      },
    };
  }

  /** 'sqlite' or 'postgres'. */
  get backend(): GalleryBackend {
    return this.#store.backend;
  }

  /** Where the gallery is, safe to print (a URL without its password). */
  get location(): string {
    return this.#store.location;
  }

  /** The embedding model (`<model>/<precision>`) of every vector in this gallery. */
  get model(): EmbeddingModelKey {
    return this.#store.model;
  }

  /** Connection state, outbox depth and the change sequence the local matrix reflects. */
  get status(): GalleryStatus {
    return this.#live().status();
  }

  /** How often the match matrix was loaded whole, extended, or had an identity taken out. */
  get matrixStats(): Readonly<MatrixStats> {
    return { ...this.#store.matrix.stats };
  }

  /** Which matching loop is in use: 'simd' (WebAssembly) or 'js'. */
  get kernel(): KernelKind {
    return this.#store.matrix.kernelKind;
  }

  get isOpen(): boolean {
    return !this.#closed;
  }

  /** Resolves when the local matrix reflects every change committed before the call. */
  async synced(): Promise<void> {
    await this.#live().synced();
  }

  /**
   * Stores one sample for `label` (creating the identity): 'duplicate' when this identity
   * already has a sample with the same `meta.source` (nothing is written then).
   */
  async add(label: string, embedding: EmbeddingInput, meta?: SampleMeta, options: { model?: EmbeddingModelKey } = {}): Promise<AddOutcome> {
    if (options === null || typeof options !== 'object') throw invalidType('an object', 'options', options);
    const result = await this.addMany([{ label, embedding, meta, model: options.model }]);
    return result.stored ? 'stored' : result.queued ? 'queued' : 'duplicate';
  }

  /** Stores all items in one transaction (all or none); counts what was stored and skipped. */
  async addMany(items: readonly GalleryItem[]): Promise<AddResult> {
    if (!Array.isArray(items)) throw invalidType('an array of { label, embedding, meta?, model? }', 'items', items);
    const store = this.#live();
    const samples: SampleWrite[] = items.map((item: unknown, i): SampleWrite => {
      const name = `items[${i}]`;
      if (item === null || typeof item !== 'object') throw invalidType('{ label, embedding, meta?, model? }', name, item);
      const it = item as GalleryItem;
      const label = validateLabel(it.label, `${name}.label`);
      const embedding = toUnitVector(it.embedding, `${name}.embedding`);
      const { source, identityMeta } = validateMeta(it.meta, `${name}.meta`);
      if (it.model !== undefined) checkModel(store.model, validateModelKey(it.model, `${name}.model`), `${name} is from`, store.location);
      return { label, embedding, source, identityMeta, model: store.model };
    });
    if (samples.length === 0) return { stored: 0, duplicates: 0, queued: 0 };
    return store.add(samples);
  }

  /**
   * Forgets an identity: deletes it, every sample of it and every sighting under its label, in
   * one transaction ('absent' when there was nothing under that label).
   */
  async remove(label: string): Promise<RemoveResult> {
    const valid = validateLabel(label, 'label');
    return this.#live().remove(valid);
  }

  /** Every identity with its sample count, meta and creation time, by label. */
  async list(): Promise<IdentityInfo[]> {
    return this.#live().list();
  }

  /** The stored (unit-length) samples of one identity, oldest first. */
  async samples(label: string): Promise<StoredSample[]> {
    const valid = validateLabel(label, 'label');
    return this.#live().samples(valid);
  }

  /** Whether any identity has a sample from `source`. */
  async hasSource(source: string): Promise<boolean> {
    if (typeof source !== 'string') throw invalidType('a string', 'source', source);
    return this.#live().hasSource(source);
  }

  async hasLabel(label: string): Promise<boolean> {
    if (typeof label !== 'string') throw invalidType('a string', 'label', label);
    return this.#live().hasLabel(label);
  }

  /** Number of identities. */
  async count(): Promise<number> {
    return (await this.#live().counts()).identities;
  }

  /** Number of samples over all identities. */
  async sampleCount(): Promise<number> {
    return (await this.#live().counts()).samples;
  }

  /**
   * The k identities most similar to `embedding` (each by its best sample) with similarity at or
   * above `threshold`, best first; [] means Unknown. Synchronous, on the local matrix.
   */
  match(embedding: EmbeddingInput, options: MatchOptions = {}): Match[] {
    const store = this.#local('match');
    const { k, threshold, model } = matchOptions(options);
    checkModel(store.model, model, 'the query is from', store.location);
    const query = toUnitVector(embedding, 'embedding');
    store.refresh();
    return store.matrix.match(query, k, threshold);
  }

  /** One label (or 'Unknown') per face of one frame, never the same identity twice. Synchronous. */
  matchFrame(embeddings: readonly EmbeddingInput[], options: FrameMatchOptions = {}): FrameMatch[] {
    const store = this.#local('matchFrame');
    const { threshold, model } = matchOptions(options);
    checkModel(store.model, model, 'the queries are from', store.location);
    const queries = queriesOf(embeddings);
    store.refresh();
    return assignLocalFrame(store.matrix, queries, threshold);
  }

  /** `match` in either search mode: the local matrix, or the database's index (`search: 'database'`). */
  async search(embedding: EmbeddingInput, options: MatchOptions = {}): Promise<Match[]> {
    const store = this.#live();
    if (this.#search === 'local') return this.match(embedding, options);
    const { k, threshold, model } = matchOptions(options);
    checkModel(store.model, model, 'the query is from', store.location);
    const [matches] = await this.#searchDatabase(store, [toUnitVector(embedding, 'embedding')], k, threshold);
    return matches;
  }

  /** `matchFrame` in either search mode, with the same one-to-one assignment. */
  async searchFrame(embeddings: readonly EmbeddingInput[], options: FrameMatchOptions = {}): Promise<FrameMatch[]> {
    const store = this.#live();
    if (this.#search === 'local') return this.matchFrame(embeddings, options);
    const { threshold, model } = matchOptions(options);
    checkModel(store.model, model, 'the queries are from', store.location);
    const queries = queriesOf(embeddings);
    if (queries.length === 0) return [];
    // Each face's F best whatever their similarity (what assignFrame needs); the threshold comes after.
    return assignFrame(await this.#searchDatabase(store, queries, queries.length, -1), threshold);
  }

  /** Ends every connection, timer and child process the store started. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#store.close();
  }

  #live(): GalleryStore {
    if (this.#closed) throw new FaceReidError('the gallery is closed', 'CLOSED');
    return this.#store;
  }

  #local(what: string): GalleryStore {
    const store = this.#live();
    if (this.#search === 'database') {
      throw new FaceReidError(`${what} answers from the local matrix, which a gallery opened with search: 'database' does not keep; use the async search/searchFrame`, 'GALLERY_SEARCH_MODE');
    }
    return store;
  }

  async #searchDatabase(store: GalleryStore, queries: Float32Array[], k: number, threshold: number): Promise<Match[][]> {
    if (!store.searchDatabase) throw new FaceReidError(`the ${store.backend} store has no database search`, 'GALLERY_SEARCH_MODE');
    return store.searchDatabase(queries, k, threshold);
  }
}
