/**
 * All sample embeddings of a gallery as one contiguous float32 matrix in a kernel's memory, with
 * the identity of each row, so one match is a single pass of dot products rather than a query.
 *
 * The matrix follows the database instead of being told about every write: before each query it
 * reads `PRAGMA data_version` (which changes when another connection, in this or another
 * process, commits) and its own dirty flag (set by the owning store after its own commits, which
 * do not change data_version). Sample ids only grow (AUTOINCREMENT), so "nothing was deleted"
 * is exactly "the rows up to the last loaded id are still all there": then only the new rows are
 * appended; otherwise (a removal) the matrix is rebuilt.
 */
import { FaceReidError } from '../errors';
import { EMBEDDING_BYTES, EMBEDDING_SIZE } from './embedding';
import { createDotKernel, DotKernel, KernelKind } from './kernel';
import { topK } from './topk';

export interface MatrixRow {
  id: number;
  identityId: number;
  label: string;
  embedding: Uint8Array;
}

/** What the matrix needs from the store; kept narrow so the matrix can be tested alone. */
export interface MatrixSource {
  dataVersion(): number;
  /** Number of samples with id <= sampleId. */
  countUpTo(sampleId: number): number;
  /** Samples with id > sampleId, in id order. */
  rowsAfter(sampleId: number): Iterable<MatrixRow>;
}

export interface Match {
  label: string;
  similarity: number;
}

export interface MatrixStats {
  fullLoads: number;
  incrementalLoads: number;
}

const PAGE = 65536;
const QUERY_OFFSET = 0;
const ROWS_OFFSET = EMBEDDING_BYTES; // the query occupies the first 1 KiB

export class EmbeddingMatrix {
  private readonly kernel: DotKernel;
  private capacity = 0;
  private rows = 0;
  private lastSampleId = 0;
  private lastDataVersion = -1;
  private dirty = true;
  private rowIdentity = new Int32Array(0);
  private labels: string[] = [];
  private indexById = new Map<number, number>();
  private best = new Float32Array(0);
  readonly stats: MatrixStats = { fullLoads: 0, incrementalLoads: 0 };

  constructor(private readonly source: MatrixSource, options: { kernel?: KernelKind } = {}) {
    this.kernel = createDotKernel(1, options.kernel ?? 'simd');
  }

  get kernelKind(): KernelKind {
    return this.kernel.kind;
  }

  /** Called by the store after its own commits (they leave data_version unchanged). */
  markDirty(): void {
    this.dirty = true;
  }

  get sampleCount(): number {
    this.sync();
    return this.rows;
  }

  get identityCount(): number {
    this.sync();
    return this.labels.length;
  }

  labelOf(index: number): string {
    return this.labels[index];
  }

  /** Brings the matrix up to date with the database; cheap (one pragma) when nothing changed. */
  sync(): void {
    const version = this.source.dataVersion();
    if (version === this.lastDataVersion && !this.dirty) return;
    // Flags first, reads after: a commit landing in between is seen now or on the next call.
    this.lastDataVersion = version;
    this.dirty = false;
    if (this.lastSampleId > 0 && this.source.countUpTo(this.lastSampleId) === this.rows) {
      if (this.append(this.source.rowsAfter(this.lastSampleId)) > 0) this.stats.incrementalLoads++;
    } else {
      this.reset();
      this.append(this.source.rowsAfter(0));
      this.stats.fullLoads++;
    }
  }

  /**
   * Best similarity of each identity (over its samples) to a unit query, indexed like `labelOf`.
   * The returned array is reused by the next call: copy it to keep it.
   */
  identityScores(unitQuery: Float32Array): Float32Array {
    this.sync();
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

  private reset(): void {
    this.rows = 0;
    this.lastSampleId = 0;
    this.labels = [];
    this.indexById = new Map();
  }

  private append(rows: Iterable<MatrixRow>): number {
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
        this.indexById.set(row.identityId, index);
      }
      bytes.set(row.embedding, ROWS_OFFSET + this.rows * EMBEDDING_BYTES);
      this.rowIdentity[this.rows] = index;
      this.rows++;
      this.lastSampleId = row.id;
      added++;
    }
    if (this.best.length < this.labels.length) this.best = new Float32Array(Math.max(this.labels.length, this.best.length * 2));
    return added;
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
