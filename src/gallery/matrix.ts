/**
 * All sample embeddings of a gallery as one contiguous float32 matrix in a kernel's memory, with
 * the identity of each row, so one match is a single pass of dot products rather than a query.
 *
 * The matrix knows nothing about databases: its store drives it (`append` new rows,
 * `removeIdentity` on a removal, `clear` before a full reload), so the same matrix follows a
 * SQLite file (data_version) or PostgreSQL (change log and NOTIFY).
 */
import { FaceReidError } from '../errors';
import { EMBEDDING_BYTES, EMBEDDING_SIZE } from './embedding';
import { createDotKernel, DotKernel, KernelKind } from './kernel';
import { topK } from './topk';

export interface MatrixRow {
  /** Sample id: unique, never reused by the store. */
  id: number;
  identityId: number;
  label: string;
  /** 1024 bytes: 256 float32, little-endian, unit length. */
  embedding: Uint8Array;
}

export interface Match {
  label: string;
  similarity: number;
}

export interface MatrixStats {
  /** Appends into an empty matrix (new or cleared) that added rows: loads of the whole gallery. */
  fullLoads: number;
  /** Appends of rows to a matrix that already held some. */
  incrementalLoads: number;
  /** Identities taken out in place by `removeIdentity`. */
  removals: number;
}

const PAGE = 65536;
const QUERY_OFFSET = 0;
const ROWS_OFFSET = EMBEDDING_BYTES; // the query occupies the first 1 KiB

export class EmbeddingMatrix {
  private readonly kernel: DotKernel;
  private capacity = 0;
  private rows = 0;
  private highestSampleId = 0;
  /** Per row: index into `labels`. */
  private rowIdentity = new Int32Array(0);
  private labels: string[] = [];
  /** Per identity index: the store's identity id. */
  private identityIds: number[] = [];
  private indexById = new Map<number, number>();
  private best = new Float32Array(0);
  readonly stats: MatrixStats = { fullLoads: 0, incrementalLoads: 0, removals: 0 };

  constructor(options: { kernel?: KernelKind } = {}) {
    this.kernel = createDotKernel(1, options.kernel ?? 'simd');
  }

  get kernelKind(): KernelKind {
    return this.kernel.kind;
  }

  /** The highest sample id ever appended (kept across removals: ids are never reused). 0 after clear. */
  get lastSampleId(): number {
    return this.highestSampleId;
  }

  get sampleCount(): number {
    return this.rows;
  }

  get identityCount(): number {
    return this.labels.length;
  }

  labelOf(index: number): string {
    return this.labels[index];
  }

  /** Forgets every row (the store reloads after it). */
  clear(): void {
    this.rows = 0;
    this.highestSampleId = 0;
    this.labels = [];
    this.identityIds = [];
    this.indexById = new Map();
  }

  /** Appends rows (in the order the store applies them: ids need not increase); returns how many. */
  append(rows: Iterable<MatrixRow>): number {
    const wasEmpty = this.rows === 0 && this.highestSampleId === 0;
    let added = 0;
    let bytes = new Uint8Array(this.kernel.memory.buffer);
    for (const row of rows) {
      if (row.embedding.byteLength !== EMBEDDING_BYTES) {
        throw new FaceReidError(`sample ${row.id} has a ${row.embedding.byteLength}-byte embedding, expected ${EMBEDDING_BYTES}`, 'GALLERY_CORRUPT');
      }
      if (this.rows === this.capacity) {
        this.grow(this.rows + 1);
        bytes = new Uint8Array(this.kernel.memory.buffer); // growth detached the old view
      }
      let index = this.indexById.get(row.identityId);
      if (index === undefined) {
        index = this.labels.length;
        this.labels.push(row.label);
        this.identityIds.push(row.identityId);
        this.indexById.set(row.identityId, index);
      }
      bytes.set(row.embedding, ROWS_OFFSET + this.rows * EMBEDDING_BYTES);
      this.rowIdentity[this.rows] = index;
      this.rows++;
      if (row.id > this.highestSampleId) this.highestSampleId = row.id;
      added++;
    }
    if (this.best.length < this.labels.length) this.best = new Float32Array(Math.max(this.labels.length, this.best.length * 2));
    if (added > 0) {
      if (wasEmpty) this.stats.fullLoads++;
      else this.stats.incrementalLoads++;
    }
    return added;
  }

