/**
 * The PostgreSQL gallery's schema and its migrations, versioned in `gallery_schema` so a newer
 * library upgrades an older database in place and an older library refuses a newer one rather
 * than misreading it. Every node runs `migrate` on open; a transaction-level advisory lock makes
 * the first one migrate and the others wait and then find it done.
 */
import type { PoolClient } from 'pg';
import { FaceReidError } from '../../../errors';
import type { EmbeddingModelKey } from '../../backend';
import { DEFAULT_EMBEDDING_MODEL } from '../../defaults';
import { EMBEDDING_SIZE } from '../../embedding';
import { checkModel } from '../../model';
import { extensionMissing } from './errors';

export const PG_SCHEMA_VERSION = 1;

/** Advisory lock keys (one 64-bit space per database, shared with anything else using it). */
export const LOCK_MIGRATE = 0x6f76667201;
/** Held by every transaction that appends to `changes`: commit order = seq order. */
export const LOCK_CHANGES = 0x6f76667202;

/** migrations[v] takes a database from version v to v + 1. */
const migrations: string[] = [
  `
  CREATE TABLE gallery_schema (version integer NOT NULL);
  INSERT INTO gallery_schema VALUES (0);
  -- key/value facts of the gallery: 'model' (the one embedding model of its samples),
  -- 'pruned_through' (the highest change seq deleted from the log).
  CREATE TABLE gallery_meta (key text PRIMARY KEY, value text NOT NULL);
  INSERT INTO gallery_meta VALUES ('pruned_through', '0');
  CREATE TABLE identities (
    id      bigserial PRIMARY KEY,
    label   text NOT NULL UNIQUE,
    meta    jsonb NOT NULL DEFAULT '{}',
    created timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE samples (
    id          bigserial PRIMARY KEY,
    identity_id bigint NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    embedding   vector(${EMBEDDING_SIZE}) NOT NULL,
    source      text,
    model       text NOT NULL,
    created     timestamptz NOT NULL DEFAULT now(),
    -- The idempotency key of enrolment, as in SQLite: replaying a write adds only what is missing.
    UNIQUE (identity_id, source)
  );
  CREATE INDEX samples_by_source ON samples (source);
  CREATE INDEX samples_by_identity ON samples (identity_id);
  CREATE INDEX samples_embedding_hnsw ON samples USING hnsw (embedding vector_cosine_ops);
  -- What every node's in-memory matrix replays. Rows are appended under LOCK_CHANGES only, so a
  -- follower reading seq > last never skips a lower seq that commits later.
  CREATE TABLE changes (
    seq         bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('add-sample', 'remove-identity')),
    identity_id bigint NOT NULL,
    sample_id   bigint,
    at          timestamptz NOT NULL DEFAULT now()
  );
  -- Client-generated ids of the writes already applied, with their result: a write replayed
  -- from an outbox after its acknowledgement was lost is answered from here, not applied again.
  CREATE TABLE applied_ops (
    op_id  uuid PRIMARY KEY,
    result jsonb NOT NULL,
    at     timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX applied_ops_by_at ON applied_ops (at);
  CREATE TABLE sightings (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL,
    node       text NOT NULL,
    source     text NOT NULL,
    label      text NOT NULL,
    similarity double precision NOT NULL,
    box        jsonb,
    track      text
  );
  CREATE INDEX sightings_by_at ON sightings (at);
  CREATE INDEX sightings_by_label_at ON sightings (label, at);
  CREATE TABLE api_keys (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    scope      text NOT NULL CHECK (scope IN ('recognize', 'manage', 'admin')),
    salt       text NOT NULL,
    hash       text NOT NULL,
    rate_limit integer,
    created    timestamptz NOT NULL,
    revoked    timestamptz
  );
  `,
];

/**
 * Makes sure pgvector is there (creating it needs a superuser, or a database owner once it is
 * trusted), brings the schema to PG_SCHEMA_VERSION and records the gallery's model when new, all
 * in one transaction. Returns the gallery's model; `requested` must be it when given.
 */
export async function migrate(client: PoolClient, location: string, readonly: boolean, requested: EmbeddingModelKey | undefined): Promise<EmbeddingModelKey> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_MIGRATE]);
    const table = await client.query<{ t: string | null }>("SELECT to_regclass('gallery_schema')::text AS t");
    let version = 0;
    if (table.rows[0].t !== null) {
      version = (await client.query<{ version: number }>('SELECT version FROM gallery_schema')).rows[0]?.version ?? 0;
    }
    if (version > PG_SCHEMA_VERSION) {
      throw new FaceReidError(
        `the gallery schema at ${location} is version ${version}, newer than this library supports (${PG_SCHEMA_VERSION}); upgrade ov-face-reid`,
        'GALLERY_SCHEMA_UNSUPPORTED',
      );
    }
    if (version < PG_SCHEMA_VERSION && readonly) {
      throw new FaceReidError(
        version === 0
          ? `no gallery at ${location} (no gallery schema); open it writable once to create one`
          : `the gallery schema at ${location} is version ${version} and needs an upgrade to ${PG_SCHEMA_VERSION}; open it writable once`,
        'GALLERY_SCHEMA_UNSUPPORTED',
      );
    }
    await ensureVector(client, location);
    for (let v = version; v < PG_SCHEMA_VERSION; v++) {
      await client.query(migrations[v]);
      await client.query('UPDATE gallery_schema SET version = $1', [v + 1]);
    }
    if (!readonly) {
      await client.query("INSERT INTO gallery_meta (key, value) VALUES ('model', $1) ON CONFLICT (key) DO NOTHING", [requested ?? DEFAULT_EMBEDDING_MODEL]);
    }
    const stored = await client.query<{ value: string }>("SELECT value FROM gallery_meta WHERE key = 'model'");
    if (!stored.rowCount) throw new FaceReidError(`the gallery at ${location} records no embedding model (gallery_meta has no "model")`, 'GALLERY_CORRUPT');
    const model = stored.rows[0].value;
    checkModel(model, requested, 'it was opened for', location);
    await client.query('COMMIT');
    return model;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function ensureVector(client: PoolClient, location: string): Promise<void> {
  const installed = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'vector'");
  if (installed.rowCount) return;
  const available = await client.query("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'");
  if (!available.rowCount) throw extensionMissing(location, 'the server has no pgvector installed');
  await client.query('SAVEPOINT vector');
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT vector');
    const detail = (err as Error).message;
    throw extensionMissing(location, `pgvector is installed on the server but not in this database, and creating it failed: ${detail}`);
  }
}
