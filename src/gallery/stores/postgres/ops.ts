/**
 * The store's writes as self-contained operations with a client-generated id, in the form the
 * outbox keeps them (plain JSON), and how they are applied: a batch of operations per
 * transaction, so a crash or a lost link leaves each either wholly applied or not at all, and
 * every id recorded in `applied_ops` in that same transaction, so replaying an operation after a
 * lost acknowledgement returns the first result instead of applying it twice.
 */
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Sighting } from '../../backend';
import type { Connection } from './connection';
import { LOCK_CHANGES } from './schema';

/** The NOTIFY channel every write signals on; followers then read `changes`. */
export const CHANNEL = 'face_reid_gallery_changes';

/** Samples per INSERT statement. */
const INSERT_SLICE = 200;

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

/** A change-log row an operation makes, appended at the end of its transaction. */
interface Change {
  kind: 'add-sample' | 'remove-identity';
  identityId: string;
  sampleId: string | null;
}

/** SQLSTATEs of a transaction the server aborted to let another through: run it again. */
const RETRY_SQLSTATES = new Set(['40P01', '40001']);
const RETRIES = 5;

/**
 * Applies `ops` in order in ONE transaction, each exactly once (the recorded outcome when it was
 * applied before); returns their outcomes in order. All or nothing: a crash or a lost link leaves
 * none of them applied, never a half identity.
 *
 * Commit order = seq order: the change log is appended, under LOCK_CHANGES, only as the last
 * statements before COMMIT, so the lock covers the seq allocation and the commit but not the
 * slow part (the HNSW insertions), and nodes insert their samples in parallel.
 */
export async function applyOperations(connection: Connection, ops: Operation[]): Promise<Outcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connection.transaction(`${ops[0].kind} (operation ${ops[0].id}${ops.length > 1 ? ` and ${ops.length - 1} more` : ''})`, (client) => applyInTransaction(client, ops));
    } catch (err) {
      // Without the global lock up front two batches can lock identities in opposite orders;
      // the server aborts one (deadlock_detected), which is then simply retried.
      const sqlstate = (err as { cause?: { code?: unknown } }).cause?.code;
      if (attempt >= RETRIES || typeof sqlstate !== 'string' || !RETRY_SQLSTATES.has(sqlstate)) throw err;
    }
  }
}

async function applyInTransaction(client: PoolClient, ops: Operation[]): Promise<Outcome[]> {
  // Claim every op id first: an id already there (or being committed by a stale session of
  // this same outbox, which this INSERT waits for) was applied, and is answered from its row.
  const claimed = await client.query<{ op_id: string }>(
    "INSERT INTO applied_ops (op_id, result) SELECT unnest($1::uuid[]), 'null' ON CONFLICT (op_id) DO NOTHING RETURNING op_id",
    [ops.map((op) => op.id)],
  );
  const fresh = new Set(claimed.rows.map((r) => r.op_id));
  const before = new Map<string, Outcome>();
  if (fresh.size < ops.length) {
    const done = await client.query<{ op_id: string; result: Outcome }>('SELECT op_id, result FROM applied_ops WHERE op_id = ANY($1::uuid[])', [
      ops.filter((op) => !fresh.has(op.id)).map((op) => op.id),
    ]);
    for (const r of done.rows) before.set(r.op_id, r.result);
  }
  const outcomes: Outcome[] = [];
  const changes: Change[] = [];
  for (const op of ops) {
    if (!fresh.has(op.id)) {
      outcomes.push(before.get(op.id) ?? null);
      continue;
    }
    if (op.kind === 'add') outcomes.push(await addSamples(client, op.samples, changes));
    else if (op.kind === 'remove') outcomes.push(await removeIdentity(client, op.label, changes));
    else outcomes.push(await insertSightings(client, op.sightings));
  }
  const recorded = ops.map((op, i) => ({ id: op.id, outcome: outcomes[i] })).filter((r) => fresh.has(r.id) && r.outcome !== null);
  if (recorded.length > 0) {
    await client.query('UPDATE applied_ops SET result = t.result FROM unnest($1::uuid[], $2::jsonb[]) AS t(op_id, result) WHERE applied_ops.op_id = t.op_id', [
      recorded.map((r) => r.id),
      recorded.map((r) => JSON.stringify(r.outcome)),
    ]);
  }
  if (changes.length > 0) {
    // Writers of the change log queue here, so their commits (and seqs) come in one order.
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_CHANGES]);
    await client.query(
      `INSERT INTO changes (kind, identity_id, sample_id)
         SELECT kind, identity_id, sample_id FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS t(kind, identity_id, sample_id, ord)
          ORDER BY ord`,
      [changes.map((c) => c.kind), changes.map((c) => c.identityId), changes.map((c) => c.sampleId)],
    );
    await client.query('SELECT pg_notify($1, $2)', [CHANNEL, ops[ops.length - 1].id]);
  }
  return outcomes;
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

async function addSamples(client: PoolClient, samples: SampleRecord[], changes: Change[]): Promise<AddOutcome> {
  // Sorted: two transactions locking the same identities take them in one order.
  const labels = [...new Set(samples.map((s) => s.label))].sort();
  // One upsert that creates or row-locks each identity: with no global lock up front, a separate
  // INSERT ... DO NOTHING then SELECT would miss an identity another node removed in between.
  // The lock also makes a concurrent meta patch of the same identity wait instead of overwriting.
  const identities = await client.query<{ id: string; label: string; meta: Record<string, unknown> }>(
    `INSERT INTO identities (label) SELECT * FROM unnest($1::text[])
     ON CONFLICT (label) DO UPDATE SET label = EXCLUDED.label
     RETURNING id, label, meta`,
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
  // In slices: every sample costs an HNSW insertion, and statement_timeout bounds each
  // statement, not the transaction, so a big batch stays one transaction without timing out.
  let stored = 0;
  for (let i = 0; i < samples.length; i += INSERT_SLICE) {
    const slice = samples.slice(i, i + INSERT_SLICE);
    const inserted = await client.query<{ id: string; identity_id: string }>(
      `INSERT INTO samples (identity_id, embedding, source, model)
         SELECT identity_id, embedding, source, model
           FROM unnest($1::bigint[], $2::vector[], $3::text[], $4::text[]) WITH ORDINALITY AS t(identity_id, embedding, source, model, ord)
          ORDER BY ord
       ON CONFLICT (identity_id, source) DO NOTHING
       RETURNING id, identity_id`,
      [slice.map((s) => idOf.get(s.label)), slice.map((s) => s.vector), slice.map((s) => s.source), slice.map((s) => s.model)],
    );
    const rows = [...inserted.rows].sort((a, b) => Number(a.id) - Number(b.id));
    for (const r of rows) changes.push({ kind: 'add-sample', identityId: r.identity_id, sampleId: r.id });
    stored += inserted.rowCount ?? 0;
  }
  return { stored, duplicates: samples.length - stored };
}

/** The identity, every sample of it (ON DELETE CASCADE) and every sighting under its label. */
async function removeIdentity(client: PoolClient, label: string, changes: Change[]): Promise<RemoveOutcome> {
  const gone = await client.query<{ id: string }>('DELETE FROM identities WHERE label = $1 RETURNING id', [label]);
  const sightings = await client.query('DELETE FROM sightings WHERE label = $1', [label]);
  if (gone.rowCount) changes.push({ kind: 'remove-identity', identityId: gone.rows[0].id, sampleId: null });
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
