/**
 * The SQLite connection the embedded gallery store talks to, over either driver:
 *
 * - `node:sqlite` (DatabaseSync), built into Node 22.13+ and 24: no install script, no binary
 *   download. Node 22 prints one ExperimentalWarning when it is first loaded; Node 24 does not.
 * - `better-sqlite3`, an optional dependency: the only choice on Node 20. Its binary is its own
 *   build when its install script ran (a download, or a compile); without the script, the one for
 *   this Node's ABI in the npm package @ov-face-reid/better-sqlite3-<platform>-<arch>, handed to
 *   better-sqlite3 through its `nativeBinding` option (sqlite-binary-package.ts).
 *
 * The surface is the part of better-sqlite3's the store uses (prepare/run/get/all/iterate with
 * pluck() and raw(), exec, pragma, transaction with .immediate, open, readonly, close), so a
 * better-sqlite3 connection is handed out as it is and node:sqlite gets a thin adapter. SQLite's
 * error codes read the same on both (`SQLITE_BUSY`, `SQLITE_CANTOPEN`, ...), so the store maps
 * them to its own codes in one place.
 *
 * Which driver: FACE_REID_SQLITE_DRIVER (`node:sqlite` or `better-sqlite3`) when set, the only one
 * tried; otherwise node:sqlite first on Node 24 and later (stable enough, silent), better-sqlite3
 * first before that (so Node 22 stays quiet when better-sqlite3 works), each falling back to the other.
 */
import { FaceReidError, outOfRange } from '../../errors';
import { findSqliteBinary, pinnedSqliteBinaryPackageVersion, sqliteBinaryPackageName } from './sqlite-binary-package';

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';
export const SQLITE_DRIVERS: readonly SqliteDriverName[] = ['node:sqlite', 'better-sqlite3'];

export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface SqliteStatement {
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** From now on, each row is the value of its first column. Returns the statement. */
  pluck(): SqliteStatement;
  /** From now on, each row is an array of its column values. Returns the statement. */
  raw(): SqliteStatement;
}

/** `fn` run inside BEGIN ... COMMIT (ROLLBACK when it throws; a SAVEPOINT when nested). */
export type SqliteTransaction<F extends (...args: never[]) => unknown> = F & {
  /** Same, with BEGIN IMMEDIATE: the write lock is taken up front. */
  immediate: F;
};

export interface SqliteDatabase {
  readonly driver: SqliteDriverName;
  readonly open: boolean;
  readonly readonly: boolean;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  /** `PRAGMA <sql>`: every row, or with `simple` the first column of the first row. */
  pragma(sql: string, options?: { simple?: boolean }): unknown;
  transaction<F extends (...args: never[]) => unknown>(fn: F): SqliteTransaction<F>;
  close(): void;
}

export interface SqliteOpenOptions {
  readonly?: boolean;
}

/* The part of node:sqlite used here (@types/node 20 has no types for it). */
interface NodeStatementSync {
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate?(...params: unknown[]): IterableIterator<unknown>;
  setReturnArrays?(enabled: boolean): void;
}
interface NodeDatabaseSync {
  readonly isOpen: boolean;
  readonly isTransaction: boolean;
  prepare(sql: string): NodeStatementSync;
  exec(sql: string): void;
  close(): void;
}
interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => NodeDatabaseSync;
}
type BetterSqliteConstructor = new (
  path: string,
  options?: { readonly?: boolean; fileMustExist?: boolean; nativeBinding?: string },
) => Omit<SqliteDatabase, 'driver'>;

/** Where better-sqlite3's compiled binary came from. */
export interface SqliteBinaryOrigin {
  /** `better-sqlite3`: its own build (its install script ran); `npm package`: the binary package. */
  source: 'better-sqlite3' | 'npm package';
  /** The `better_sqlite3.node` loaded (undefined when better-sqlite3 found its own where we cannot see). */
  path?: string;
  /** With source `npm package`: `@ov-face-reid/better-sqlite3-linux-x64@12.11.1`. */
  package?: string;
}

