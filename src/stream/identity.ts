/**
 * Who a track is, decided from evidence accumulated over its embeddings rather than from any one
 * frame, so that labels neither come too early nor flicker:
 *
 * - Every embedding of a track is matched alone against the gallery (top-1, at or above the
 *   threshold): a vote for that label weighted by the view's quality and its similarity.
 * - The track's centroid (quality-weighted mean of its unit embeddings) is what is assigned,
 *   one-to-one among the tracks visible together (the gallery's Hungarian `matchFrame`): two faces
 *   in one frame are two people.
 * - A label is given only when the assignment proposes it and at least `minFaces` of the track's
 *   own observations voted for it; a given label changes only to one whose evidence exceeds the
 *   current one's by the `margin` (hysteresis); a frame's worth of doubt never takes a label away.
 * - A track with `minFaces` observations and no label supported is an unknown person: it gets a
 *   visitor id from the registry (an earlier visitor's when it looks like one).
 */
import { UNKNOWN } from '../gallery/assignment';
import { DEFAULT_MATCH_THRESHOLD } from '../gallery/defaults';
import { outOfRange } from '../errors';
import { VisitorRegistry } from './visitors';

/** The part of the Gallery that identification needs: its synchronous one-to-one frame match. */
export interface FaceMatcher {
  matchFrame(embeddings: readonly Float32Array[], options: { threshold?: number }): { label: string; similarity: number }[];
}

export type IdentityKind = 'pending' | 'gallery' | 'visitor';

export interface Identity {
  kind: IdentityKind;
  /** Gallery label, visitor id, or null while pending. */
  label: string | null;
  /** Centroid similarity to the label (gallery) or to the visitor's centroid; 0 while pending or for a new visitor. */
  similarity: number;
  /** Visitors: already known before this track. */
  returning?: boolean;
}

export interface IdentityChange {
  key: string;
  previous: Identity;
  identity: Identity;
}

export interface IdentityOptions {
  /** Gallery similarity threshold (Unknown below). Default DEFAULT_MATCH_THRESHOLD. */
  threshold?: number;
  /** Consistent observations before a label is given. Default 3. */
  minFaces?: number;
  /** Relative evidence a new label needs over the current one to replace it. Default 0.5 (+50%). */
  margin?: number;
  /**
   * A track becomes a visitor after `minFaces` observations only when its centroid is clearly
   * unlike every identity (similarity below threshold − this); in between it waits for
   * 3 × minFaces observations, since a face entering the frame often starts below the threshold
   * and a visitor id given then would change to the name a moment later. Default 0.1.
   */
  visitorMargin?: number;
}

export const PENDING: Identity = Object.freeze({ kind: 'pending', label: null, similarity: 0 }) as Identity;

/** Quality weights never reach zero: a poor view is weak evidence, not none. */
const MIN_WEIGHT = 0.05;

interface Vote {
  count: number;
  weight: number;
}

interface Evidence {
  sum: Float32Array;
  weight: number;
  observations: number;
  votes: Map<string, Vote>;
  identity: Identity;
}

export class IdentityResolver {
  readonly threshold: number;
  readonly minFaces: number;
  readonly margin: number;
  readonly visitorMargin: number;
  readonly visitors: VisitorRegistry;
  readonly #matcher: FaceMatcher | undefined;
  readonly #tracks = new Map<string, Evidence>();

  constructor(matcher: FaceMatcher | undefined, visitors: VisitorRegistry, options: IdentityOptions = {}) {
    const threshold = options.threshold ?? DEFAULT_MATCH_THRESHOLD;
    if (typeof threshold !== 'number' || !(threshold >= -1 && threshold <= 1)) throw outOfRange('a number from -1 to 1', 'threshold', threshold);
    const minFaces = options.minFaces ?? 3;
    if (!Number.isSafeInteger(minFaces) || minFaces < 1) throw outOfRange('an integer >= 1', 'minFaces', minFaces);
    const margin = options.margin ?? 0.5;
    if (typeof margin !== 'number' || !(margin >= 0) || !Number.isFinite(margin)) throw outOfRange('a finite number >= 0', 'margin', margin);
    this.threshold = threshold;
    this.minFaces = minFaces;
    this.margin = margin;
    const visitorMargin = options.visitorMargin ?? 0.1;
    if (typeof visitorMargin !== 'number' || !(visitorMargin >= 0) || !Number.isFinite(visitorMargin)) throw outOfRange('a finite number >= 0', 'visitorMargin', visitorMargin);
    this.visitorMargin = visitorMargin;
    this.visitors = visitors;
    this.#matcher = matcher;
  }

  identity(key: string): Identity {
    return this.#tracks.get(key)?.identity ?? PENDING;
  }

  /** Observations received for the track. */
  observations(key: string): number {
    return this.#tracks.get(key)?.observations ?? 0;
  }

  /** The track's centroid (unit length), or undefined before its first embedding. */
  centroid(key: string): Float32Array | undefined {
    const e = this.#tracks.get(key);
    return e ? normalised(e.sum) : undefined;
  }

  /** Adds one unit embedding of the track, seen with view quality `quality` (0..1). */
  observe(key: string, embedding: Float32Array, quality: number): void {
    let e = this.#tracks.get(key);
    if (!e) {
      e = { sum: new Float32Array(embedding.length), weight: 0, observations: 0, votes: new Map(), identity: PENDING };
      this.#tracks.set(key, e);
    }
    const w = Math.max(MIN_WEIGHT, Math.min(1, quality));
    for (let i = 0; i < embedding.length; i++) e.sum[i] += w * embedding[i];
    e.weight += w;
    e.observations++;
    if (this.#matcher) {
      const [top] = this.#matcher.matchFrame([embedding], { threshold: this.threshold });
      if (top && top.label !== UNKNOWN) {
        const vote = e.votes.get(top.label) ?? { count: 0, weight: 0 };
        vote.count++;
        vote.weight += w * top.similarity;
        e.votes.set(top.label, vote);
      }
    }
  }

