/**
 * The embedded gallery store: one SQLite file (node:sqlite or better-sqlite3: sqlite-driver.ts), or `:memory:`.
 *
 * Durability and sharing: WAL journal, so readers never block the writer and a killed process
 * leaves at worst an uncommitted tail that SQLite discards on the next open; synchronous=NORMAL,
 * which in WAL mode is safe against process crashes (only an OS crash or power loss can drop the
 * last commits); busy_timeout, so two processes writing the same file wait for each other
 * instead of failing. Every write is one IMMEDIATE transaction: taking the write lock up front
 * avoids the deadlock of two readers both upgrading to writers, which busy_timeout cannot resolve.
 *
 * Following other connections: `refresh()` reads `PRAGMA data_version` (which changes when
 * another connection, in this or another process, commits) and a dirty flag set after this
 * store's own inserts (which leave data_version unchanged). Sample ids only grow
 * (AUTOINCREMENT), so "nothing was deleted" is exactly "the rows up to the matrix's last id are
 * still all there": then only the new rows are appended; otherwise the matrix is rebuilt. Own
 * removals take the identity out of the matrix in place.
 *
 * The methods are async to share the GalleryStore contract with PostgreSQL; the work itself is
 * synchronous (both SQLite drivers are), which for a local file is faster than a thread hop.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FaceReidError, outOfRange } from '../../errors';
import type {
  AddResult,
  ApiKeyRecord,
  ApiKeyStore,
  EmbeddingModelKey,
  GalleryStatus,
  GalleryStore,
  IdentityInfo,
  RemoveResult,
  SampleWrite,
  Sighting,
  SightingQuery,
  StoredSample,
  StoreOpenOptions,
} from '../backend';
import { decodeEmbedding, encodeEmbedding } from '../embedding';
import { EmbeddingMatrix, MatrixRow } from '../matrix';
import { retryWhileBusy } from './sqlite-busy';
import { openSqlite, type SqliteDatabase, type SqliteStatement, type SqliteTransaction } from './sqlite-driver';
import { migrate } from './sqlite-schema';

/** SQLite errors become FaceReidErrors with a stable code; everything else passes through. */
function translate(err: unknown, what: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
  const message = `gallery ${what} failed: ${(err as Error).message}`;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new FaceReidError(message, 'GALLERY_BUSY');
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new FaceReidError(message, 'GALLERY_CORRUPT');
  if (code.startsWith('SQLITE_CANTOPEN')) return new FaceReidError(message, 'GALLERY_NOT_FOUND');
  return new FaceReidError(message, 'GALLERY_ERROR');
}

const isMemory = (path: string) => path === ':memory:';

/** The typed errors of a path that cannot hold a gallery, before SQLite's untyped ones. */
function checkPath(path: string, readonly: boolean): void {
  if (isMemory(path)) {
    if (readonly) throw outOfRange('a file path (an in-memory gallery starts empty, so it cannot be read-only)', 'location', path);
    return;
  }
  const full = resolve(path);
  if (readonly && !existsSync(full)) throw new FaceReidError(`no gallery file at ${path}`, 'GALLERY_NOT_FOUND');
  const dir = dirname(full);
  if (!existsSync(dir)) throw new FaceReidError(`cannot create the gallery ${path}: the folder ${dir} does not exist`, 'GALLERY_NOT_FOUND');
  if (existsSync(full) && statSync(full).isDirectory()) throw new FaceReidError(`the gallery path ${path} is a folder, not a file`, 'GALLERY_NOT_FOUND');
}

interface SightingRow {
  at: string;
  node: string;
  source: string;
  label: string;
  similarity: number;
  box_x: number | null;
  box_y: number | null;
  box_width: number | null;
  box_height: number | null;
  track: string | null;
}

interface ApiKeyRow {
  id: string;
  name: string;
  scope: ApiKeyRecord['scope'];
  salt: string;
  hash: string;
  rate_limit: number | null;
  created: string;
  revoked: string | null;
}