/** SQLite's primary result codes by number (the low byte of an extended code). */
const PRIMARY_CODES: Record<number, string> = {
  1: 'ERROR', 2: 'INTERNAL', 3: 'PERM', 4: 'ABORT', 5: 'BUSY', 6: 'LOCKED', 7: 'NOMEM', 8: 'READONLY',
  9: 'INTERRUPT', 10: 'IOERR', 11: 'CORRUPT', 12: 'NOTFOUND', 13: 'FULL', 14: 'CANTOPEN', 15: 'PROTOCOL',
  16: 'EMPTY', 17: 'SCHEMA', 18: 'TOOBIG', 19: 'CONSTRAINT', 20: 'MISMATCH', 21: 'MISUSE', 22: 'NOLFS',
  23: 'AUTH', 24: 'FORMAT', 25: 'RANGE', 26: 'NOTADB',
};

/** node:sqlite reports ERR_SQLITE_ERROR with a numeric `errcode`; give it better-sqlite3's `SQLITE_<NAME>` code. */
function withSqliteCode(err: unknown): unknown {
  const e = err as { code?: unknown; errcode?: unknown };
  if (e && e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') {
    e.code = `SQLITE_${PRIMARY_CODES[e.errcode & 0xff] ?? 'ERROR'}`;
  }
  return err;
}

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw withSqliteCode(err);
  }
}

const firstColumn = (row: unknown): unknown => (Array.isArray(row) ? row[0] : row === undefined ? undefined : Object.values(row as object)[0]);
const asArray = (row: unknown): unknown => (Array.isArray(row) || row === undefined ? row : Object.values(row as object));

class NodeStatement implements SqliteStatement {
  readonly #statement: NodeStatementSync;
  #shape: 'object' | 'array' | 'first' = 'object';

  constructor(statement: NodeStatementSync) {
    this.#statement = statement;
  }

