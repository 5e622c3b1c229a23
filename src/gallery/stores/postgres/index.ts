/**
 * The PostgreSQL + pgvector gallery store: one database shared by a fleet of nodes.
 *
 * Each node matches on its own in-memory matrix (never waiting for the network), which the
 * follower keeps equal to the database through the change log and LISTEN/NOTIFY. Writes go
 * through a durable local outbox, in order, many operations per transaction: while the database is
 * reachable a write resolves once it is committed and the local matrix shows it; while it is not,
 * the write resolves as `queued` and is replayed when the link is back (exactly once, by its
 * operation id).
 *
 * State: connected (following live), catching-up (link back: applying missed changes and
 * replaying the outbox), offline (matching answers from the last state; writes queue).
 */
import { FaceReidError } from '../../../errors';
import type {
  AddResult,
  ApiKeyStore,
  DatabaseMatch,
  EmbeddingModelKey,
  GalleryStatus,
  GalleryStore,
  IdentityInfo,
  RemoveResult,
  SampleWrite,
  SearchMode,
  Sighting,
  SightingQuery,
  StoredSample,
  StoreOpenOptions,
} from '../../backend';
import { EmbeddingMatrix } from '../../matrix';
import { toFloat32, vectorLiteral } from './codec';
import { Connection } from './connection';
import { isTransient } from './errors';
import { Follower } from './follower';
import { ListenLink } from './link';
import { AddOutcome, applyOperations, CHANNEL, newOperation, Operation, OperationBody, Outcome, pruneChangeLog, RemoveOutcome } from './ops';
import { openOutbox, Outbox } from './outbox';
import { apiKeyStore, pruneSightings, querySightings } from './records';
import { migrate } from './schema';
import { searchDatabase } from './search';
import { parsePostgresUrl } from './url';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/**
 * hnsw.ef_search for database search. pgvector's own default (40) gives recall@1 0.79 against
 * exact search at 100,000 face-like identities (bench/gallery-search.js); 400 is the smallest
 * measured value reaching 0.99 on the default index (m 16, ef_construction 64).
 */
export const DEFAULT_EF_SEARCH = 400;
/** The safety net under NOTIFY (a notification lost with a connection is caught by this). */
const POLL_MS = 5_000;
/** Change-log rows kept; a node further behind reloads the whole gallery. */
export const CHANGE_LOG_KEEP = 100_000;
/** Own operations between two prunes of the change log. */
const PRUNE_EVERY = 1_000;
/**
 * At most this many outbox operations (and samples) per transaction: replaying an outage's queue
 * costs a few transactions, catch-ups and NOTIFYs instead of one of each per operation.
 */
const BATCH_OPS = 100;
const BATCH_SAMPLES = 400;

interface Waiter {
  resolve(outcome: Outcome | 'queued'): void;
  reject(err: Error): void;
}

export class PostgresStore implements GalleryStore {
  readonly backend = 'postgres' as const;
  readonly location: string;
  readonly matrix: EmbeddingMatrix;
  readonly keys: ApiKeyStore;
  readonly readonly: boolean;
  #model: EmbeddingModelKey | undefined;
  readonly #options: StoreOpenOptions;
  readonly #search: SearchMode;
  readonly #efSearch: number;
  readonly #connection: Connection;
  readonly #follower: Follower | null;
  readonly #link: ListenLink;
  #outbox: Outbox | null = null;
  #state: GalleryStatus['state'] = 'catching-up';
  #lastError: string | undefined;
  readonly #waiters = new Map<string, Waiter>();
  #draining: Promise<void> | null = null;
  #recovering: Promise<void> | null = null;
  #poll: NodeJS.Timeout | null = null;
  #closed = false;
  #opsSincePrune = 0;

