/**
 * API keys and scopes.
 *
 * A key is `frk_<id>.<secret>`: the id finds the record, the secret is never stored. The record
 * keeps a random salt and scrypt(secret, salt); a presented key is hashed the same way and compared
 * with crypto.timingSafeEqual, so neither the database nor the timing of a refusal reveals a key.
 * scrypt is deliberately slow, so a verified key is remembered (by a SHA-256 of the whole key, in
 * memory only) for `keyCacheMs`; a revocation reaches a running service within that time. When
 * that time is up the store is asked again, but scrypt runs again only if the key's record has
 * changed: same salt and hash, not revoked, means the same secret still matches.
 *
 * Scopes nest: admin ⊃ manage ⊃ recognize. Each route names the scope it needs in its config.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyRecord, ApiKeyScope, ApiKeyStore } from '../gallery/backend';
import { ServiceError } from './errors';
import { RateLimiter } from './rate-limit';

export const SCOPES: readonly ApiKeyScope[] = ['recognize', 'manage', 'admin'];
const KEY_PATTERN = /^frk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function derive(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function isScope(value: unknown): value is ApiKeyScope {
  return SCOPES.includes(value as ApiKeyScope);
}

export function scopeAllows(has: ApiKeyScope, needs: ApiKeyScope): boolean {
  return SCOPES.indexOf(has) >= SCOPES.indexOf(needs);
}

/** A new key: the string to hand out (once) and the record to store (no secret in it). */
export async function createApiKey(options: { name: string; scope: ApiKeyScope; rateLimit?: number | null }): Promise<{ key: string; record: ApiKeyRecord }> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  const hash = await derive(secret, salt);
  const record: ApiKeyRecord = {
    id,
    name: options.name,
    scope: options.scope,
    salt: salt.toString('hex'),
    hash: hash.toString('hex'),
    rateLimit: options.rateLimit ?? null,
    created: new Date().toISOString(),
    revoked: null,
  };
  return { key: `frk_${id}.${secret}`, record };
}

/** Checks presented keys against the store, remembering good ones for a while. */
export class KeyVerifier {
  readonly #store: ApiKeyStore;
  readonly #cacheMs: number;
  readonly #cache = new Map<string, { record: ApiKeyRecord; until: number }>();
  /**
   * Checks under way, by digest: a client opening many connections at once (or all of them
   * after the cache entry expires) sends the same uncached key on each, and every one of those
   * requests would otherwise run its own scrypt (tens of CPU-ms and 16 MiB each) for one answer.
   */
  readonly #pending = new Map<string, Promise<ApiKeyRecord | undefined>>();

  constructor(store: ApiKeyStore, cacheMs: number) {
    this.#store = store;
    this.#cacheMs = cacheMs;
  }

  /** The key's record, or undefined when the key is malformed, unknown, wrong or revoked. */
  async verify(presented: string): Promise<ApiKeyRecord | undefined> {
    const digest = createHash('sha256').update(presented).digest('base64');
    const cached = this.#cache.get(digest);
    if (cached && cached.until > Date.now()) return cached.record;
    const pending = this.#pending.get(digest);
    if (pending) return pending;
    const check = (cached ? this.#recheck(presented, digest, cached.record) : this.#check(presented, digest)).finally(() => this.#pending.delete(digest));
    this.#pending.set(digest, check);
    return check;
  }

  /**
   * An expired entry: the record is read again (revocations, new scope or rate limit land now),
   * and only a changed salt or hash costs another scrypt. Why: under a steady stream of requests
   * the full check every keyCacheMs was one scrypt (tens of CPU-ms, 16 MiB) per key on the libuv
   * pool for a secret already known to match.
   */
  async #recheck(presented: string, digest: string, known: ApiKeyRecord): Promise<ApiKeyRecord | undefined> {
    const record = await this.#store.get(known.id);
    if (!record || record.revoked !== null || record.salt !== known.salt || record.hash !== known.hash) {
      this.#cache.delete(digest);
      return record && record.revoked === null ? this.#check(presented, digest) : undefined;
    }
    this.#cache.set(digest, { record, until: Date.now() + this.#cacheMs });
    return record;
  }

  async #check(presented: string, digest: string): Promise<ApiKeyRecord | undefined> {
    const parts = KEY_PATTERN.exec(presented);
    if (!parts) return undefined;
    const record = await this.#store.get(parts[1]);
    if (!record || record.revoked !== null) return undefined;
    const expected = Buffer.from(record.hash, 'hex');
    const actual = await derive(parts[2], Buffer.from(record.salt, 'hex'));
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    if (this.#cache.size > 10_000) this.#cache.clear(); // bounded: a flood of distinct good keys cannot grow memory
    this.#cache.set(digest, { record, until: Date.now() + this.#cacheMs });
    return record;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs; absent: public (health, metrics, documentation). */
    scope?: ApiKeyScope;
    /** DeepStack clients send the key as the multipart field `api_key`. */
    keyInBody?: boolean;
  }
  interface FastifyRequest {
    apiKey?: ApiKeyRecord;
  }
}

function keyFromHeaders(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  return undefined;
}

export interface AuthOptions {
  verifier: KeyVerifier | undefined;
  rateLimitPerMinute: number;
  limiter?: RateLimiter;
}

/**
 * Registers the hooks: keys in headers are checked on request (before any body is read); a key in
 * the body (DeepStack) once the body is parsed, for the routes that allow it.
 */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  const limiter = options.limiter ?? new RateLimiter();

  async function admit(request: FastifyRequest, presented: string | undefined, needs: ApiKeyScope): Promise<void> {
    if (!options.verifier) return; // auth: 'off'
    if (presented === undefined) throw new ServiceError(401, 'UNAUTHORIZED', 'an API key is required (header x-api-key); create one with `face-reid keys create`', { field: 'x-api-key' });
    const record = await options.verifier.verify(presented);
    if (!record) throw new ServiceError(401, 'UNAUTHORIZED', 'the API key is not valid (unknown, mistyped or revoked)', { field: 'x-api-key' });
    if (!scopeAllows(record.scope, needs)) {
      throw new ServiceError(403, 'FORBIDDEN', `this route needs a key with scope "${needs}" (or wider); the key "${record.name}" has "${record.scope}"`, { field: 'x-api-key' });
    }
    const wait = limiter.take(record.id, record.rateLimit ?? options.rateLimitPerMinute);
    if (wait > 0) throw new ServiceError(429, 'RATE_LIMITED', `rate limit of key "${record.name}" reached; retry in ${wait} s`, { retryAfter: wait });
    request.apiKey = record;
  }

  app.addHook('onRequest', async (request) => {
    const needs = request.routeOptions.config.scope;
    if (!needs) return;
    const presented = keyFromHeaders(request);
    if (presented === undefined && request.routeOptions.config.keyInBody) return; // checked in preHandler
    await admit(request, presented, needs);
  });

  app.addHook('preHandler', async (request) => {
    const needs = request.routeOptions.config.scope;
    if (!needs || request.apiKey || !options.verifier || !request.routeOptions.config.keyInBody) return;
    const body = request.body as Record<string, unknown> | undefined;
    const fromBody = typeof body?.api_key === 'string' ? body.api_key : undefined;
    await admit(request, fromBody, needs);
  });
}