  /**
   * Decides the identities of the tracks visible together now (`keys`), returning the ones that
   * changed. `now` (ms) is the visitor registry's clock.
   */
  resolve(keys: readonly string[], now: number): IdentityChange[] {
    const live = keys.filter((k) => (this.#tracks.get(k)?.observations ?? 0) > 0);
    if (live.length === 0) return [];
    const evidence = live.map((k) => this.#tracks.get(k)!);
    const centroids = evidence.map((e) => normalised(e.sum));
    const assigned = this.#matcher ? this.#matcher.matchFrame(centroids, { threshold: this.threshold }) : centroids.map(() => ({ label: UNKNOWN, similarity: 0 }));
    const next: Identity[] = evidence.map((e, i) => this.#decide(e, assigned[i]));
    this.#settleConflicts(evidence, next);
    // Unknown people with enough observations become (or stay) visitors.
    const newVisitors: number[] = [];
    next.forEach((id, i) => {
      if (id.kind !== 'pending') return;
      const n = evidence[i].observations;
      const clearlyUnknown = assigned[i].label === UNKNOWN && assigned[i].similarity < this.threshold - this.visitorMargin;
      if ((n >= this.minFaces && clearlyUnknown) || n >= 3 * this.minFaces) newVisitors.push(i);
    });
    if (newVisitors.length > 0) {
      const taken = new Set(next.filter((id) => id.kind === 'visitor').map((id) => id.label!));
      const matches = this.visitors.assign(newVisitors.map((i) => ({ key: live[i], centroid: centroids[i], weight: evidence[i].weight })), now, taken);
      newVisitors.forEach((i, m) => {
        next[i] = { kind: 'visitor', label: matches[m].id, similarity: matches[m].similarity, returning: matches[m].returning };
      });
    }
    const changes: IdentityChange[] = [];
    next.forEach((id, i) => {
      const e = evidence[i];
      if (id.kind === 'visitor' && !newVisitors.includes(i)) {
        if (this.visitors.has(id.label!)) {
          // The similarity stays the one the visitor was recognised with (0 for a new visitor):
          // the centroid now feeds the visitor, so comparing them again would say nothing.
          this.visitors.observe(id.label!, live[i], centroids[i], e.weight, now);
        } else {
          // Forgotten meanwhile (retention, or enrolled under a name): ask the registry again.
          const [m] = this.visitors.assign([{ key: live[i], centroid: centroids[i], weight: e.weight }], now);
          id = { kind: 'visitor', label: m.id, similarity: m.similarity, returning: m.returning };
        }
      }
      const previous = e.identity;
      e.identity = id;
      if (previous.kind !== id.kind || previous.label !== id.label) changes.push({ key: live[i], previous, identity: id });
    });
    return changes;
  }

  /** The track ended: its evidence is dropped (its visitor, if any, stays in the registry). */
  forget(key: string): void {
    this.#tracks.delete(key);
  }

  /** Keys of the tracks holding this identity label (gallery label or visitor id). */
  holders(label: string): string[] {
    return [...this.#tracks].filter(([, e]) => e.identity.label === label).map(([key]) => key);
  }

  /**
   * The tracks `keys` were just enrolled under `label` (enrolment from a stream): they take it
   * now, with all their observations counted as its votes (their views are its samples).
   */
  name(keys: readonly string[], label: string, similarity: (centroid: Float32Array) => number): IdentityChange[] {
    const changes: IdentityChange[] = [];
    for (const key of keys) {
      const e = this.#tracks.get(key);
      if (!e) continue;
      e.votes.set(label, { count: e.observations, weight: e.weight });
      const previous = e.identity;
      e.identity = { kind: 'gallery', label, similarity: similarity(normalised(e.sum)) };
      if (previous.kind !== 'gallery' || previous.label !== label) changes.push({ key, previous, identity: e.identity });
    }
    return changes;
  }

  #decide(e: Evidence, proposed: { label: string; similarity: number }): Identity {
    const current = e.identity;
    const support = (label: string) => e.votes.get(label) ?? { count: 0, weight: 0 };
    if (proposed.label !== UNKNOWN && support(proposed.label).count >= this.minFaces) {
      if (current.kind !== 'gallery' || current.label === proposed.label) return { kind: 'gallery', label: proposed.label, similarity: proposed.similarity };
      if (support(proposed.label).weight > support(current.label!).weight * (1 + this.margin)) {
        return { kind: 'gallery', label: proposed.label, similarity: proposed.similarity };
      }
    }
    return current;
  }

  /**
   * Hysteresis can leave a label with a track while the assignment gives it to another one that
   * has the votes for it: one person, one face per frame, so the stronger evidence keeps it.
   */
  #settleConflicts(evidence: Evidence[], next: Identity[]): void {
    const holder = new Map<string, number>();
    next.forEach((id, i) => {
      if (id.kind !== 'gallery') return;
      const other = holder.get(id.label!);
      if (other === undefined) {
        holder.set(id.label!, i);
        return;
      }
      const weight = (k: number) => evidence[k].votes.get(id.label!)?.weight ?? 0;
      const loser = weight(i) > weight(other) ? other : i;
      if (loser === other) holder.set(id.label!, i);
      const previous = evidence[loser].identity;
      next[loser] = previous.kind === 'gallery' && previous.label === id.label ? PENDING : previous;
    });
  }
}

function normalised(v: Float32Array): Float32Array {
  const out = Float32Array.from(v);
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i] * out[i];
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}
