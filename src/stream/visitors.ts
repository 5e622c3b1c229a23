/**
 * Anonymous identities for people the gallery does not know: `visitor-<n>`, remembered across
 * tracks and cameras for a retention period so that "visitor-42 is back" can be said, and
 * forgotten after it. The registry has its own small matrix of centroids and never touches the
 * gallery: an unknown face must not become an enrolled identity by being seen.
 */
import { hungarian } from '../gallery/hungarian';
import { outOfRange } from '../errors';
import { dot } from './tracker';

export interface VisitorRegistryOptions {
  /** Smallest centroid similarity to say a track is a known visitor. Default 0.5. */
  threshold?: number;
  /** How long a visitor is remembered after it was last seen, in ms. Default 3600000 (1 h). */
  retentionMs?: number;
  /** Numbering starts here: ids are `visitor-<first>`, `visitor-<first+1>`, ... Default 1. */
  firstId?: number;
}

export interface VisitorMatch {
  id: string;
  /** Similarity to the visitor's centroid; 0 for a new visitor. */
  similarity: number;
  /** True when the visitor was already known (seen on an earlier track). */
  returning: boolean;
}

interface Contribution {
  centroid: Float32Array;
  weight: number;
}

interface Visitor {
  id: string;
  /** Normalised weighted mean of its tracks' centroids. */
  centroid: Float32Array;
  /** Per track (key) that carried this visitor: its latest centroid; the last few only. */
  tracks: Map<string, Contribution>;
  lastSeen: number;
}

/** How many tracks' centroids a visitor's own centroid is made of (oldest dropped first). */
const MAX_CONTRIBUTIONS = 8;

export class VisitorRegistry {
  readonly threshold: number;
  readonly retentionMs: number;
  #next: number;
  readonly #visitors = new Map<string, Visitor>();

  constructor(options: VisitorRegistryOptions = {}) {
    const threshold = options.threshold ?? 0.5;
    if (typeof threshold !== 'number' || !(threshold >= -1 && threshold <= 1)) throw outOfRange('a number from -1 to 1', 'threshold', threshold);
    const retention = options.retentionMs ?? 3_600_000;
    if (typeof retention !== 'number' || !(retention >= 0) || !Number.isFinite(retention)) throw outOfRange('a finite number of ms >= 0', 'retentionMs', retention);
    const first = options.firstId ?? 1;
    if (!Number.isSafeInteger(first) || first < 0) throw outOfRange('an integer >= 0', 'firstId', first);
    this.threshold = threshold;
    this.retentionMs = retention;
    this.#next = first;
  }

  get size(): number {
    return this.#visitors.size;
  }

  has(id: string): boolean {
    return this.#visitors.has(id);
  }

  /**
   * Visitor ids for several unknown tracks seen at once, one-to-one: each track gets the best
   * known visitor at or above the threshold that no other of them (and none of `taken`, ids held
   * by other live tracks) gets, or a new id. Forgets expired visitors first.
   */
  assign(tracks: readonly { key: string; centroid: Float32Array; weight: number }[], now: number, taken: ReadonlySet<string> = new Set()): VisitorMatch[] {
    this.prune(now);
    const centroids = tracks.map((t) => t.centroid);
    const known = [...this.#visitors.values()].filter((v) => !taken.has(v.id));
    const result: (VisitorMatch | undefined)[] = centroids.map(() => undefined);
    if (known.length > 0 && centroids.length > 0) {
      const cols = known.length;
      const cost = new Float64Array(centroids.length * cols);
      const sims = new Float64Array(centroids.length * cols);
      centroids.forEach((c, r) => {
        known.forEach((v, k) => {
          const s = dot(c, v.centroid);
          sims[r * cols + k] = s;
          cost[r * cols + k] = 1 - s;
        });
      });
      const match = hungarian(cost, centroids.length, cols);
      match.forEach((k, r) => {
        if (k >= 0 && sims[r * cols + k] >= this.threshold) result[r] = { id: known[k].id, similarity: sims[r * cols + k], returning: true };
      });
    }
    return result.map((m, r) => {
      const match = m ?? { id: this.#create(now, centroids[r].length), similarity: 0, returning: false };
      this.observe(match.id, tracks[r].key, tracks[r].centroid, tracks[r].weight, now);
      return match;
    });
  }

  /** Feeds a track's current centroid into its visitor (the visitor's look follows its tracks). */
  observe(id: string, trackKey: string, centroid: Float32Array, weight: number, now: number): void {
    const v = this.#visitors.get(id);
    if (!v) return;
    v.tracks.delete(trackKey); // re-inserted last: Map order is recency
    v.tracks.set(trackKey, { centroid: Float32Array.from(centroid), weight });
    while (v.tracks.size > MAX_CONTRIBUTIONS) v.tracks.delete(v.tracks.keys().next().value as string);
    v.centroid.fill(0);
    for (const c of v.tracks.values()) for (let i = 0; i < v.centroid.length; i++) v.centroid[i] += c.weight * c.centroid[i];
    let norm = 0;
    for (let i = 0; i < v.centroid.length; i++) norm += v.centroid[i] * v.centroid[i];
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < v.centroid.length; i++) v.centroid[i] /= norm;
    v.lastSeen = Math.max(v.lastSeen, now);
  }

  /** Similarity of a centroid to a visitor, or undefined when the visitor is not (or no longer) known. */
  similarity(id: string, centroid: Float32Array): number | undefined {
    const v = this.#visitors.get(id);
    return v ? dot(v.centroid, centroid) : undefined;
  }

  /** Forgets the visitor (it was enrolled under a name, or its retention ended). */
  remove(id: string): boolean {
    return this.#visitors.delete(id);
  }

  /** Deletes every visitor last seen more than the retention period before `now`; returns their ids. */
  prune(now: number): string[] {
    const gone: string[] = [];
    for (const v of this.#visitors.values()) {
      if (now - v.lastSeen > this.retentionMs) gone.push(v.id);
    }
    for (const id of gone) this.#visitors.delete(id);
    return gone;
  }

  #create(now: number, dimension: number): string {
    const id = `visitor-${this.#next++}`;
    this.#visitors.set(id, { id, centroid: new Float32Array(dimension), tracks: new Map(), lastSeen: now });
    return id;
  }
}