  /**
   * Takes every row of one identity out, compacting the rest in place (one pass over the rows
   * and identities, no reload from the store). Returns the number of rows removed.
   */
  removeIdentity(identityId: number): number {
    const gone = this.indexById.get(identityId);
    if (gone === undefined) return 0;
    const bytes = new Uint8Array(this.kernel.memory.buffer);
    const rowIdentity = this.rowIdentity;
    let kept = 0;
    for (let r = 0; r < this.rows; r++) {
      const index = rowIdentity[r];
      if (index === gone) continue;
      if (kept !== r) {
        const from = ROWS_OFFSET + r * EMBEDDING_BYTES;
        bytes.copyWithin(ROWS_OFFSET + kept * EMBEDDING_BYTES, from, from + EMBEDDING_BYTES);
      }
      // Identities after the removed one move down one place.
      rowIdentity[kept++] = index > gone ? index - 1 : index;
    }
    const removed = this.rows - kept;
    this.rows = kept;
    this.labels.splice(gone, 1);
    this.identityIds.splice(gone, 1);
    this.indexById.delete(identityId);
    for (let i = gone; i < this.identityIds.length; i++) this.indexById.set(this.identityIds[i], i);
    this.stats.removals++;
    return removed;
  }

  /**
   * Best similarity of each identity (over its samples) to a unit query, indexed like `labelOf`.
   * The returned array is reused by the next call: copy it to keep it.
   */
  identityScores(unitQuery: Float32Array): Float32Array {
    const memory = this.kernel.memory;
    new Float32Array(memory.buffer, QUERY_OFFSET, EMBEDDING_SIZE).set(unitQuery);
    const scoresOffset = this.scoresOffset();
    this.kernel.dots(ROWS_OFFSET, QUERY_OFFSET, scoresOffset, this.rows);
    const scores = new Float32Array(memory.buffer, scoresOffset, this.rows);
    const best = this.best;
    best.fill(-Infinity, 0, this.labels.length);
    const rowIdentity = this.rowIdentity;
    for (let r = 0; r < this.rows; r++) {
      const id = rowIdentity[r];
      const s = scores[r];
      if (s > best[id]) best[id] = s;
    }
    return best.subarray(0, this.labels.length);
  }

  /** The k best identities at or above `threshold`, best first; [] when none reaches it. */
  match(unitQuery: Float32Array, k: number, threshold: number): Match[] {
    const scores = this.identityScores(unitQuery);
    const count = Math.min(k, scores.length); // also bounds topK's buffer for huge k
    if (count === 0) return [];
    return topK(scores, scores.length, count, threshold).map(({ index, score }) => ({ label: this.labels[index], similarity: score }));
  }

  private scoresOffset(): number {
    return ROWS_OFFSET + this.capacity * EMBEDDING_BYTES;
  }

  /** Doubles capacity (amortised O(1) appends); scores live after the rows, so they need no move. */
  private grow(minRows: number): void {
    const capacity = Math.max(minRows, this.capacity * 2, 1024);
    const needed = ROWS_OFFSET + capacity * (EMBEDDING_BYTES + 4);
    const memory = this.kernel.memory;
    const pages = Math.ceil(needed / PAGE) - memory.buffer.byteLength / PAGE;
    try {
      if (pages > 0) memory.grow(pages);
    } catch (err) {
      throw new FaceReidError(`the gallery matrix cannot grow to ${capacity} samples (${needed} bytes): ${(err as Error).message}`, 'GALLERY_ERROR');
    }
    const rowIdentity = new Int32Array(capacity);
    rowIdentity.set(this.rowIdentity.subarray(0, this.rows));
    this.rowIdentity = rowIdentity;
    this.capacity = capacity;
  }
}
