/**
 * Errors of the HTTP service: every failure leaves as one JSON body with a stable `code`, the
 * `field` at fault when there is one, and a status that says whose fault it is.
 *
 * Why one translation table: library errors (FaceReidError codes, argument TypeErrors), fastify's
 * own errors (validation, body limits, media types) and the service's errors all reach one error
 * handler, which asks `toServiceError` what they mean in HTTP terms; the compatibility layers only
 * reshape the body, never the meaning.
 */
import { FaceReidError } from '../errors';

export type ServiceErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_JSON'
  | 'IMAGE_INVALID'
  | 'IMAGE_TOO_LARGE'
  | 'NO_FACE'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'QUEUE_FULL'
  | 'TIMEOUT'
  | 'CLIENT_GONE'
  | 'UNAVAILABLE'
  | 'NOT_SUPPORTED'
  | 'INTERNAL';

export class ServiceError extends Error {
  readonly status: number;
  readonly code: ServiceErrorCode;
  /** The request field at fault (`image`, `subject`, `limit`...), when one is. */
  readonly field: string | undefined;
  /** Seconds, for 429 and 503. */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: ServiceErrorCode, message: string, options: { field?: string; retryAfter?: number } = {}) {
    super(message);
    this.name = 'ServiceError';
    this.status = status;
    this.code = code;
    this.field = options.field;
    this.retryAfter = options.retryAfter;
  }
}

export const badField = (field: string, message: string): ServiceError => new ServiceError(400, 'INVALID_REQUEST', message, { field });

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** The field an ajv issue is about: the missing or extra property, else the last path segment. */
function fieldOf(issue: ValidationIssue | undefined): string | undefined {
  if (!issue) return undefined;
  const params = issue.params ?? {};
  const named = params.missingProperty ?? params.additionalProperty ?? params.propertyName;
  const path = (issue.instancePath ?? '').split('/').filter(Boolean).join('.');
  if (typeof named === 'string') return path ? `${path}.${named}` : named;
  return path || undefined;
}

/** `Expected <what> for <name> but received <value>`: the library's argument errors name their field. */
function fieldFromArgumentMessage(message: string): string | undefined {
  return /\bfor (\S+) but received\b/.exec(message)?.[1];
}

const FASTIFY_CODES: Record<string, [number, ServiceErrorCode]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'INVALID_REQUEST'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'BODY_TOO_LARGE'],
  FST_REQ_FILE_TOO_LARGE: [413, 'BODY_TOO_LARGE'],
  FST_PARTS_LIMIT: [413, 'BODY_TOO_LARGE'],
  FST_FILES_LIMIT: [413, 'BODY_TOO_LARGE'],
  FST_FIELDS_LIMIT: [413, 'BODY_TOO_LARGE'],
  FST_PROTO_VIOLATION: [400, 'INVALID_REQUEST'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'INVALID_JSON'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'INVALID_JSON'],
  FST_ERR_HANDLER_TIMEOUT: [503, 'TIMEOUT'],
};

const LIBRARY_CODES: Partial<Record<string, [number, ServiceErrorCode]>> = {
  IMAGE_DECODE_FAILED: [400, 'IMAGE_INVALID'],
  IMAGE_TOO_LARGE: [413, 'IMAGE_TOO_LARGE'],
  GALLERY_UNAVAILABLE: [503, 'UNAVAILABLE'],
  GALLERY_TIMEOUT: [503, 'UNAVAILABLE'],
  GALLERY_BUSY: [503, 'UNAVAILABLE'],
  CLOSED: [503, 'UNAVAILABLE'],
  GALLERY_MODEL_MISMATCH: [400, 'INVALID_REQUEST'],
};

/** What any error thrown while serving a request means in HTTP terms. */
export function toServiceError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  const e = err as Error & { code?: unknown; statusCode?: unknown; validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(e.validation)) {
    const field = fieldOf(e.validation[0]);
    const where = e.validationContext ?? 'request';
    const message = `Invalid ${where}${field ? ` field "${field}"` : ''}: ${e.validation[0]?.message ?? e.message}`;
    return new ServiceError(400, 'INVALID_REQUEST', message, { field });
  }
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && FASTIFY_CODES[code]) {
    const [status, ours] = FASTIFY_CODES[code];
    return new ServiceError(status, ours, e.message);
  }
  // busboy (under @fastify/multipart) throws plain Errors without a code for a multipart body
  // that has no boundary or ends early: the client's fault, so a 400 naming the body.
  if (!code && /^Multipart: |unexpected end of multipart data/i.test(e.message ?? '') && /busboy|dicer/.test(e.stack ?? '')) {
    return new ServiceError(400, 'INVALID_REQUEST', `Invalid multipart body: ${e.message}`, { field: 'body' });
  }
  if (err instanceof FaceReidError) {
    const mapped = LIBRARY_CODES[err.code];
    if (mapped) return new ServiceError(mapped[0], mapped[1], err.message, mapped[1].startsWith('IMAGE') ? { field: 'image' } : {});
    return new ServiceError(500, 'INTERNAL', `${err.code}: ${err.message}`);
  }
  if ((err instanceof TypeError || err instanceof RangeError) && (code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_OUT_OF_RANGE')) {
    return new ServiceError(400, 'INVALID_REQUEST', e.message, { field: fieldFromArgumentMessage(e.message) });
  }
  // Other fastify 4xx errors (e.g. a malformed URL) keep their status.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ServiceError(e.statusCode, e.statusCode === 404 ? 'NOT_FOUND' : e.statusCode === 413 ? 'BODY_TOO_LARGE' : 'INVALID_REQUEST', e.message);
  }
  return new ServiceError(500, 'INTERNAL', 'internal error (see the service log)');
}
