/**
 * The store's writes as self-contained operations with a client-generated id, in the form the
 * outbox keeps them (plain JSON), and how each is applied: one transaction per operation, so a
 * crash or a lost link leaves it either wholly applied or not at all, and the id recorded in
 * `applied_ops` in that same transaction, so replaying it after a lost acknowledgement returns
 * the first result instead of applying it twice.
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Sighting } from '../../backend';
import type { Connection } from './connection';
import { LOCK_CHANGES } from './schema';

/** The NOTIFY channel every write signals on; followers then read `changes`. */
export const CHANNEL = 'face_reid_gallery_changes';

export interface SampleRecord {
  label: string;
  /** pgvector text literal (exact, see codec.ts). */
  vector: string;
  source: string | null;
  /** JSON text of keys merged into the identity's meta, or null. */
  meta: string | null;
  model: string;
}

export type Operation =
  | { id: string; kind: 'add'; samples: SampleRecord[] }
  | { id: string; kind: 'remove'; label: string }
  | { id: string; kind: 'sightings'; sightings: Sighting[] };

export type OperationBody = Operation extends infer O ? (O extends Operation ? Omit<O, 'id'> : never) : never;

export interface AddOutcome {
  stored: number;
  duplicates: number;
}
export type RemoveOutcome = 'removed' | 'absent';
export type Outcome = AddOutcome | RemoveOutcome | null;

export function newOperation(body: OperationBody): Operation {
  return { id: randomUUID(), ...body } as Operation;
}

/** Applies `op` exactly once; returns its outcome (the recorded one when it was applied before). */
export function applyOperation(connection: Connection, op: Operation): Promise<Outcome> {
  return connection.transaction(`${op.kind} (operation ${op.id})`, async (client) => {
    // Writers of the change log queue here, so their commits (and seqs) come in one order.
    if (op.kind !== 'sightings') await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_CHANGES]);
    const done = await client.query<{ result: Outcome }>('SELECT result FROM applied_ops WHERE op_id = $1', [op.id]);
    if (done.rowCount) return done.rows[0].result;
    let outcome: Outcome;
    if (op.kind === 'add') outcome = await addSamples(client, op.samples);
    else if (op.kind === 'remove') outcome = await removeIdentity(client, op.label);
    else outcome = await insertSightings(client, op.sightings);
    await client.query('INSERT INTO applied_ops (op_id, result) VALUES ($1, $2)', [op.id, JSON.stringify(outcome)]);
    if (op.kind !== 'sightings') await client.query('SELECT pg_notify($1, $2)', [CHANNEL, op.id]);
    return outcome;
  });
}

/**
 * RFC 7396 JSON merge patch, as SQLite's json_patch applies identity meta: objects merge key by
 * key (recursively), a null value deletes its key, anything else replaces.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

async function addSamples(client: PoolClient, samples: SampleRecord[]): Promise<AddOutcome> {
  const labels = [...new Set(samples.map((s) => s.label))];
  await client.query('INSERT INTO identities (label) SELECT * FROM unnest($1::text[]) ON CONFLICT (label) DO NOTHING', [labels]);
  // FOR UPDATE: a concurrent meta patch of the same identity waits instead of being overwritten.
  const identities = await client.query<{ id: string; label: string; meta: Record<string, unknown> }>(
    'SELECT id, label, meta FROM identities WHERE label = ANY($1::text[]) FOR UPDATE',
    [labels],
  );
  const idOf = new Map(identities.rows.map((r) => [r.label, r.id]));
  const patched = new Map<string, unknown>();
  for (const s of samples) {
    if (s.meta === null) continue;
    const before = patched.has(s.label) ? patched.get(s.label) : identities.rows.find((r) => r.label === s.label)!.meta;
    patched.set(s.label, mergePatch(before, JSON.parse(s.meta)));
  }
  if (patched.size > 0) {
    await client.query(
      'UPDATE identities SET meta = t.meta FROM unnest($1::bigint[], $2::jsonb[]) AS t(id, meta) WHERE identities.id = t.id',
      [[...patched.keys()].map((l) => idOf.get(l)), [...patched.values()].map((m) => JSON.stringify(m))],
    );
  }
  const inserted = await client.query(
    `WITH input AS (
       SELECT * FROM unnest($1::bigint[], $2::vector[], $3::text[], $4::text[]) WITH ORDINALITY AS t(identity_id, embedding, source, model, ord)
     ), stored AS (
       INSERT INTO samples (identity_id, embedding, source, model)
         SELECT identity_id, embedding, source, model FROM input ORDER BY ord
       ON CONFLICT (identity_id, source) DO NOTHING
       RETURNING id, identity_id
     )
     INSERT INTO changes (kind, identity_id, sample_id)
       SELECT 'add-sample', identity_id, id FROM stored ORDER BY id`,
    [samples.map((s) => idOf.get(s.label)), samples.map((s) => s.vector), samples.map((s) => s.source), samples.map((s) => s.model)],
  );
  const stored = inserted.rowCount ?? 0;
  return { stored, duplicates: samples.length - stored };
}

/** The identity, every sample of it (ON DELETE CASCADE) and every sighting under its label. */
async function removeIdentity(client: PoolClient, label: string): Promise<RemoveOutcome> {
  const gone = await client.query<{ id: string }>('DELETE FROM identities WHERE label = $1 RETURNING id', [label]);
  const sightings = await client.query('DELETE FROM sightings WHERE label = $1', [label]);
  if (gone.rowCount) await client.query("INSERT INTO changes (kind, identity_id) VALUES ('remove-identity', $1)", [gone.rows[0].id]);
  return gone.rowCount || sightings.rowCount ? 'removed' : 'absent';
}

async function insertSightings(client: PoolClient, sightings: Sighting[]): Promise<null> {
  await client.query(
    `INSERT INTO sightings (at, node, source, label, similarity, box, track)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::jsonb[], $7::text[])`,
    [
      sightings.map((s) => s.at),
      sightings.map((s) => s.node),
      sightings.map((s) => s.source),
      sightings.map((s) => s.label),
      sightings.map((s) => s.similarity),
      sightings.map((s) => (s.box ? JSON.stringify(s.box) : null)),
      sightings.map((s) => s.track ?? null),
    ],
  );
  return null;
}

/** How long an applied operation id is remembered: an outbox offline for longer replays unguarded (adds stay idempotent by source). */
const APPLIED_OPS_DAYS = 30;

/**
 * Keeps the change log bounded: deletes all but the newest `keep` changes and records the highest
 * seq deleted, so a follower that was behind it knows to reload instead of missing changes.
 */
export async function pruneChangeLog(connection: Connection, keep: number): Promise<number> {
  return connection.transaction('change log pruning', async (client) => {
    const gone = await client.query<{ n: number; top: string | null }>(
      `WITH gone AS (DELETE FROM changes WHERE seq <= (SELECT max(seq) FROM changes) - $1 RETURNING seq)
       SELECT count(*)::int AS n, max(seq) AS top FROM gone`,
      [keep],
    );
    const { n, top } = gone.rows[0];
    if (top !== null) {
      await client.query("UPDATE gallery_meta SET value = GREATEST(value::bigint, $1::bigint)::text WHERE key = 'pruned_through'", [top]);
    }
    await client.query(`DELETE FROM applied_ops WHERE at < now() - interval '${APPLIED_OPS_DAYS} days'`);
    return n;
  });
}
