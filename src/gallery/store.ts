/**
 * The gallery: identities and their sample embeddings in one SQLite file (better-sqlite3), plus
 * matching against an in-memory matrix of all samples.
 *
 * Durability and sharing: WAL journal, so readers never block the writer and a killed process
 * leaves at worst an uncommitted tail that SQLite discards on the next open; synchronous=NORMAL,
 * which in WAL mode is safe against process crashes (only an OS crash or power loss can drop the
 * last commits); busy_timeout, so two processes writing the same file wait for each other
 * instead of failing. Every write is one IMMEDIATE transaction: taking the write lock up front
 * avoids the deadlock of two readers both upgrading to writers, which busy_timeout cannot resolve.
 */
import Database from 'better-sqlite3';
import { FaceReidError, invalidType, outOfRange } from '../errors';
import { matchFrame as assignFrame, FrameMatch, UNKNOWN } from './assignment';
import { DEFAULT_MATCH_THRESHOLD } from './defaults';
import { decodeEmbedding, EmbeddingInput, encodeEmbedding, toUnitVector } from './embedding';
import { EmbeddingMatrix, Match, MatrixRow, MatrixStats } from './matrix';
import { KernelKind } from './kernel';
import { retryWhileBusy } from './busy';
import { migrate } from './schema';

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
}

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
  created: string;
}

export interface GalleryOptions {
  readonly?: boolean;
  /** How long a write waits for another connection's write lock. Default 10 s. */
  busyTimeoutMs?: number;
  /** 'js' forces the JavaScript matching loop instead of WebAssembly SIMD (for comparison). */
  kernel?: KernelKind;
}

export interface MatchOptions {
  k?: number;
  threshold?: number;
}

interface ValidItem {
  label: string;
  blob: Buffer;
  source: string | null;
  identityMeta: string | null;
}

function validateLabel(label: unknown, name: string): string {
  if (typeof label !== 'string') throw invalidType('a string', name, label);
  if (label.trim() === '' || label !== label.trim()) throw outOfRange('a non-empty label without surrounding spaces', name, label);
  if (label === UNKNOWN) throw outOfRange(`a label other than "${UNKNOWN}" (it means no match)`, name, label);
  return label;
}

function validateItem(label: unknown, embedding: unknown, meta: unknown, name: string): ValidItem {
  const validLabel = validateLabel(label, `${name}.label`);
  const unit = toUnitVector(embedding, `${name}.embedding`);
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta))) {
    throw invalidType('an object', `${name}.meta`, meta);
  }
  const { source, ...rest } = (meta ?? {}) as SampleMeta;
  if (source !== undefined && (typeof source !== 'string' || source === '')) throw invalidType('a non-empty string', `${name}.meta.source`, source);
  let identityMeta: string | null = null;
  if (Object.keys(rest).length > 0) {
    try {
      identityMeta = JSON.stringify(rest);
    } catch {
      throw invalidType('JSON-serialisable values', `${name}.meta`, meta);
    }
  }
  return { label: validLabel, blob: encodeEmbedding(unit), source: source ?? null, identityMeta };
}

/** SQLite errors become FaceReidErrors with a stable code; everything else passes through. */
function translate(err: unknown, what: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
  const message = `gallery ${what} failed: ${(err as Error).message}`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new FaceReidError(message, 'GALLERY_BUSY');
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new FaceReidError(message, 'GALLERY_CORRUPT');
  return new FaceReidError(message, 'GALLERY_ERROR');
}

export class Gallery {
  private readonly db: Database.Database;
  private readonly matrix: EmbeddingMatrix;
  private readonly statements;
  private readonly insertMany: Database.Transaction<(items: ValidItem[]) => number>;
  private readonly removeLabel: Database.Transaction<(label: string) => boolean>;
  readonly path: string;
  readonly readonly: boolean;

  static open(path: string, options: GalleryOptions = {}): Gallery {
    if (typeof path !== 'string' || path === '') throw invalidType('a file path or ":memory:"', 'path', path);
    if (options === null || typeof options !== 'object') throw invalidType('an object', 'options', options);
    const busy = options.busyTimeoutMs ?? 10_000;
    if (!Number.isInteger(busy) || busy < 0) throw outOfRange('a non-negative integer', 'options.busyTimeoutMs', busy);
    return new Gallery(path, options.readonly === true, busy, options.kernel);
  }

