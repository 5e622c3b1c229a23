/**
 * When a tracked face is worth a re-identification inference. Per-frame identification embeds
 * every face on every frame; a track needs far fewer: its first view, a few more while its
 * identity is still undecided, then only a clearly better view than its best so far or a periodic
 * refresh, and never more than a cap. The policy counts what it saved against embedding every
 * face it was asked about.
 *
 * A visitor id is a weaker decision than a name: it is what a track gets when its views so far
 * look like nobody enrolled, which dark, blurred or small views of an enrolled person often do.
 * So a visitor track keeps sampling (every `visitorEvery` frames) until the cap, giving a better
 * view the chance to collect the votes a name needs; a named track only refreshes.
 */
import { outOfRange } from '../errors';
import type { IdentityKind } from './identity';

export interface EmbedPolicyOptions {
  /** While the identity is undecided: embed at most every this many frames. Default 3. */
  pendingEvery?: number;
  /** Once named: embed again after this many frames even without a better view. Default 60. */
  refreshEvery?: number;
  /** While the track holds a visitor id: embed again after this many frames. Default 10. */
  visitorEvery?: number;
  /** A view counts as clearly better when its quality exceeds the best so far by this factor. Default 1.25. */
  betterBy?: number;
  /** At most this many embeddings per track (the first is always taken). Default 12. */
  maxPerTrack?: number;
}

/** What the policy reads of a track; the stream keeps it per track. */
export interface EmbedHistory {
  /** Embeddings taken so far. */
  embeds: number;
  /** Frame of the last embedding (-Infinity before the first). */
  lastEmbedFrame: number;
  /** Best view quality among the embedded views (0 before the first). */
  bestQuality: number;
}

export interface EmbedStats {
  /** Face observations the policy was asked about (what per-frame identification would embed). */
  considered: number;
  embedded: number;
  /** considered − embedded. */
  saved: number;
}

export type EmbedReason = 'first' | 'pending' | 'visitor' | 'better' | 'refresh';

export function newHistory(): EmbedHistory {
  return { embeds: 0, lastEmbedFrame: -Infinity, bestQuality: 0 };
}

function checkInt(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw outOfRange(`an integer >= ${min}`, name, value);
  return value;
}

export class EmbedPolicy {
  readonly pendingEvery: number;
  readonly refreshEvery: number;
  readonly visitorEvery: number;
  readonly betterBy: number;
  readonly maxPerTrack: number;
  #considered = 0;
  #embedded = 0;

  constructor(options: EmbedPolicyOptions = {}) {
    this.pendingEvery = checkInt(options.pendingEvery ?? 3, 'pendingEvery', 1);
    this.refreshEvery = checkInt(options.refreshEvery ?? 60, 'refreshEvery', 1);
    this.visitorEvery = checkInt(options.visitorEvery ?? 10, 'visitorEvery', 1);
    this.maxPerTrack = checkInt(options.maxPerTrack ?? 12, 'maxPerTrack', 1);
    const betterBy = options.betterBy ?? 1.25;
    if (typeof betterBy !== 'number' || !(betterBy >= 1) || !Number.isFinite(betterBy)) throw outOfRange('a finite number >= 1', 'betterBy', betterBy);
    this.betterBy = betterBy;
  }

  /** Why this view should be embedded, or undefined when it should not; `kind`: the track's identity so far. */
  reason(history: EmbedHistory, quality: number, frame: number, kind: IdentityKind): EmbedReason | undefined {
    if (history.embeds === 0) return 'first';
    if (history.embeds >= this.maxPerTrack) return undefined;
    const since = frame - history.lastEmbedFrame;
    if (kind === 'pending') return since >= this.pendingEvery ? 'pending' : undefined;
    if (quality > history.bestQuality * this.betterBy && since >= this.pendingEvery) return 'better';
    if (kind === 'visitor' && since >= this.visitorEvery) return 'visitor';
    if (since >= this.refreshEvery) return 'refresh';
    return undefined;
  }

  /** Counts one observation; `embedded`: whether it was embedded (for any reason). */
  count(embedded: boolean): void {
    this.#considered++;
    if (embedded) this.#embedded++;
  }

  /** Records an embedding in the track's history. */
  took(history: EmbedHistory, quality: number, frame: number): void {
    history.embeds++;
    history.lastEmbedFrame = frame;
    if (quality > history.bestQuality) history.bestQuality = quality;
  }

  get stats(): EmbedStats {
    return { considered: this.#considered, embedded: this.#embedded, saved: this.#considered - this.#embedded };
  }
}
