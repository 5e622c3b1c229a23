/**
 * The PostgreSQL side of the sightings log (reads and retention; appends go through the outbox
 * like every other write) and of the service's API keys (admin actions: they go straight to the
 * database and fail when it is unreachable, rather than wait in an outbox).
 */
import { FaceReidError } from '../../../errors';
import type { ApiKeyRecord, ApiKeyStore, Sighting, SightingQuery } from '../../backend';
import type { Connection } from './connection';

interface SightingRow {
  at: Date;
  node: string;
  source: string;
  label: string;
  similarity: number;
  box: Sighting['box'] | null;
  track: string | null;
}

function iso(value: string | Date | undefined): string | null {
  return value === undefined ? null : new Date(value).toISOString();
}

export async function querySightings(connection: Connection, query: SightingQuery): Promise<Sighting[]> {
  const rows = await connection.query<SightingRow>(
    'sightings query',
    `SELECT at, node, source, label, similarity, box, track FROM sightings
      WHERE ($1::text IS NULL OR label = $1) AND ($2::text IS NULL OR source = $2)
        AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
      ORDER BY at DESC, id DESC LIMIT $5`,
    [query.label ?? null, query.source ?? null, iso(query.from), iso(query.to), query.limit ?? 1000],
  );
  return rows.map((r) => {
    const sighting: Sighting = { at: r.at.toISOString(), node: r.node, source: r.source, label: r.label, similarity: r.similarity };
    if (r.box) sighting.box = r.box;
    if (r.track !== null) sighting.track = r.track;
    return sighting;
  });
}

export async function pruneSightings(connection: Connection, before: Date): Promise<number> {
  const rows = await connection.query<{ n: number }>(
    'sightings retention',
    'WITH gone AS (DELETE FROM sightings WHERE at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone',
    [before.toISOString()],
  );
  return rows[0].n;
}

interface KeyRow {
  id: string;
  name: string;
  scope: ApiKeyRecord['scope'];
  salt: string;
  hash: string;
  rate_limit: number | null;
  created: Date;
  revoked: Date | null;
}

function toRecord(r: KeyRow): ApiKeyRecord {
  return { id: r.id, name: r.name, scope: r.scope, salt: r.salt, hash: r.hash, rateLimit: r.rate_limit, created: r.created.toISOString(), revoked: r.revoked ? r.revoked.toISOString() : null };
}

export function apiKeyStore(connection: Connection): ApiKeyStore {
  return {
    async create(record) {
      const rows = await connection.query(
        'api key create',
        `INSERT INTO api_keys (id, name, scope, salt, hash, rate_limit, created, revoked)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING 1`,
        [record.id, record.name, record.scope, record.salt, record.hash, record.rateLimit, record.created, record.revoked],
      );
      if (rows.length === 0) throw new FaceReidError(`an API key with id ${JSON.stringify(record.id)} already exists`, 'GALLERY_ERROR');
    },
    async list() {
      return (await connection.query<KeyRow>('api key list', 'SELECT * FROM api_keys ORDER BY created, id')).map(toRecord);
    },
    async get(id) {
      const rows = await connection.query<KeyRow>('api key lookup', 'SELECT * FROM api_keys WHERE id = $1', [id]);
      return rows.length ? toRecord(rows[0]) : undefined;
    },
    async revoke(id) {
      const rows = await connection.query('api key revoke', 'UPDATE api_keys SET revoked = now() WHERE id = $1 AND revoked IS NULL RETURNING 1', [id]);
      return rows.length > 0;
    },
  };
}
