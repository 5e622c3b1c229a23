/**
 * A gallery's PostgreSQL URL, checked before any connection is tried (so a typo is a clear error
 * at once, not a timeout later), and its printable form without the password.
 */
import { FaceReidError } from '../../../errors';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export interface ParsedUrl {
  /** The URL as given: node-postgres parses it again (sslmode, options...). */
  connectionString: string;
  /** postgres://user@host:port/database, no password, no query. */
  redacted: string;
}

export function parsePostgresUrl(url: string): ParsedUrl {
  const invalid = (why: string) =>
    new FaceReidError(`invalid PostgreSQL URL ${JSON.stringify(redactLoosely(url))}: ${why}; expected postgres://user:password@host:port/database`, 'GALLERY_URL_INVALID');
  if (!isPostgresUrl(url)) throw invalid('it does not start with postgres:// or postgresql://');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('it is not a URL');
  }
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) throw invalid('no host');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '') throw invalid('no database name');
  if (database.includes('/')) throw invalid(`database name ${JSON.stringify(database)} contains "/"`);
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  const port = parsed.port ? `:${parsed.port}` : '';
  return { connectionString: url, redacted: `postgres://${user}${parsed.hostname}${port}/${database}` };
}

/** For error messages about a URL that did not even parse: blank out what looks like a password. */
function redactLoosely(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}
