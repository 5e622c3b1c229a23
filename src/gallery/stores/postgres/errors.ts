/**
 * The one place where PostgreSQL and node-postgres failures become FaceReidErrors. Everything the
 * store does funnels its errors through `translate`, so a caller sees the same stable codes
 * whichever statement failed, and the store can tell a passing outage (`isTransient`: keep the
 * write in the outbox, retry later) from a write the database will never accept.
 */
import { FaceReidError, FaceReidErrorCode } from '../../../errors';

/** How to get pgvector onto a server, for the EXTENSION_MISSING message. */
export const PGVECTOR_HINT =
  'install pgvector on the server (Debian: `bash scripts/install-postgres.sh` in this repository, or the postgresql-15-pgvector package where your distribution has one) and run `CREATE EXTENSION vector` as a superuser in that database';

/** Node socket errors that mean "the server cannot be reached (now)". */
const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/** node-postgres raises these as plain Errors without a code. */
const DRIVER_UNAVAILABLE = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Client was closed and is not queryable/i,
  /connection is closed/i,
  /Cannot use a pool after calling end/i,
];

function codeFor(err: unknown): FaceReidErrorCode {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === '28P01' || code === '28000') return 'GALLERY_AUTH_FAILED';
  if (code === '3D000') return 'GALLERY_NOT_FOUND';
  // 57014 query_canceled: statement_timeout (we never cancel otherwise); 'Query read timeout':
  // the client-side backstop when the server stopped answering altogether.
  if (code === '57014' || message === 'Query read timeout') return 'GALLERY_TIMEOUT';
  // Class 08 connection exceptions; 57P01-57P03 shutdown / crash / starting up; 53300 too many connections.
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return 'GALLERY_UNAVAILABLE';
  if (NETWORK_ERRNOS.has(code) || DRIVER_UNAVAILABLE.some((re) => re.test(message))) return 'GALLERY_UNAVAILABLE';
  return 'GALLERY_ERROR';
}

/**
 * `err` as a FaceReidError naming `what` failed at `location`; FaceReidErrors (ours, already
 * translated) and argument errors pass through unchanged.
 */
export function translate(err: unknown, what: string, location: string): Error {
  if (err instanceof FaceReidError || err instanceof TypeError || err instanceof RangeError) return err;
  const code = codeFor(err);
  const detail = err instanceof Error ? err.message || (err as { code?: string }).code || String(err) : String(err);
  const sqlstate = (err as { code?: unknown }).code;
  const suffix = typeof sqlstate === 'string' && /^[0-9A-Z]{5}$/.test(sqlstate) ? ` (SQLSTATE ${sqlstate})` : '';
  let message = `gallery ${what} at ${location} failed: ${detail}${suffix}`;
  if (code === 'GALLERY_AUTH_FAILED') message += '; check the user name and password in the URL';
  if (code === 'GALLERY_UNAVAILABLE') message = `PostgreSQL at ${location} is unavailable (${what}): ${detail}`;
  if (code === 'GALLERY_TIMEOUT') message = `gallery ${what} at ${location} timed out: ${detail}`;
  const out = new FaceReidError(message, code);
  (out as { cause?: unknown }).cause = err;
  return out;
}

/** Failures that may pass by themselves: the write stays in the outbox and is retried. */
export function isTransient(err: unknown): boolean {
  const code = err instanceof FaceReidError ? err.code : codeFor(err);
  return code === 'GALLERY_UNAVAILABLE' || code === 'GALLERY_TIMEOUT';
}

export function extensionMissing(location: string, detail: string): FaceReidError {
  return new FaceReidError(`the PostgreSQL database at ${location} cannot use the pgvector extension (${detail}): ${PGVECTOR_HINT}`, 'GALLERY_EXTENSION_MISSING');
}
