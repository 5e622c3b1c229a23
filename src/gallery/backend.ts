/**
 * The contract between the public `Gallery` and its stores (SQLite, PostgreSQL + pgvector).
 *
 * Why this shape: identification must never wait for the network, so matching runs on an
 * in-memory matrix that every store keeps in step with its database (`EmbeddingMatrix`), and is
 * synchronous; everything that touches the database (writes, listings, sightings, database
 * search) is asynchronous on both backends, so the public API is the same whichever is behind it.
 *
 * Values reaching a store are already validated by the Gallery (labels, unit vectors, meta), so
 * stores check only what the database itself can get wrong.
 */
import type { KernelKind } from './kernel';
import type { EmbeddingMatrix } from './matrix';

/**
 * Which network (and precision) made an embedding, as one string: `<model>/<precision>`, e.g.
 * `face-reidentification-retail-0095/FP16`. Vectors of different models are not comparable, so
 * a gallery holds one model's vectors only and refuses others (GALLERY_MODEL_MISMATCH).
 */
export type EmbeddingModelKey = string;

export type GalleryBackend = 'sqlite' | 'postgres';
export type SearchMode = 'local' | 'database';

/** One validated sample on its way into a store. */
export interface SampleWrite {
  label: string;
  /** Unit length, 256 float32. */
  embedding: Float32Array;
  /** The idempotency key per identity (a file path, a frame id); null: none. */
  source: string | null;
  /** Keys merged into the identity's meta (JSON object), or null. */
  identityMeta: Record<string, unknown> | null;
  model: EmbeddingModelKey;
}

/** Outcome of a batch of sample writes. `queued`: durable in the local outbox, not yet in the database. */
export interface AddResult {
  stored: number;
  /** Samples whose (identity, source) was already there: nothing written. */
  duplicates: number;
  queued: number;
}

/** `queued`: durable in the local outbox; the removal lands when the database is back. */
export type RemoveResult = 'removed' | 'absent' | 'queued';

export interface IdentityInfo {
  label: string;
  samples: number;
  meta: Record<string, unknown>;
  /** ISO 8601, UTC. */
  created: string;
}

export interface StoredSample {
  source: string | null;
  embedding: Float32Array;
  model: EmbeddingModelKey;
  /** ISO 8601, UTC. */
  created: string;
}

export interface GalleryStatus {
  backend: GalleryBackend;
  /**
   * connected: the local matrix follows the database live; catching-up: (re)connected and
   * applying the changes it missed; offline: the database is unreachable, matching answers
   * from the last state and writes wait in the outbox.
   */
  state: 'connected' | 'catching-up' | 'offline';
  /** Writes waiting in the local outbox (always 0 for SQLite). */
  outbox: number;
  /** Highest change-log sequence the local matrix reflects. */
  seq: number;
  search: SearchMode;
  /** The last connection or replay error while not connected. */
  lastError?: string;
}

/** Box in frame pixels. */
export interface SightingBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One recognition, appended to the sightings log (streams and the service write these). */
export interface Sighting {
  /** ISO 8601, UTC. */
  at: string;
  /** The node (machine or process) that saw it. */
  node: string;
  /** Camera or request source. */
  source: string;
  /** Gallery label, 'Unknown', or a visitor id (`visitor-<n>`). */
  label: string;
  similarity: number;
  box?: SightingBox;
  /** Track id within the source, when a stream made it. */
  track?: string;
}

/** The Gallery hands stores `from`/`to` as ISO 8601 UTC strings (Date#toISOString) and `limit` filled in. */
export interface SightingQuery {
  label?: string;
  source?: string;
  /** Inclusive, ISO 8601 or Date. */
  from?: string | Date;
  /** Exclusive, ISO 8601 or Date. */
  to?: string | Date;
  /** Default 1000, newest first. */
  limit?: number;
}

export type ApiKeyScope = 'recognize' | 'manage' | 'admin';

/**
 * A service API key as stored: never the key itself, only its salted hash. The service derives
 * and compares the hash (src/service/auth.ts); a store only keeps the records.
 */
export interface ApiKeyRecord {
  /** Public part of the key, used to find the record. */
  id: string;
  name: string;
  scope: ApiKeyScope;
  /** hex */
  salt: string;
  /** hex */
  hash: string;
  /** Requests per minute for this key; null: the service's default. */
  rateLimit: number | null;
  /** ISO 8601, UTC. */
  created: string;
  /** ISO 8601, UTC, or null while the key is valid. */
  revoked: string | null;
}

export interface ApiKeyStore {
  create(record: ApiKeyRecord): Promise<void>;
  list(): Promise<ApiKeyRecord[]>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** false when there is no such key or it was already revoked. */
  revoke(id: string): Promise<boolean>;
}

export interface DatabaseMatch {
  label: string;
  similarity: number;
}

/**
 * What `Gallery.open` hands a store's opener, validated and with defaults filled in
 * (src/gallery/options.ts). The PostgreSQL-only keys are undefined for SQLite, which ignores them.
 */
export interface StoreOpenOptions {
  readonly: boolean;
  /**
   * The model the caller named, or undefined. A new gallery stores it (else
   * DEFAULT_EMBEDDING_MODEL); an existing gallery holding another model must refuse to open
   * with GALLERY_MODEL_MISMATCH (checkModel in src/gallery/model.ts).
   */
  model: EmbeddingModelKey | undefined;
  kernel: KernelKind;
  search: SearchMode;
  /** SQLite: how long a write waits for another connection's lock. */
  busyTimeoutMs: number;
  /** PostgreSQL: pgvector's hnsw.ef_search for `search: 'database'`. */
  efSearch?: number;
  /** PostgreSQL: the local outbox file; false: no outbox (writes fail while offline). */
  outbox?: string | false;
  /** Written into sightings that name no node. */
  node: string;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export interface GalleryStore {
  readonly backend: GalleryBackend;
  /** Where it is, safe to print (a URL without its password). */
  readonly location: string;
  readonly model: EmbeddingModelKey;
  /** Every sample of the gallery, kept in step with the database by the store. */
  readonly matrix: EmbeddingMatrix;
  /**
   * Called synchronously before every local match. SQLite follows other connections' commits
   * here (one pragma when nothing changed); PostgreSQL does nothing (its matrix follows NOTIFY).
   */
  refresh(): void;
  status(): GalleryStatus;
  /** Resolves when the matrix reflects every change committed before the call. */
  synced(): Promise<void>;
  /** All samples in one transaction: all stored or none. */
  add(samples: SampleWrite[]): Promise<AddResult>;
  /** Deletes the identity, every sample of it and every sighting under its label. */
  remove(label: string): Promise<RemoveResult>;
  list(): Promise<IdentityInfo[]>;
  samples(label: string): Promise<StoredSample[]>;
  hasSource(source: string): Promise<boolean>;
  hasLabel(label: string): Promise<boolean>;
  counts(): Promise<{ identities: number; samples: number }>;
  /**
   * For `search: 'database'`: per unit query, the k identities with the best sample similarity
   * at or above threshold, best first (PostgreSQL: pgvector HNSW). Absent on SQLite.
   */
  searchDatabase?(queries: Float32Array[], k: number, threshold: number): Promise<DatabaseMatch[][]>;
  recordSightings(sightings: Sighting[]): Promise<void>;
  querySightings(query: SightingQuery): Promise<Sighting[]>;
  /** Deletes sightings older than `before`; returns how many. */
  pruneSightings(before: Date): Promise<number>;
  readonly keys: ApiKeyStore;
  /** Ends every connection, timer and child the store started. */
  close(): Promise<void>;
}
