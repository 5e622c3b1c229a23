/**
 * Which store a gallery location names: a file path or `:memory:` is SQLite, a `postgres://` or
 * `postgresql://` URL is PostgreSQL, any other URL scheme is an error rather than a file by
 * that odd name.
 */
import { FaceReidError } from '../errors';
import type { GalleryStore, StoreOpenOptions } from './backend';
import { openSqliteStore } from './stores/sqlite';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
const ANY_URL = /^([a-z][a-z0-9+.-]*):\/\//i;

type PostgresOpener = (url: string, options: StoreOpenOptions) => Promise<GalleryStore>;

/** The PostgreSQL store is loaded only when a URL asks for it (it brings node-postgres along). */
function postgresOpener(): PostgresOpener {
  try {
    return (require('./stores/postgres') as { openPostgresStore: PostgresOpener }).openPostgresStore;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new FaceReidError(`PostgreSQL galleries are not available in this build: ${(err as Error).message.split('\n')[0]}`, 'GALLERY_UNAVAILABLE');
  }
}

export async function openStore(location: string, options: StoreOpenOptions): Promise<GalleryStore> {
  if (POSTGRES_URL.test(location)) return postgresOpener()(location, options);
  const scheme = ANY_URL.exec(location);
  if (scheme) {
    throw new FaceReidError(
      `unsupported gallery URL scheme "${scheme[1]}:": a gallery is a file path, ":memory:" or a postgres:// (postgresql://) URL`,
      'GALLERY_URL_INVALID',
    );
  }
  if (options.search === 'database') {
    throw new FaceReidError(`search: 'database' needs a PostgreSQL gallery; ${location} is SQLite, which searches its local matrix (search: 'local')`, 'GALLERY_SEARCH_MODE');
  }
  return openSqliteStore(location, options);
}