  #row(row: unknown): unknown {
    return this.#shape === 'first' ? firstColumn(row) : this.#shape === 'array' ? asArray(row) : row;
  }

  #arrays(): void {
    // Rows as arrays straight from node:sqlite where it has setReturnArrays (22.23 and 24.22 do); else converted per row.
    this.#statement.setReturnArrays?.(true);
  }

  run(...params: unknown[]): SqliteRunResult {
    return call(() => this.#statement.run(...params));
  }

  get(...params: unknown[]): unknown {
    return this.#row(call(() => this.#statement.get(...params)));
  }

  all(...params: unknown[]): unknown[] {
    return call(() => this.#statement.all(...params)).map((row) => this.#row(row));
  }

  *iterate(...params: unknown[]): IterableIterator<unknown> {
    const statement = this.#statement;
    const rows = statement.iterate ? call(() => statement.iterate!(...params)) : call(() => statement.all(...params))[Symbol.iterator]();
    for (;;) {
      const next = call(() => rows.next());
      if (next.done) return;
      yield this.#row(next.value);
    }
  }

  pluck(): SqliteStatement {
    this.#shape = 'first';
    this.#arrays();
    return this;
  }

  raw(): SqliteStatement {
    this.#shape = 'array';
    this.#arrays();
    return this;
  }
}

class NodeSqliteDatabase implements SqliteDatabase {
  readonly driver = 'node:sqlite' as const;
  readonly readonly: boolean;
  readonly #db: NodeDatabaseSync;
  #savepoints = 0;

  constructor(module: NodeSqliteModule, path: string, readonly: boolean) {
    this.readonly = readonly;
    this.#db = call(() => new module.DatabaseSync(path, { readOnly: readonly }));
    // better-sqlite3 waits up to 5 s for another connection's lock by default, node:sqlite not at
    // all: the same default here, so a connection behaves alike on both (the store sets its own).
    this.exec('PRAGMA busy_timeout = 5000');
  }

  get open(): boolean {
    return this.#db.isOpen;
  }

  prepare(sql: string): SqliteStatement {
    return new NodeStatement(call(() => this.#db.prepare(sql)));
  }

  exec(sql: string): void {
    call(() => this.#db.exec(sql));
  }

  pragma(sql: string, options: { simple?: boolean } = {}): unknown {
    const rows = call(() => this.#db.prepare(`PRAGMA ${sql}`).all());
    return options.simple ? firstColumn(rows[0]) : rows;
  }

  transaction<F extends (...args: never[]) => unknown>(fn: F): SqliteTransaction<F> {
    const run = (begin: string, args: Parameters<F>): ReturnType<F> => {
      const db = this.#db;
      // Nested: a savepoint inside the running transaction, as better-sqlite3 does.
      const savepoint = db.isTransaction ? `face_reid_${++this.#savepoints}` : undefined;
      this.exec(savepoint ? `SAVEPOINT ${savepoint}` : begin);
      try {
        const result = fn(...args) as ReturnType<F>;
        this.exec(savepoint ? `RELEASE ${savepoint}` : 'COMMIT');
        return result;
      } catch (err) {
        // SQLite may already have rolled back by itself (a failed COMMIT under SQLITE_BUSY, say).
        if (db.isTransaction) this.exec(savepoint ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : 'ROLLBACK');
        throw err;
      } finally {
        if (savepoint) this.#savepoints--;
      }
    };
    const deferred = ((...args: Parameters<F>) => run('BEGIN', args)) as SqliteTransaction<F>;
    deferred.immediate = ((...args: Parameters<F>) => run('BEGIN IMMEDIATE', args)) as F;
    return deferred;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** node:sqlite, when this Node has it without a flag; otherwise why not. */
function loadNodeSqlite(): NodeSqliteModule | string {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  try {
    // getBuiltinModule (Node 20.16+) instead of require: no bundler or type checker trips on the name.
    const module = getBuiltin ? getBuiltin('node:sqlite') : require('node:sqlite');
    if (module && typeof (module as NodeSqliteModule).DatabaseSync === 'function') return module as NodeSqliteModule;
  } catch {
    /* Node 22.5 to 22.12 without --experimental-sqlite, or no node:sqlite at all */
  }
  return `node:sqlite is not available in Node ${process.version} (built in from 22.13, 24 recommended)`;
}

interface BetterSqlite {
  Database: BetterSqliteConstructor;
  /** Given to every connection when the binary comes from the package. */
  nativeBinding?: string;
  binary: SqliteBinaryOrigin;
}

/** The better_sqlite3.node that better-sqlite3 (through `bindings`) loaded: Node caches a native module under its path. */
function ownBinaryPath(): string | undefined {
  return Object.keys(require.cache).find((key) => /[\\/]better_sqlite3\.node$/.test(key));
}

/** better-sqlite3 with a binary (its own, else the binary package's for this Node's ABI), or why not. */
function loadBetterSqlite(): BetterSqlite | string {
  let Database: BetterSqliteConstructor;
  let version: string;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Database = require('better-sqlite3') as BetterSqliteConstructor;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    version = (require('better-sqlite3/package.json') as { version: string }).version;
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    if (code === 'MODULE_NOT_FOUND' && /'better-sqlite3'/.test(message)) return 'better-sqlite3 is not installed';
    return `better-sqlite3 does not load: ${message.split('\n')[0]}`;
  }
  let own: string;
  try {
    // Loading the JS succeeds without the binary; opening a connection is what needs it.
    new Database(':memory:').close();
    return { Database, binary: { source: 'better-sqlite3', path: ownBinaryPath() } };
  } catch (err) {
    const { message } = err as Error;
    // The `bindings` package's message when the .node file was never downloaded or built.
    own = /Could not locate the bindings file/.test(message)
      ? 'better-sqlite3 is installed without its binary (its install script did not run)'
      : `better-sqlite3's own binary does not load (${message.split('\n')[0]})`;
  }
  const found = findSqliteBinary(version);
  if (typeof found === 'string') return `${own}, and ${found}`;
  try {
    new Database(':memory:', { nativeBinding: found.path }).close();
  } catch (err) {
    return `${own}, and the binary of ${found.package} does not load: ${(err as Error).message.split('\n')[0]}`;
  }
  return { Database, nativeBinding: found.path, binary: { source: 'npm package', path: found.path, package: found.package } };
}

/** What makes the SQLite gallery work when no driver loads (for the error and for `face-reid doctor`). */
export function sqliteFixes(): string {
  const pinned = pinnedSqliteBinaryPackageVersion();
  const fromPackage = pinned
    ? `; or install better-sqlite3's binary as an npm package: \`npm install ${sqliteBinaryPackageName()}@${pinned}\` ` +
      '(npm installs it with ov-face-reid unless optional dependencies are omitted; it carries the binary for Node 20)'
    : '';
  return (
    `Use Node 22.13+ or 24 (node:sqlite is built in)${fromPackage}; or give better-sqlite3 its own binary: ` +
    '`npm rebuild better-sqlite3` runs its install script, which downloads a prebuilt binary (or builds one with Python 3 and a C++ compiler).'
  );
}

/** The drivers to try, in order (FACE_REID_SQLITE_DRIVER narrows it to one). */
export function sqliteDriverOrder(): SqliteDriverName[] {
  const forced = process.env.FACE_REID_SQLITE_DRIVER;
  if (forced) {
    if (!SQLITE_DRIVERS.includes(forced as SqliteDriverName)) throw outOfRange("'node:sqlite' or 'better-sqlite3'", 'FACE_REID_SQLITE_DRIVER', forced);
    return [forced as SqliteDriverName];
  }
  return Number(process.versions.node.split('.')[0]) >= 24 ? ['node:sqlite', 'better-sqlite3'] : ['better-sqlite3', 'node:sqlite'];
}

type Opener = (path: string, readonly: boolean) => SqliteDatabase;
export interface SqliteDriver {
  name: SqliteDriverName;
  open: Opener;
  /** With better-sqlite3: where its compiled binary came from. */
  binary?: SqliteBinaryOrigin;
}
let chosen: SqliteDriver | undefined;

/** The driver this process uses (chosen once, on first use); GALLERY_UNAVAILABLE with the fixes when there is none. */
export function sqliteDriver(): SqliteDriver {
  if (chosen) return chosen;
  const reasons: string[] = [];
  for (const name of sqliteDriverOrder()) {
    if (name === 'node:sqlite') {
      const module = loadNodeSqlite();
      if (typeof module === 'string') {
        reasons.push(module);
        continue;
      }
      chosen = { name, open: (path, readonly) => new NodeSqliteDatabase(module, path, readonly) };
    } else {
      const loaded = loadBetterSqlite();
      if (typeof loaded === 'string') {
        reasons.push(loaded);
        continue;
      }
      const { Database, nativeBinding, binary } = loaded;
      const options = (readonly: boolean) => (nativeBinding ? { readonly, fileMustExist: readonly, nativeBinding } : { readonly, fileMustExist: readonly });
      chosen = {
        name,
        binary,
        open: (path, readonly) => Object.assign(call(() => new Database(path, options(readonly))), { driver: name }) as SqliteDatabase,
      };
    }
    return chosen;
  }
  throw new FaceReidError(`The SQLite gallery has no SQLite driver here: ${reasons.join('; ')}. ${sqliteFixes()}`, 'GALLERY_UNAVAILABLE');
}

/** Opens a SQLite file (or `:memory:`) with the chosen driver. Read-only never creates the file. */
export function openSqlite(path: string, options: SqliteOpenOptions = {}): SqliteDatabase {
  return sqliteDriver().open(path, options.readonly ?? false);
}
