/**
 * The gallery's on-disk schema and its migrations, versioned by `PRAGMA user_version` so a newer
 * library can upgrade an older file in place and an older library refuses a newer file rather
 * than misreading it.
 */
import type { Database } from 'better-sqlite3';
import { FaceReidError } from '../errors';
import { EMBEDDING_BYTES } from './embedding';

export const SCHEMA_VERSION = 1;

const NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

/** migrations[v] takes a file from version v to v + 1. */
const migrations: string[] = [
  `
  CREATE TABLE identities (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    label   TEXT NOT NULL UNIQUE,
    meta    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(meta)),
    created TEXT NOT NULL DEFAULT ${NOW}
  );
  -- AUTOINCREMENT: sample ids are never reused, which the in-memory matrix relies on to tell
  -- "only appended" from "something was removed" (see matrix.ts).
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
  `,
];

/** Brings the file to SCHEMA_VERSION (writable) or checks it is there (read-only). */
export function migrate(db: Database, readonly: boolean): void {
  const current = () => db.pragma('user_version', { simple: true }) as number;
  const version = current();
  if (version > SCHEMA_VERSION) {
    throw new FaceReidError(
      `gallery schema version ${version} is newer than this library supports (${SCHEMA_VERSION}); upgrade ov-face-reid`,
      'GALLERY_SCHEMA_UNSUPPORTED',
    );
  }
  if (version === SCHEMA_VERSION) return;
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
      db.exec(migrations[v]);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}
