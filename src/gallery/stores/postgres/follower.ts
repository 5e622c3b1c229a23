/**
 * Keeps a node's in-memory matrix equal to the database by replaying the change log.
 *
 * Writers append to `changes` under one advisory lock, so seqs commit in order and "every change
 * with seq > last" is exactly what this node has not applied yet: after a NOTIFY, a poll or a
 * reconnect the follower fetches just those. Only when the log was pruned past `last` (a node
 * that was away for long) does it reload everything, from one consistent snapshot.
 *
 * Rows are fetched completely before the matrix is touched, and each page is applied
 * synchronously: a match running between two awaits sees the previous state or the next one,
 * never a half-loaded matrix.
 */
import type { MatrixRow } from '../../matrix';
import type { Connection } from './connection';
import { rowBytes } from './codec';

/** The part of EmbeddingMatrix the follower drives. */
export interface FollowedMatrix {
  append(rows: Iterable<MatrixRow>): number;
  removeIdentity(identityId: number): number;
  clear(): void;
}

export interface FollowerStats {
  /** Whole-gallery loads (the first one, and any after the log was pruned past this node). */
  fullLoads: number;
  /** Pulls that applied at least one change. */
  incrementalLoads: number;
  /** Changes applied from the log. */
  changesApplied: number;
}

const PAGE = 2000;

interface ChangeRow {
  seq: string;
  kind: 'add-sample' | 'remove-identity';
  identity_id: string;
  sample_id: string | null;
  label: string | null;
  embedding: Buffer | null;
}

interface SampleRow {
  id: string;
  identity_id: string;
  label: string;
  embedding: Buffer;
}

export class Follower {
  /** Highest change seq the matrix reflects. */
  seq = 0;
  readonly stats: FollowerStats = { fullLoads: 0, incrementalLoads: 0, changesApplied: 0 };
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(
    private readonly connection: Connection,
    private readonly matrix: FollowedMatrix,
  ) {}

  /**
   * Applies every change committed before the call. Calls while a pull runs share one follow-up
   * pull (which starts after them), so a burst of NOTIFYs costs at most two.
   */
  pull(): Promise<void> {
    if (!this.running) {
      this.running = this.catchUp().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    if (!this.next) {
      this.next = this.running
        .catch(() => undefined)
        .then(() => {
          this.next = null;
          return this.pull();
        });
    }
    return this.next;
  }

  private async catchUp(): Promise<void> {
    if (this.stats.fullLoads === 0) return this.fullLoad();
    let applied = 0;
    for (;;) {
      const from = this.seq;
      const rows = await this.connection.query<ChangeRow>(
        'follow',
        `SELECT c.seq, c.kind, c.identity_id, c.sample_id, i.label, vector_send(s.embedding) AS embedding
           FROM changes c
           LEFT JOIN samples s ON c.kind = 'add-sample' AND s.id = c.sample_id
           LEFT JOIN identities i ON i.id = s.identity_id
          WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`,
        [from, PAGE],
      );
      // Read after the changes: a prune that committed before our read shows here. One that
      // commits later cannot have taken rows we just read.
      const pruned = await this.prunedThrough();
      if (pruned > from) return this.fullLoad();
      applied += this.apply(rows);
      if (rows.length < PAGE) break;
    }
    if (applied > 0) this.stats.incrementalLoads++;
  }

  private apply(rows: ChangeRow[]): number {
    let batch: MatrixRow[] = [];
    const flush = () => {
      if (batch.length) this.matrix.append(batch);
      batch = [];
    };
    for (const row of rows) {
      if (row.kind === 'add-sample') {
        // A sample whose identity was removed later in the log is gone already: skip it.
        if (row.embedding !== null && row.label !== null) {
          batch.push({ id: Number(row.sample_id), identityId: Number(row.identity_id), label: row.label, embedding: rowBytes(row.embedding) });
        }
      } else {
        flush();
        this.matrix.removeIdentity(Number(row.identity_id));
      }
      this.seq = Number(row.seq);
    }
    flush();
    this.stats.changesApplied += rows.length;
    return rows.length;
  }

  private async prunedThrough(): Promise<number> {
    const rows = await this.connection.query<{ value: string }>('follow', "SELECT value FROM gallery_meta WHERE key = 'pruned_through'");
    return Number(rows[0]?.value ?? 0);
  }

  /** Every sample from one snapshot, with the change seq that snapshot reflects. */
  private async fullLoad(): Promise<void> {
    const { seq, rows } = await this.connection.transaction(
      'load',
      async (client) => {
        const head = await client.query<{ seq: string }>(
          "SELECT GREATEST((SELECT max(seq) FROM changes), (SELECT value::bigint FROM gallery_meta WHERE key = 'pruned_through'), 0) AS seq",
        );
        const all: MatrixRow[] = [];
        let after = 0;
        for (;;) {
          const page = await client.query<SampleRow>(
            `SELECT s.id, s.identity_id, i.label, vector_send(s.embedding) AS embedding
               FROM samples s JOIN identities i ON i.id = s.identity_id
              WHERE s.id > $1 ORDER BY s.id LIMIT $2`,
            [after, PAGE * 5],
          );
          for (const r of page.rows) all.push({ id: Number(r.id), identityId: Number(r.identity_id), label: r.label, embedding: rowBytes(r.embedding) });
          if (page.rows.length < PAGE * 5) break;
          after = Number(page.rows[page.rows.length - 1].id);
        }
        return { seq: Number(head.rows[0].seq), rows: all };
      },
      'ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
    this.matrix.clear();
    this.matrix.append(rows);
    this.seq = seq;
    this.stats.fullLoads++;
  }
}
