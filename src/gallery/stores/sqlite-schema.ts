/**
 * The SQLite gallery's schema and its migrations, versioned by `PRAGMA user_version` so a newer
 * library can upgrade an older file in place and an older library refuses a newer file rather
 * than misreading it.
 *
 * v1: identities and samples. v2: the embedding model per sample and per gallery
 * (gallery_meta), the sightings log, the service's API keys.
 */
import type { SqliteDatabase as Database } from './sqlite-driver';
import { FaceReidError } from '../../errors';
import type { EmbeddingModelKey } from '../backend';
import { DEFAULT_EMBEDDING_MODEL } from '../defaults';
import { EMBEDDING_BYTES } from '../embedding';
import { checkModel } from '../model';

export const SCHEMA_VERSION = 2;

const NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

/** The v1 schema, verbatim: migration 0 → 1, and what the v1 → v2 test builds its old file from. */
export const SCHEMA_V1_SQL = `
  CREATE TABLE identities (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    label   TEXT NOT NULL UNIQUE,
    meta    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(meta)),
    created TEXT NOT NULL DEFAULT ${NOW}
  );
  -- AUTOINCREMENT: sample ids are never reused, which the store relies on to tell "only
  -- appended" from "something was removed" when it follows other connections (sqlite.ts).
  CREATE TABLE samples (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    identity_id INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    embedding   BLOB NOT NULL CHECK (length(embedding) = ${EMBEDDING_BYTES}),
    source      TEXT,
    created     TEXT NOT NULL DEFAULT ${NOW},
    -- The idempotency key of enrolment: the same picture is never stored twice for a person,
    -- so rerunning an interrupted enrolment only adds what is missing. NULL sources are distinct.
    UNIQUE (identity_id, source)
  );
  CREATE INDEX samples_by_source ON samples(source);
`;

interface MigrationContext {
  /** The model of the gallery being created or upgraded. */
  model: EmbeddingModelKey;
}

/** migrations[v] takes a file from version v to v + 1. */
const migrations: ((db: Database, ctx: MigrationContext) => void)[] = [
  (db) => db.exec(SCHEMA_V1_SQL),
  (db, ctx) => {
    db.exec(`
      CREATE TABLE gallery_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      -- A v1 file recorded no model: its samples are taken to be of the model named at the
      -- upgrade (options.model, else the default every pipeline produces unless configured).
      ALTER TABLE samples ADD COLUMN model TEXT NOT NULL DEFAULT '';
      CREATE TABLE sightings (
        id         INTEGER PRIMARY KEY,
        at         TEXT NOT NULL,
        node       TEXT NOT NULL,
        source     TEXT NOT NULL,
        label      TEXT NOT NULL,
        similarity REAL NOT NULL,
        box_x      REAL,
        box_y      REAL,
        box_width  REAL,
        box_height REAL,
        track      TEXT
      );
      -- "at" is always ISO 8601 UTC with milliseconds, so text order is time order.
      CREATE INDEX sightings_by_label_at ON sightings(label, at);
      CREATE INDEX sightings_by_at ON sightings(at);
      CREATE TABLE api_keys (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        scope      TEXT NOT NULL CHECK (scope IN ('recognize', 'manage', 'admin')),
        salt       TEXT NOT NULL,
        hash       TEXT NOT NULL,
        rate_limit INTEGER,
        created    TEXT NOT NULL,
        revoked    TEXT
      );
    `);
    db.prepare("INSERT INTO gallery_meta (key, value) VALUES ('model', ?)").run(ctx.model);
    db.prepare("UPDATE samples SET model = ? WHERE model = ''").run(ctx.model);
  },
];

function storedModel(db: Database): EmbeddingModelKey {
  const model = db.prepare("SELECT value FROM gallery_meta WHERE key = 'model'").pluck().get() as string | undefined;
  if (model === undefined) throw new FaceReidError('the gallery records no embedding model (gallery_meta has no "model")', 'GALLERY_CORRUPT');
  return model;
}

/**
 * Brings the file to SCHEMA_VERSION (writable) or checks it is there (read-only), and returns
 * the gallery's model; `requested` (options.model) must be that model when given.
 */
export function migrate(db: Database, readonly: boolean, requested: EmbeddingModelKey | undefined, location: string): EmbeddingModelKey {
  const current = () => db.pragma('user_version', { simple: true }) as number;
  const version = current();
  if (version > SCHEMA_VERSION) {
    throw new FaceReidError(
      `gallery schema version ${version} is newer than this library supports (${SCHEMA_VERSION}); upgrade ov-face-reid`,
      'GALLERY_SCHEMA_UNSUPPORTED',
    );
  }
  if (version < SCHEMA_VERSION) {
    if (readonly) {
      throw new FaceReidError(
        version === 0
          ? 'not a gallery file (no gallery schema); open it writable to create one'
          : `gallery schema version ${version} needs an upgrade to ${SCHEMA_VERSION}; open it writable once`,
        'GALLERY_SCHEMA_UNSUPPORTED',
      );
    }
    // IMMEDIATE, with every check repeated inside: two processes creating the same new file must
    // not both migrate, and the second must see the first one's tables as ours.
    db.transaction(() => {
      let v = current();
      if (v === 0) {
        // A file with tables but no version of ours is some other database: leave it alone.
        const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get() as number;
        if (tables > 0) throw new FaceReidError('not a gallery file: it holds other tables and no gallery schema version', 'GALLERY_SCHEMA_UNSUPPORTED');
      }
      for (; v < SCHEMA_VERSION; v++) {
        migrations[v](db, { model: requested ?? DEFAULT_EMBEDDING_MODEL });
        db.pragma(`user_version = ${v + 1}`);
      }
    }).immediate();
  }
  const model = storedModel(db);
  checkModel(model, requested, 'it was opened for', location);
  return model;
}