  private constructor(path: string, readonly: boolean, busyTimeoutMs: number, kernel: KernelKind | undefined) {
    this.path = path;
    this.readonly = readonly;
    let db: Database.Database;
    try {
      db = new Database(path, { readonly, fileMustExist: readonly });
    } catch (err) {
      throw translate(err, `open of ${path}`);
    }
    try {
      // busy_timeout first: the pragmas and migration below may already contend with another process.
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      if (!readonly) {
        // The journal mode is stored in the file: only its creator normally converts it.
        retryWhileBusy(() => {
          if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
        }, busyTimeoutMs);
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      retryWhileBusy(() => migrate(db, readonly), busyTimeoutMs);
    } catch (err) {
      db.close();
      throw translate(err, `open of ${path}`);
    }
    this.db = db;
    this.statements = {
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      insertIdentity: db.prepare('INSERT INTO identities (label) VALUES (?) ON CONFLICT (label) DO NOTHING'),
      identityId: db.prepare('SELECT id FROM identities WHERE label = ?').pluck(),
      patchMeta: db.prepare('UPDATE identities SET meta = json_patch(meta, ?) WHERE id = ?'),
      insertSample: db.prepare('INSERT INTO samples (identity_id, embedding, source) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      deleteSamples: db.prepare('DELETE FROM samples WHERE identity_id = (SELECT id FROM identities WHERE label = ?)'),
      deleteIdentity: db.prepare('DELETE FROM identities WHERE label = ?'),
      hasSource: db.prepare('SELECT 1 FROM samples WHERE source = ? LIMIT 1').pluck(),
      hasLabel: db.prepare('SELECT 1 FROM identities WHERE label = ?').pluck(),
      countIdentities: db.prepare('SELECT count(*) FROM identities').pluck(),
      countSamples: db.prepare('SELECT count(*) FROM samples').pluck(),
      countUpTo: db.prepare('SELECT count(*) FROM samples WHERE id <= ?').pluck(),
      rowsAfter: db
        .prepare('SELECT s.id, s.identity_id, i.label, s.embedding FROM samples s JOIN identities i ON i.id = s.identity_id WHERE s.id > ? ORDER BY s.id')
        .raw(),
      list: db.prepare(
        'SELECT i.label, count(s.id) AS samples, i.meta, i.created FROM identities i LEFT JOIN samples s ON s.identity_id = i.id GROUP BY i.id ORDER BY i.label',
      ),
      samplesOf: db.prepare(
        'SELECT s.source, s.embedding, s.created FROM samples s JOIN identities i ON i.id = s.identity_id WHERE i.label = ? ORDER BY s.id',
      ),
    };
    const st = this.statements;
    this.insertMany = db.transaction((items: ValidItem[]) => {
      let inserted = 0;
      for (const item of items) {
        st.insertIdentity.run(item.label);
        const id = st.identityId.get(item.label) as number;
        if (item.identityMeta) st.patchMeta.run(item.identityMeta, id);
        inserted += st.insertSample.run(id, item.blob, item.source).changes;
      }
      return inserted;
    });
    this.removeLabel = db.transaction((label: string) => {
      st.deleteSamples.run(label);
      return st.deleteIdentity.run(label).changes > 0;
    });
    this.matrix = new EmbeddingMatrix(
      {
        dataVersion: () => st.dataVersion.get() as number,
        countUpTo: (id) => st.countUpTo.get(id) as number,
        rowsAfter: (id) => mapRows(st.rowsAfter.iterate(id) as IterableIterator<[number, number, string, Buffer]>),
      },
      { kernel },
    );
  }

  /**
   * Stores one sample for `label` (creating the identity). Returns false when this identity
   * already has a sample with the same `meta.source` (nothing is written then).
   */
  add(label: string, embedding: EmbeddingInput, meta?: SampleMeta): boolean {
    return this.addMany([{ label, embedding, meta }]) === 1;
  }

  /** All items in one transaction: all are stored or none. Returns how many were new. */
  addMany(items: readonly GalleryItem[]): number {
    if (!Array.isArray(items)) throw invalidType('an array', 'items', items);
    // Validate everything before writing anything.
    const valid = items.map((item, i) => {
      if (item === null || typeof item !== 'object') throw invalidType('an object', `items[${i}]`, item);
      return validateItem(item.label, item.embedding, item.meta, `items[${i}]`);
    });
    if (valid.length === 0) return 0;
    return this.write('add', () => this.insertMany.immediate(valid));
  }

  /** Removes an identity and all its samples. Returns false when there was no such label. */
  remove(label: string): boolean {
    const valid = validateLabel(label, 'label');
    return this.write('remove', () => this.removeLabel.immediate(valid));
  }

  list(): IdentityInfo[] {
    const rows = this.read('list', () => this.statements.list.all()) as { label: string; samples: number; meta: string; created: string }[];
    return rows.map((r) => ({ label: r.label, samples: r.samples, meta: JSON.parse(r.meta) as Record<string, unknown>, created: r.created }));
  }

  /** The stored (unit-length) samples of one identity, oldest first. */
  samples(label: string): StoredSample[] {
    const valid = validateLabel(label, 'label');
    const rows = this.read('samples', () => this.statements.samplesOf.all(valid)) as { source: string | null; embedding: Buffer; created: string }[];
    return rows.map((r) => ({ source: r.source, embedding: decodeEmbedding(r.embedding), created: r.created }));
  }

  /** Whether any identity has a sample from `source`. */
  hasSource(source: string): boolean {
    if (typeof source !== 'string') throw invalidType('a string', 'source', source);
    return this.read('lookup', () => this.statements.hasSource.get(source)) !== undefined;
  }

  hasLabel(label: string): boolean {
    if (typeof label !== 'string') throw invalidType('a string', 'label', label);
    return this.read('lookup', () => this.statements.hasLabel.get(label)) !== undefined;
  }

  /** Number of identities. */
  get count(): number {
    return this.read('count', () => this.statements.countIdentities.get()) as number;
  }

  get sampleCount(): number {
    return this.read('count', () => this.statements.countSamples.get()) as number;
  }

  /** How often the match matrix was rebuilt or extended from the file (diagnostics and tests). */
  get matrixStats(): Readonly<MatrixStats> {
    return { ...this.matrix.stats };
  }

  /** Which matching loop is in use: 'simd' (WebAssembly) or 'js'. */
  get kernel(): KernelKind {
    return this.matrix.kernelKind;
  }

  /**
   * The k identities most similar to `embedding` (each by its best sample) with similarity at or
   * above `threshold`, best first; [] means Unknown.
   */
  match(embedding: EmbeddingInput, options: MatchOptions = {}): Match[] {
    const { k, threshold } = matchOptions(options);
    const query = toUnitVector(embedding, 'embedding');
    return this.read('match', () => this.matrix.match(query, k, threshold));
  }

  /** One label (or 'Unknown') per face of one frame, never the same identity twice. */
  matchFrame(embeddings: readonly EmbeddingInput[], options: Pick<MatchOptions, 'threshold'> = {}): FrameMatch[] {
    if (!Array.isArray(embeddings)) throw invalidType('an array of embeddings', 'embeddings', embeddings);
    const { threshold } = matchOptions(options);
    const queries = embeddings.map((e, i) => toUnitVector(e, `embeddings[${i}]`));
    return this.read('match', () => assignFrame(this.matrix, queries, threshold));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  private live(): Database.Database {
    if (!this.db.open) throw new FaceReidError('the gallery is closed', 'CLOSED');
    return this.db;
  }

  private read<T>(what: string, fn: () => T): T {
    this.live();
    try {
      return fn();
    } catch (err) {
      throw translate(err, what);
    }
  }

  private write<T>(what: string, fn: () => T): T {
    if (this.live().readonly) throw new FaceReidError(`cannot ${what}: the gallery was opened read-only`, 'GALLERY_ERROR');
    try {
      return fn();
    } catch (err) {
      throw translate(err, what);
    } finally {
      // Own commits leave data_version unchanged, so the matrix is told directly.
      this.matrix.markDirty();
    }
  }
}

function* mapRows(rows: IterableIterator<[number, number, string, Buffer]>): Generator<MatrixRow> {
  for (const [id, identityId, label, embedding] of rows) yield { id, identityId, label, embedding };
}

function matchOptions(options: MatchOptions): { k: number; threshold: number } {
  if (options === null || typeof options !== 'object') throw invalidType('an object', 'options', options);
  const k = options.k ?? 1;
  if (typeof k !== 'number') throw invalidType('a number', 'options.k', k);
  if (!Number.isInteger(k) || k < 1) throw outOfRange('a positive integer', 'options.k', k);
  const threshold = options.threshold ?? DEFAULT_MATCH_THRESHOLD;
  if (typeof threshold !== 'number') throw invalidType('a number', 'options.threshold', threshold);
  if (!(threshold >= -1 && threshold <= 1)) throw outOfRange('a number between -1 and 1', 'options.threshold', threshold);
  return { k, threshold };
}
