/**
 * Validation of the service's API key records before a store keeps them. The store holds only
 * the salted hash (src/service/auth.ts derives and compares it); checking the shape here keeps
 * a malformed record from becoming a key nobody can use or revoke.
 */
import { invalidType, outOfRange } from '../errors';
import type { ApiKeyRecord, ApiKeyScope, ApiKeyStore } from './backend';
import { toIsoTime } from './sightings';

const SCOPES: ApiKeyScope[] = ['recognize', 'manage', 'admin'];
const HEX = /^(?:[0-9a-f]{2})+$/;

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw invalidType('a non-empty string', name, value);
  return value;
}

function hex(value: unknown, name: string): string {
  const s = text(value, name);
  if (!HEX.test(s)) throw outOfRange('lower-case hexadecimal', name, s);
  return s;
}

export function validateApiKeyRecord(value: unknown): ApiKeyRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidType('an API key record', 'record', value);
  const r = value as Record<string, unknown>;
  if (!SCOPES.includes(r.scope as ApiKeyScope)) throw outOfRange(`one of ${SCOPES.map((s) => `"${s}"`).join(', ')}`, 'record.scope', r.scope);
  const rateLimit = r.rateLimit ?? null;
  if (rateLimit !== null && (typeof rateLimit !== 'number' || !Number.isInteger(rateLimit) || rateLimit < 1)) {
    throw outOfRange('a positive integer or null', 'record.rateLimit', rateLimit);
  }
  return {
    id: text(r.id, 'record.id'),
    name: text(r.name, 'record.name'),
    scope: r.scope as ApiKeyScope,
    salt: hex(r.salt, 'record.salt'),
    hash: hex(r.hash, 'record.hash'),
    rateLimit: rateLimit as number | null,
    created: toIsoTime(r.created, 'record.created'),
    revoked: r.revoked === null || r.revoked === undefined ? null : toIsoTime(r.revoked, 'record.revoked'),
  };
}

/** The store's key records behind argument checks. */
export function checkedKeys(keys: () => ApiKeyStore): ApiKeyStore {
  return {
    create: async (record) => keys().create(validateApiKeyRecord(record)),
    list: async () => keys().list(),
    get: async (id) => keys().get(text(id, 'id')),
    revoke: async (id) => keys().revoke(text(id, 'id')),
  };
}
