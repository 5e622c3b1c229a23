/**
 * `search: 'database'`: nearest identities found by pgvector's HNSW index instead of the local
 * matrix, for galleries too big for a node's memory.
 *
 * The index ranks samples; an identity's score is its best sample, so the query takes a few
 * more samples than identities wanted (several may belong to one person) and groups them. The
 * model filter (one gallery, one model: a guard, not a selection) and the threshold would cut an
 * ordinary HNSW scan short of k identities; pgvector 0.8's iterative scan keeps walking the graph
 * until the LIMIT is met (`relaxed_order`: results may come slightly out of order, the outer
 * ORDER BY restores it).
 */
import type { DatabaseMatch } from '../../backend';
import type { Connection } from './connection';
import { vectorLiteral } from './codec';

/** Samples fetched per identity wanted. */
const OVERFETCH = 4;
const MIN_CANDIDATES = 10;

export async function searchDatabase(
  connection: Connection,
  model: string,
  efSearch: number,
  queries: Float32Array[],
  k: number,
  threshold: number,
): Promise<DatabaseMatch[][]> {
  if (queries.length === 0) return [];
  return connection.transaction('database search', async (client) => {
    // SET LOCAL takes no parameters; efSearch is a validated integer.
    await client.query(`SET LOCAL hnsw.ef_search = ${Math.trunc(efSearch)}`);
    await client.query("SET LOCAL hnsw.iterative_scan = 'relaxed_order'");
    const out: DatabaseMatch[][] = [];
    for (const query of queries) {
      const result = await client.query<{ label: string; similarity: number }>(
        `WITH candidates AS MATERIALIZED (
           SELECT identity_id, embedding <=> $1::vector AS distance
             FROM samples WHERE model = $2
            ORDER BY embedding <=> $1::vector LIMIT $3
         )
         SELECT i.label, (1 - min(c.distance))::float8 AS similarity
           FROM candidates c JOIN identities i ON i.id = c.identity_id
          GROUP BY i.label
         HAVING 1 - min(c.distance) >= $4
          ORDER BY similarity DESC, i.label LIMIT $5`,
        [vectorLiteral(query), model, Math.max(k * OVERFETCH, MIN_CANDIDATES), threshold, k],
      );
      out.push(result.rows.map((r) => ({ label: r.label, similarity: r.similarity })));
    }
    return out;
  }, 'READ ONLY');
}
