/**
 * The node's durable queue of writes on their way to PostgreSQL: a small SQLite file beside the
 * node. Every write is committed here before it is sent and deleted only once the database has
 * applied it, so a write survives a lost link, a stopped server and a killed process, and is
 * replayed in the order it was made (the operation ids make replays idempotent, see ops.ts).
 *
 * One process at a time per file: the file is held with SQLite's EXCLUSIVE locking mode. By
 * default a node takes the first free "slot" file for its URL, so two galleries on one database in
 * one machine get their own queues, and a restarted node (the lock of a killed process is gone)
 * picks up the queue its predecessor left.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { FaceReidError } from '../../../errors';
import { openSqlite, type SqliteDatabase } from '../sqlite-driver';
import type { Operation } from './ops';

export interface Outbox {
  /** Where the queue lives (null: memory only). */
  readonly path: string | null;
  readonly durable: boolean;
  put(op: Operation): void;
  /** The oldest waiting operations, oldest first, at most `limit`. */
  oldest(limit: number): Operation[];
  /** Removes applied (or refused) operations, all at once. */
  delete(ids: string[]): void;
  depth(): number;
  close(): void;
}

const SLOTS = 16;

/**
 * `FACE_REID_STATE_DIR`, else `$XDG_STATE_HOME/ov-face-reid`, else ~/.local/state/ov-face-reid,
 * then outbox/. State, not cache: an outbox holds acknowledged writes, so it must not live where
 * caches are wiped (nor inside the model cache, FACE_REID_CACHE_DIR).
 */
export function defaultOutboxDir(): string {
  const stateDir = process.env.FACE_REID_STATE_DIR;
  if (stateDir) return join(resolve(stateDir), 'outbox');
  const xdg = process.env.XDG_STATE_HOME;
  // XDG: a relative XDG_STATE_HOME is invalid and must be ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'state');
  return join(base, 'ov-face-reid', 'outbox');
}

/** `location` is the URL without its password: the password is no part of the file name. */
export function openOutbox(setting: string | false | undefined, location: string): Outbox {
  if (setting === false) return new MemoryOutbox();
  if (typeof setting === 'string') return SqliteOutbox.open(resolve(setting), true)!;
  const base = join(defaultOutboxDir(), createHash('sha256').update(location).digest('hex').slice(0, 16));
  for (let slot = 1; slot <= SLOTS; slot++) {
    const outbox = SqliteOutbox.open(slot === 1 ? `${base}.sqlite` : `${base}-${slot}.sqlite`, false);
    if (outbox) return outbox;
  }
  throw new FaceReidError(`all ${SLOTS} outbox files ${base}[-n].sqlite are in use by other galleries on ${location}; pass options.outbox`, 'GALLERY_BUSY');
}

class SqliteOutbox implements Outbox {
  readonly durable = true;
  private readonly statements;

  /** null when another connection holds the file and `mustLock` is false. */
  static open(path: string, mustLock: boolean): SqliteOutbox | null {
    let db: SqliteDatabase;
    try {
      mkdirSync(dirname(path), { recursive: true });
      // Through the gallery's driver layer: node:sqlite or better-sqlite3, as the embedded store.
      db = openSqlite(path);
    } catch (err) {
      if (err instanceof FaceReidError) throw err; // no SQLite driver at all: its own message says what to do
      throw new FaceReidError(`cannot open the gallery outbox ${path}: ${(err as Error).message}`, 'GALLERY_ERROR');
    }
    try {
      db.pragma('busy_timeout = 0');
      // EXCLUSIVE: the first write takes the file's lock and keeps it until close, so no other
      // process replays (or deletes) this queue while we own it.
      db.pragma('locking_mode = EXCLUSIVE');
      // FULL: a write acknowledged as queued survives an OS crash too, not only a killed process.
      db.pragma('synchronous = FULL');
      db.exec(
        `BEGIN EXCLUSIVE;
         CREATE TABLE IF NOT EXISTS ops (
           seq     INTEGER PRIMARY KEY AUTOINCREMENT,
           id      TEXT NOT NULL UNIQUE,
           body    TEXT NOT NULL,
           created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         );
         COMMIT;`,
      );
    } catch (err) {
      db.close();
      const code = (err as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
        if (!mustLock) return null;
        throw new FaceReidError(`the gallery outbox ${path} is in use by another gallery (one process per outbox file)`, 'GALLERY_BUSY');
      }
      throw new FaceReidError(`cannot open the gallery outbox ${path}: ${(err as Error).message}`, code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' ? 'GALLERY_CORRUPT' : 'GALLERY_ERROR');
    }
    return new SqliteOutbox(db, path);
  }

  private constructor(private readonly db: SqliteDatabase, readonly path: string) {
    this.statements = {
      put: db.prepare('INSERT INTO ops (id, body) VALUES (?, ?)'),
      oldest: db.prepare('SELECT body FROM ops ORDER BY seq LIMIT ?').pluck(),
      delete: db.prepare('DELETE FROM ops WHERE id = ?'),
      depth: db.prepare('SELECT count(*) FROM ops').pluck(),
    };
  }

  put(op: Operation): void {
    this.statements.put.run(op.id, JSON.stringify(op));
  }

  oldest(limit: number): Operation[] {
    return (this.statements.oldest.all(limit) as string[]).map((body) => JSON.parse(body) as Operation);
  }

  delete(ids: string[]): void {
    // One SQLite transaction: one fsync for a whole replayed batch, not one per operation.
    this.db.transaction(() => {
      for (const id of ids) this.statements.delete.run(id);
    })();
  }

  depth(): number {
    return this.statements.depth.get() as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** `outbox: false`: writes still go out in order, but nothing outlives the process. */
class MemoryOutbox implements Outbox {
  readonly path = null;
  readonly durable = false;
  private readonly ops: Operation[] = [];

  put(op: Operation): void {
    this.ops.push(op);
  }

  oldest(limit: number): Operation[] {
    return this.ops.slice(0, limit);
  }

  delete(ids: string[]): void {
    for (const id of ids) {
      const i = this.ops.findIndex((op) => op.id === id);
      if (i >= 0) this.ops.splice(i, 1);
    }
  }

  depth(): number {
    return this.ops.length;
  }

  close(): void {
    this.ops.length = 0;
  }
}