function prepareStatements(db: SqliteDatabase) {
  return {
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    insertIdentity: db.prepare('INSERT INTO identities (label) VALUES (?) ON CONFLICT (label) DO NOTHING'),
    identityId: db.prepare('SELECT id FROM identities WHERE label = ?').pluck(),
    patchMeta: db.prepare('UPDATE identities SET meta = json_patch(meta, ?) WHERE id = ?'),
    insertSample: db.prepare('INSERT INTO samples (identity_id, embedding, source, model) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    deleteSamples: db.prepare('DELETE FROM samples WHERE identity_id = ?'),
    deleteIdentity: db.prepare('DELETE FROM identities WHERE id = ?'),
    deleteSightingsOf: db.prepare('DELETE FROM sightings WHERE label = ?'),
    hasSource: db.prepare('SELECT 1 FROM samples WHERE source = ? LIMIT 1').pluck(),
    hasLabel: db.prepare('SELECT 1 FROM identities WHERE label = ?').pluck(),
    countIdentities: db.prepare('SELECT count(*) FROM identities').pluck(),
    countSamples: db.prepare('SELECT count(*) FROM samples').pluck(),
    countUpTo: db.prepare('SELECT count(*) FROM samples WHERE id <= ?').pluck(),
    rowsAfter: db.prepare('SELECT s.id, s.identity_id, i.label, s.embedding FROM samples s JOIN identities i ON i.id = s.identity_id WHERE s.id > ? ORDER BY s.id').raw(),
    list: db.prepare(
      'SELECT i.label, count(s.id) AS samples, i.meta, i.created FROM identities i LEFT JOIN samples s ON s.identity_id = i.id GROUP BY i.id ORDER BY i.label',
    ),
    samplesOf: db.prepare(
      'SELECT s.source, s.embedding, s.model, s.created FROM samples s JOIN identities i ON i.id = s.identity_id WHERE i.label = ? ORDER BY s.id',
    ),
    insertSighting: db.prepare(
      'INSERT INTO sightings (at, node, source, label, similarity, box_x, box_y, box_width, box_height, track) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    pruneSightings: db.prepare('DELETE FROM sightings WHERE at < ?'),
    insertKey: db.prepare('INSERT INTO api_keys (id, name, scope, salt, hash, rate_limit, created, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    listKeys: db.prepare('SELECT * FROM api_keys ORDER BY created, id'),
    getKey: db.prepare('SELECT * FROM api_keys WHERE id = ?'),
    revokeKey: db.prepare("UPDATE api_keys SET revoked = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND revoked IS NULL"),
  };
}

function* matrixRows(rows: IterableIterator<[number, number, string, Uint8Array]>): Generator<MatrixRow> {
  for (const [id, identityId, label, embedding] of rows) yield { id, identityId, label, embedding };
}

function toSighting(r: SightingRow): Sighting {
  const s: Sighting = { at: r.at, node: r.node, source: r.source, label: r.label, similarity: r.similarity };
  if (r.box_x !== null) s.box = { x: r.box_x, y: r.box_y!, width: r.box_width!, height: r.box_height! };
  if (r.track !== null) s.track = r.track;
  return s;
}

function toKey(r: ApiKeyRow): ApiKeyRecord {
  return { id: r.id, name: r.name, scope: r.scope, salt: r.salt, hash: r.hash, rateLimit: r.rate_limit, created: r.created, revoked: r.revoked };
}

export class SqliteStore implements GalleryStore {
  readonly backend = 'sqlite' as const;
  readonly location: string;
  readonly model: EmbeddingModelKey;
  readonly matrix: EmbeddingMatrix;
  readonly keys: ApiKeyStore;
  readonly readonly: boolean;
  readonly #db: SqliteDatabase;
  readonly #st: ReturnType<typeof prepareStatements>;
  readonly #insertMany: SqliteTransaction<(samples: SampleWrite[]) => number>;
  readonly #removeLabel: SqliteTransaction<(label: string) => { identityId: number | undefined; deleted: boolean }>;
  readonly #sightingQueries = new Map<string, SqliteStatement>();
  #lastDataVersion = -1;
  #dirty = true;

  constructor(path: string, options: StoreOpenOptions) {
    this.location = path;
    this.readonly = options.readonly;
    checkPath(path, options.readonly);
    let db: SqliteDatabase;
    try {
      db = openSqlite(path, { readonly: options.readonly });
    } catch (err) {
      throw translate(err, `open of ${path}`);
    }
    let model: EmbeddingModelKey;
    try {
      // busy_timeout first: the pragmas and migration below may already contend with another process.
      db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
      if (!options.readonly) {
        // The journal mode is stored in the file: only its creator normally converts it.
        retryWhileBusy(() => {
          if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
        }, options.busyTimeoutMs);
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      model = retryWhileBusy(() => migrate(db, options.readonly, options.model, path), options.busyTimeoutMs);
    } catch (err) {
      db.close();
      throw translate(err, `open of ${path}`);
    }
    this.#db = db;
    this.model = model;
    this.matrix = new EmbeddingMatrix({ kernel: options.kernel });
    const st = (this.#st = prepareStatements(db));
    this.#insertMany = db.transaction((samples: SampleWrite[]) => {
      let inserted = 0;
      for (const s of samples) {
        st.insertIdentity.run(s.label);
        const id = st.identityId.get(s.label) as number;
        if (s.identityMeta) st.patchMeta.run(JSON.stringify(s.identityMeta), id);
        inserted += st.insertSample.run(id, encodeEmbedding(s.embedding), s.source, s.model).changes;
      }
      return inserted;
    });
    this.#removeLabel = db.transaction((label: string) => {
      const identityId = st.identityId.get(label) as number | undefined;
      if (identityId !== undefined) {
        st.deleteSamples.run(identityId);
        st.deleteIdentity.run(identityId);
      }
      const sightings = st.deleteSightingsOf.run(label).changes;
      return { identityId, deleted: identityId !== undefined || sightings > 0 };
    });
    this.keys = {
      create: async (record) => {
        this.#write('key creation', () => {
          st.insertKey.run(record.id, record.name, record.scope, record.salt, record.hash, record.rateLimit, record.created, record.revoked);
        });
      },
      list: async () => this.#read('key listing', () => (st.listKeys.all() as ApiKeyRow[]).map(toKey)),
      get: async (id) => this.#read('key lookup', () => {
        const row = st.getKey.get(id) as ApiKeyRow | undefined;
        return row && toKey(row);
      }),
      revoke: async (id) => this.#write('key revocation', () => st.revokeKey.run(id).changes > 0),
    };
  }

  get isOpen(): boolean {
    return this.#db.open;
  }

  refresh(): void {
    this.#live();
    const st = this.#st;
    try {
      const version = st.dataVersion.get() as number;
      if (version === this.#lastDataVersion && !this.#dirty) return;
      // Flags first, reads after: a commit landing in between is seen now or on the next call.
      this.#lastDataVersion = version;
      this.#dirty = false;
      const m = this.matrix;
      if (m.lastSampleId > 0 && st.countUpTo.get(m.lastSampleId) === m.sampleCount) {
        m.append(matrixRows(st.rowsAfter.iterate(m.lastSampleId) as IterableIterator<[number, number, string, Uint8Array]>));
      } else {
        m.clear();
        m.append(matrixRows(st.rowsAfter.iterate(0) as IterableIterator<[number, number, string, Uint8Array]>));
      }
    } catch (err) {
      this.#dirty = true; // whatever was not loaded is loaded next time
      throw translate(err, 'refresh of the match matrix');
    }
  }

  status(): GalleryStatus {
    return { backend: 'sqlite', state: 'connected', outbox: 0, seq: this.matrix.lastSampleId, search: 'local' };
  }

  async synced(): Promise<void> {
    this.refresh();
  }

  async add(samples: SampleWrite[]): Promise<AddResult> {
    if (samples.length === 0) return { stored: 0, duplicates: 0, queued: 0 };
    const stored = this.#write('add', () => this.#insertMany.immediate(samples));
    // Own commits leave data_version unchanged: the next refresh appends them.
    this.#dirty = true;
    return { stored, duplicates: samples.length - stored, queued: 0 };
  }

  async remove(label: string): Promise<RemoveResult> {
    const { identityId, deleted } = this.#write('remove', () => this.#removeLabel.immediate(label));
    if (identityId !== undefined) this.matrix.removeIdentity(identityId);
    return deleted ? 'removed' : 'absent';
  }

  async list(): Promise<IdentityInfo[]> {
    const rows = this.#read('list', () => this.#st.list.all()) as { label: string; samples: number; meta: string; created: string }[];
    return rows.map((r) => ({ label: r.label, samples: r.samples, meta: JSON.parse(r.meta) as Record<string, unknown>, created: r.created }));
  }

  async samples(label: string): Promise<StoredSample[]> {
    const rows = this.#read('samples', () => this.#st.samplesOf.all(label)) as { source: string | null; embedding: Uint8Array; model: string; created: string }[];
    return rows.map((r) => ({ source: r.source, embedding: decodeEmbedding(r.embedding), model: r.model, created: r.created }));
  }

  async hasSource(source: string): Promise<boolean> {
    return this.#read('lookup', () => this.#st.hasSource.get(source)) !== undefined;
  }

  async hasLabel(label: string): Promise<boolean> {
    return this.#read('lookup', () => this.#st.hasLabel.get(label)) !== undefined;
  }

  async counts(): Promise<{ identities: number; samples: number }> {
    return this.#read('count', () => ({ identities: this.#st.countIdentities.get() as number, samples: this.#st.countSamples.get() as number }));
  }

  async recordSightings(sightings: Sighting[]): Promise<void> {
    if (sightings.length === 0) return;
    const st = this.#st;
    this.#write('sighting', () =>
      this.#db
        .transaction(() => {
          for (const s of sightings) {
            st.insertSighting.run(s.at, s.node, s.source, s.label, s.similarity, s.box?.x ?? null, s.box?.y ?? null, s.box?.width ?? null, s.box?.height ?? null, s.track ?? null);
          }
        })
        .immediate(),
    );
  }

  async querySightings(query: SightingQuery): Promise<Sighting[]> {
    // The SQL is chosen from fixed fragments by which filters are present (values are always
    // parameters), so each shape can use its index instead of one catch-all OR-ed statement.
    const where: string[] = [];
    const params: unknown[] = [];
    const filter = (sql: string, value: unknown) => {
      if (value === undefined) return;
      where.push(sql);
      params.push(value instanceof Date ? value.toISOString() : value);
    };
    filter('label = ?', query.label);
    filter('source = ?', query.source);
    filter('at >= ?', query.from);
    filter('at < ?', query.to);
    const sql = `SELECT * FROM sightings${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`;
    return this.#read('sighting query', () => {
      let statement = this.#sightingQueries.get(sql);
      if (!statement) this.#sightingQueries.set(sql, (statement = this.#db.prepare(sql)));
      return (statement.all(...params, query.limit ?? 1000) as SightingRow[]).map(toSighting);
    });
  }

  async pruneSightings(before: Date): Promise<number> {
    return this.#write('sighting pruning', () => this.#st.pruneSightings.run(before.toISOString()).changes);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #live(): SqliteDatabase {
    if (!this.#db.open) throw new FaceReidError('the gallery is closed', 'CLOSED');
    return this.#db;
  }

  #read<T>(what: string, fn: () => T): T {
    this.#live();
    try {
      return fn();
    } catch (err) {
      throw translate(err, what);
    }
  }

  #write<T>(what: string, fn: () => T): T {
    if (this.#live().readonly) throw new FaceReidError(`cannot ${what}: the gallery ${this.location} was opened read-only`, 'GALLERY_ERROR');
    try {
      return fn();
    } catch (err) {
      throw translate(err, what);
    }
  }
}

export function openSqliteStore(path: string, options: StoreOpenOptions): SqliteStore {
  return new SqliteStore(path, options);
}