  constructor(url: string, options: StoreOpenOptions) {
    const parsed = parsePostgresUrl(url);
    this.location = parsed.redacted;
    this.readonly = options.readonly;
    this.#options = options;
    this.#search = options.search;
    this.#efSearch = options.efSearch ?? DEFAULT_EF_SEARCH;
    this.#connection = new Connection(parsed, {
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      poolSize: 4,
    });
    this.matrix = new EmbeddingMatrix({ kernel: options.kernel });
    // search: 'database' galleries may be too big for memory: they keep no matrix.
    this.#follower = options.search === 'local' ? new Follower(this.#connection, this.matrix) : null;
    this.#link = new ListenLink(() => this.#connection.client(), CHANNEL, this.location, {
      up: () => void this.#recover(),
      down: (err) => this.#offline(err),
      notify: () => void this.#follow(),
    });
    const keys = apiKeyStore(this.#connection);
    this.keys = {
      create: (record) => (this.#writable('create an API key'), keys.create(record)),
      list: () => (this.#live(), keys.list()),
      get: (id) => (this.#live(), keys.get(id)),
      revoke: (id) => (this.#writable('revoke an API key'), keys.revoke(id)),
    };
  }

  /** Connects, migrates, loads the matrix and replays what an earlier process left in the outbox. */
  async start(): Promise<void> {
    this.#model = await this.#connection.session('open', (client) => migrate(client, this.location, this.readonly, this.#options.model));
    // LISTEN before the first load: a change committed in between is then both loaded and
    // notified (harmless), never neither.
    await this.#link.start();
    await this.#follower?.pull();
    if (!this.readonly) this.#outbox = openOutbox(this.#options.outbox, this.location);
    this.#state = 'connected';
    this.#poll = setInterval(() => void this.#follow(), POLL_MS);
    this.#poll.unref();
    if (this.#outbox && this.#outbox.depth() > 0) await this.#drain();
  }

  get model(): EmbeddingModelKey {
    if (this.#model === undefined) throw new FaceReidError('the PostgreSQL gallery is not open yet', 'CLOSED');
    return this.#model;
  }

  refresh(): void {
    // The matrix follows NOTIFY and the poll; nothing to do before a match.
  }

  status(): GalleryStatus {
    const status: GalleryStatus = {
      backend: 'postgres',
      state: this.#state,
      outbox: this.#outbox?.depth() ?? 0,
      seq: this.#follower?.seq ?? 0,
      search: this.#search,
    };
    if (this.#lastError !== undefined && this.#state !== 'connected') status.lastError = this.#lastError;
    return status;
  }

  async synced(): Promise<void> {
    this.#live();
    if (!this.#follower) return;
    if (this.#state === 'offline') {
      throw new FaceReidError(`PostgreSQL at ${this.location} is unavailable: the local matrix cannot be brought up to date (${this.#lastError ?? 'offline'})`, 'GALLERY_UNAVAILABLE');
    }
    try {
      await this.#follower.pull();
    } catch (err) {
      if (isTransient(err)) this.#lost(err as Error);
      throw err;
    }
  }

  async add(samples: SampleWrite[]): Promise<AddResult> {
    this.#writable('add samples');
    if (samples.length === 0) return { stored: 0, duplicates: 0, queued: 0 };
    for (const s of samples) {
      if (s.model !== this.model) throw new FaceReidError(`the gallery ${this.location} holds ${this.model} embeddings but a sample is from ${s.model}`, 'GALLERY_MODEL_MISMATCH');
    }
    const outcome = await this.#submit({
      kind: 'add',
      samples: samples.map((s) => ({
        label: s.label,
        vector: vectorLiteral(s.embedding),
        source: s.source,
        meta: s.identityMeta ? JSON.stringify(s.identityMeta) : null,
        model: s.model,
      })),
    });
    if (outcome === 'queued') return { stored: 0, duplicates: 0, queued: samples.length };
    return { ...(outcome as AddOutcome), queued: 0 };
  }

  async remove(label: string): Promise<RemoveResult> {
    this.#writable('remove an identity');
    const outcome = await this.#submit({ kind: 'remove', label });
    return outcome as RemoveOutcome | 'queued';
  }

  async recordSightings(sightings: Sighting[]): Promise<void> {
    this.#writable('record sightings');
    if (sightings.length === 0) return;
    await this.#submit({ kind: 'sightings', sightings });
  }

  async list(): Promise<IdentityInfo[]> {
    this.#live();
    const rows = await this.#connection.query<{ label: string; samples: number; meta: Record<string, unknown>; created: Date }>(
      'list',
      // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
      `SELECT i.label, count(s.id)::int AS samples, i.meta, i.created
         FROM identities i LEFT JOIN samples s ON s.identity_id = i.id
        GROUP BY i.id ORDER BY i.label COLLATE "C"`,
    );
    return rows.map((r) => ({ label: r.label, samples: r.samples, meta: r.meta, created: r.created.toISOString() }));
  }

  async samples(label: string): Promise<StoredSample[]> {
    this.#live();
    const rows = await this.#connection.query<{ source: string | null; embedding: Buffer; model: string; created: Date }>(
      'samples',
      `SELECT s.source, vector_send(s.embedding) AS embedding, s.model, s.created
         FROM samples s JOIN identities i ON i.id = s.identity_id WHERE i.label = $1 ORDER BY s.id`,
      [label],
    );
    return rows.map((r) => ({ source: r.source, embedding: toFloat32(r.embedding), model: r.model, created: r.created.toISOString() }));
  }

  async hasSource(source: string): Promise<boolean> {
    this.#live();
    return (await this.#connection.query('lookup', 'SELECT 1 FROM samples WHERE source = $1 LIMIT 1', [source])).length > 0;
  }

  async hasLabel(label: string): Promise<boolean> {
    this.#live();
    return (await this.#connection.query('lookup', 'SELECT 1 FROM identities WHERE label = $1', [label])).length > 0;
  }

  async counts(): Promise<{ identities: number; samples: number }> {
    this.#live();
    const [row] = await this.#connection.query<{ identities: number; samples: number }>(
      'count',
      'SELECT (SELECT count(*) FROM identities)::int AS identities, (SELECT count(*) FROM samples)::int AS samples',
    );
    return row;
  }

  async searchDatabase(queries: Float32Array[], k: number, threshold: number): Promise<DatabaseMatch[][]> {
    this.#live();
    return searchDatabase(this.#connection, this.model, this.#efSearch, queries, k, threshold);
  }

  async querySightings(query: SightingQuery): Promise<Sighting[]> {
    this.#live();
    return querySightings(this.#connection, query);
  }

  async pruneSightings(before: Date): Promise<number> {
    this.#writable('prune sightings');
    return pruneSightings(this.#connection, before);
  }

  /** Deletes all but the newest `keep` change-log rows (run every PRUNE_EVERY own writes). */
  async pruneChangeLog(keep = CHANGE_LOG_KEEP): Promise<number> {
    this.#writable('prune the change log');
    return pruneChangeLog(this.#connection, keep);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#poll) clearInterval(this.#poll);
    await this.#link.close();
    await this.#draining?.catch(() => undefined);
    await this.#recovering?.catch(() => undefined);
    await this.#follower?.pull().catch(() => undefined);
    this.#settleWaiters(new FaceReidError(`the gallery ${this.location} was closed before this write reached the database`, 'CLOSED'));
    this.#outbox?.close();
    await this.#connection.close();
  }

  // --- writes -------------------------------------------------------------------------------

  /**
   * Makes the operation durable in the outbox, then waits for it to be applied in turn; while
   * offline it resolves at once as 'queued'.
   */
  #submit(body: OperationBody): Promise<Outcome | 'queued'> {
    const outbox = this.#outbox!;
    const op = newOperation(body);
    outbox.put(op);
    if (this.#state === 'offline') {
      // Resolved from the next turn of the event loop: a caller writing in a loop through an
      // outage must not starve timers and I/O (nor the reconnect) with promises that never wait.
      if (outbox.durable) return new Promise((resolve) => setImmediate(() => resolve('queued')));
      outbox.delete([op.id]);
      return Promise.reject(new FaceReidError(`PostgreSQL at ${this.location} is unavailable and the outbox is disabled: ${this.#lastError ?? 'offline'}`, 'GALLERY_UNAVAILABLE'));
    }
    const settled = new Promise<Outcome | 'queued'>((resolve, reject) => this.#waiters.set(op.id, { resolve, reject }));
    void this.#drain();
    return settled;
  }

  /** Sends outbox operations oldest first, in batches, until it is empty or the link drops. */
  #drain(): Promise<void> {
    if (this.#draining) return this.#draining;
    this.#draining = this.#drainLoop().finally(() => {
      this.#draining = null;
      // A write put in after the loop's last look would otherwise wait for the next one.
      if (!this.#closed && this.#state !== 'offline' && (this.#outbox?.depth() ?? 0) > 0) void this.#drain();
    });
    return this.#draining;
  }

  async #drainLoop(): Promise<void> {
    const outbox = this.#outbox;
    if (!outbox) return;
    // After a batch the database refused, its operations go one by one to find the refused one.
    let singles = 0;
    while (!this.#closed && this.#state !== 'offline') {
      const batch = takeBatch(outbox.oldest(singles > 0 ? 1 : BATCH_OPS));
      if (batch.length === 0) return;
      let outcomes: Outcome[];
      try {
        outcomes = await applyOperations(this.#connection, batch);
      } catch (err) {
        if (isTransient(err)) {
          this.#lost(err as Error);
          return;
        }
        if (batch.length > 1) {
          singles = batch.length;
          continue;
        }
        // The database will never take this one (it is not an outage): drop it, say why.
        outbox.delete([batch[0].id]);
        this.#settle(batch[0], err as Error);
        singles = Math.max(0, singles - 1);
        continue;
      }
      singles = Math.max(0, singles - batch.length);
      outbox.delete(batch.map((op) => op.id));
      let followError: unknown;
      if (batch.some((op) => op.kind !== 'sightings') && this.#follower) {
        // The writes' promises resolve once the local matrix shows them: one catch-up per batch.
        await this.#follower.pull().catch((err) => (followError = err));
      }
      batch.forEach((op, i) => this.#settle(op, null, outcomes[i]));
      if (followError !== undefined && isTransient(followError)) this.#lost(followError as Error);
      this.#opsSincePrune += batch.length;
      if (this.#opsSincePrune >= PRUNE_EVERY) {
        this.#opsSincePrune = 0;
        await pruneChangeLog(this.#connection, CHANGE_LOG_KEEP).catch(() => undefined);
      }
    }
  }

  #settle(op: Operation, err: Error | null, outcome?: Outcome): void {
    const waiter = this.#waiters.get(op.id);
    this.#waiters.delete(op.id);
    if (err) {
      if (waiter) waiter.reject(err);
      else this.#lastError = `a queued ${op.kind} was refused by the database and dropped: ${err.message}`;
    } else {
      waiter?.resolve(outcome ?? null);
    }
  }

  /** Every write waiting for the database: 'queued' when it is durable, else rejected. */
  #settleWaiters(err: Error): void {
    const durable = this.#outbox?.durable ?? false;
    for (const [id, waiter] of this.#waiters) {
      if (durable) waiter.resolve('queued');
      else {
        this.#outbox?.delete([id]);
        waiter.reject(err);
      }
    }
    this.#waiters.clear();
  }

  // --- following and the link ---------------------------------------------------------------

  async #follow(): Promise<void> {
    // Also while catching up: replaying a long outbox takes a while, and other nodes' writes
    // meanwhile must reach this node's matrix as they come, not only after each replayed batch.
    if (this.#closed || this.#state === 'offline' || !this.#follower) return;
    try {
      await this.#follower.pull();
    } catch (err) {
      if (isTransient(err)) this.#lost(err as Error);
      else this.#lastError = (err as Error).message;
    }
  }

  /** A query found the database gone: offline now, and the link reconnects. */
  #lost(err: Error): void {
    this.#offline(err);
    this.#link.lost(err);
  }

  #offline(err: Error): void {
    if (this.#closed) return;
    this.#lastError = err.message;
    this.#state = 'offline';
    this.#settleWaiters(err);
  }

  /** The link is back: catch the matrix up from its last seq, replay the outbox, then live. */
  #recover(): Promise<void> {
    if (this.#recovering) return this.#recovering;
    this.#recovering = (async () => {
      if (this.#closed) return;
      this.#state = 'catching-up';
      try {
        await this.#follower?.pull();
        await this.#drain();
        if (this.#state === 'catching-up' && !this.#closed) this.#state = 'connected';
      } catch (err) {
        this.#lost(err as Error);
      }
    })().finally(() => {
      this.#recovering = null;
    });
    return this.#recovering;
  }

  #live(): void {
    if (this.#closed) throw new FaceReidError('the gallery is closed', 'CLOSED');
  }

  #writable(what: string): void {
    this.#live();
    if (this.readonly) throw new FaceReidError(`cannot ${what}: the gallery ${this.location} was opened read-only`, 'GALLERY_ERROR');
  }
}

/** The leading operations of `ops` that fit one transaction (always at least one). */
function takeBatch(ops: Operation[]): Operation[] {
  let samples = 0;
  let n = 0;
  while (n < ops.length) {
    const op = ops[n];
    samples += op.kind === 'add' ? op.samples.length : 1;
    if (n > 0 && samples > BATCH_SAMPLES) break;
    n++;
  }
  return ops.slice(0, n);
}

export async function openPostgresStore(url: string, options: StoreOpenOptions): Promise<PostgresStore> {
  const store = new PostgresStore(url, options);
  try {
    await store.start();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
