/**
 * The best views of a face kept along a track (and per visitor): they give the track's snapshot
 * and what enrolment from a stream adds to the gallery. Kept as a short list ranked by view
 * quality; near-duplicates are dropped when views are taken out, so an enrolment does not add the
 * same frame's look five times.
 */
import type { Box } from '../pipeline/detector';
import type { ViewQuality } from './quality';
import { dot } from './tracker';

export interface FaceView {
  embedding: Float32Array;
  quality: ViewQuality;
  box: Box;
  landmarks: [number, number][];
  frame: number;
  /** Stream time of the frame, ms. */
  timestamp: number;
  camera: string;
  track: string;
}

/** Embedding similarity above which two views count as the same look. */
export const NEAR_DUPLICATE = 0.95;

export class BestViews {
  readonly #max: number;
  #views: FaceView[] = [];

  constructor(max = 8) {
    this.#max = max;
  }

  get best(): FaceView | undefined {
    return this.#views[0];
  }

  get all(): readonly FaceView[] {
    return this.#views;
  }

  /** Keeps the view if it ranks among the best `max`; returns whether it became the best. */
  offer(view: FaceView): boolean {
    const list = this.#views;
    let at = list.findIndex((v) => view.quality.score > v.quality.score);
    if (at < 0) at = list.length;
    if (at >= this.#max) return false;
    list.splice(at, 0, view);
    if (list.length > this.#max) list.pop();
    return at === 0;
  }
}

/** The best `max` of `views` by quality with near-duplicates (by embedding) dropped. */
export function distinctViews(views: readonly FaceView[], max: number, nearDuplicate = NEAR_DUPLICATE): FaceView[] {
  const ranked = [...views].sort((a, b) => b.quality.score - a.quality.score);
  const kept: FaceView[] = [];
  for (const v of ranked) {
    if (kept.length >= max) break;
    if (kept.some((k) => dot(k.embedding, v.embedding) > nearDuplicate)) continue;
    kept.push(v);
  }
  return kept;
}
