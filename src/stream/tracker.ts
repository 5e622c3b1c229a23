/**
 * Multi-face tracking by detection: detections associated with tracks frame after frame by a cost
 * mixing box overlap (IoU with the track's predicted box) and, where both sides have one,
 * embedding similarity; solved one-to-one with our Hungarian; pairs outside the gates never match.
 *
 * Why two steps per detection frame (`plan`, then `update`): most faces are plainly the same track
 * as the frame before by their boxes alone, and embedding them would cost a re-identification
 * inference each. `plan` tells which detections are ambiguous by boxes (new, contested, near a
 * lost track); the caller embeds only those (plus what its embed policy wants) and `update` then
 * associates with embeddings wherever they exist.
 *
 * Motion: constant velocity of the box centre and size, smoothed on every measurement, so frames
 * without detection (`detectEvery` > 1) and short occlusions are bridged by prediction.
 * Life cycle: tentative (fewer than `confirmHits` measurements) → confirmed → lost (missed on a
 * detection frame) → ended (lost longer than `maxLostFrames`, or tentative and missed once).
 * A lost track that is found again keeps its id.
 */
import { hungarian } from '../gallery/hungarian';
import type { Box } from '../pipeline/detector';
import { outOfRange } from '../errors';

export type TrackState = 'tentative' | 'confirmed' | 'lost' | 'ended';

export interface TrackerOptions {
  /** Measurements before a track is confirmed. Default 3. */
  confirmHits?: number;
  /** Frames a confirmed track may go unseen before it ends. Default 45 (1.5 s at 30 fps). */
  maxLostFrames?: number;
  /** Smallest IoU with the predicted box for an association by boxes. Default 0.2. */
  iouGate?: number;
  /** Smallest embedding similarity for an association that uses embeddings. Default 0.35. */
  appearanceGate?: number;
  /**
   * A lost track may be re-found by its embedding this far from its predicted centre, in units of
   * its box side. Default 3.
   */
  refindRadius?: number;
  /** Weight of IoU against embedding similarity in the mixed cost. Default 0.5. */
  iouWeight?: number;
  /** Smoothing of the measured velocity, 0..1 (1: the last step only). Default 0.5. */
  velocitySmoothing?: number;
  /**
   * A track lost for at most this many frames is still associated by boxes alone (a detector
   * that misses a face on one frame should not cost an embedding). Default 5.
   */
  shortGapFrames?: number;
}

export interface TrackerDetection {
  box: Box;
  score: number;
  /** Unit vector; only when the caller embedded this detection. */
  embedding?: Float32Array;
}

export interface Track {
  /** Unique within the tracker, in creation order: `t1`, `t2`, ... */
  readonly id: string;
  state: TrackState;
  /** Latest box: measured on a frame the track was detected on, predicted otherwise. */
  box: Box;
  /** Box of the last measurement. */
  lastBox: Box;
  /** Whether `box` comes from a detection on the current frame. */
  measured: boolean;
  /** Detector score of the last measurement. */
  score: number;
  /** Measurements so far. */
  hits: number;
  /** Frame index of the first and last measurement. */
  firstFrame: number;
  lastFrame: number;
  /** Running mean of the unit embeddings the track received (normalised), or undefined. */
  appearance: Float32Array | undefined;
  appearanceCount: number;
  /** Centre and size velocity per frame. */
  velocity: { x: number; y: number; w: number; h: number };
}

export interface TrackerPlan {
  /** Detection indices that boxes alone do not place surely: embed them before `update`. */
  ambiguous: number[];
  /** For each detection, the track it goes to by boxes alone, if sure. */
  sureTrack: (string | undefined)[];
}

export interface TrackerUpdate {
  frame: number;
  /** For each detection, the id of the track it now belongs to. */
  assigned: string[];
  /** Tracks created by this frame (tentative). */
  created: Track[];
  /** Tracks confirmed by this frame. */
  confirmed: Track[];
  /** Lost tracks found again by this frame. */
  refound: Track[];
  /** Confirmed tracks that went unseen on this frame. */
  lost: Track[];
  /** Tracks that ended on this frame (lost too long, or tentative and missed). */
  ended: Track[];
}

const BLOCKED = 1e6;

/** Intersection over union of two boxes; 0 when either is empty. */
export function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function checkFraction(value: number, name: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw outOfRange('a number from 0 to 1', name, value);
  return value;
}

function checkCount(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw outOfRange(`an integer >= ${min}`, name, value);
  return value;
}

export class Tracker {
  readonly #confirmHits: number;
  readonly #maxLost: number;
  readonly #iouGate: number;
  readonly #appearanceGate: number;
  readonly #refindRadius: number;
  readonly #iouWeight: number;
  readonly #smoothing: number;
  readonly #shortGap: number;
  #tracks: Track[] = [];
  #nextId = 1;
  #frame = -1;

  constructor(options: TrackerOptions = {}) {
    this.#confirmHits = checkCount(options.confirmHits ?? 3, 'confirmHits', 1);
    this.#maxLost = checkCount(options.maxLostFrames ?? 45, 'maxLostFrames', 0);
    this.#iouGate = checkFraction(options.iouGate ?? 0.2, 'iouGate');
    this.#appearanceGate = checkFraction(options.appearanceGate ?? 0.35, 'appearanceGate');
    this.#iouWeight = checkFraction(options.iouWeight ?? 0.5, 'iouWeight');
    this.#smoothing = checkFraction(options.velocitySmoothing ?? 0.5, 'velocitySmoothing');
    this.#shortGap = checkCount(options.shortGapFrames ?? 5, 'shortGapFrames', 0);
    const radius = options.refindRadius ?? 3;
    if (typeof radius !== 'number' || !(radius >= 0) || !Number.isFinite(radius)) throw outOfRange('a finite number >= 0', 'refindRadius', radius);
    this.#refindRadius = radius;
  }

  /** Live tracks (tentative, confirmed, lost), oldest first. */
  get tracks(): readonly Track[] {
    return this.#tracks;
  }

  get frame(): number {
    return this.#frame;
  }

  /**
   * Moves to `frame` (later than the last one) and predicts every live track's box there; use on
   * frames without detection. Lost tracks keep drifting but slow down, so a long occlusion does
   * not carry the box off.
   */
  predict(frame: number): void {
    if (!Number.isSafeInteger(frame) || frame <= this.#frame) throw outOfRange(`a frame index after ${this.#frame}`, 'frame', frame);
    const steps = this.#frame < 0 ? 0 : frame - this.#frame;
    this.#frame = frame;
    for (const t of this.#tracks) {
      for (let s = 0; s < steps; s++) {
        const v = t.velocity;
        const cx = t.box.x + t.box.width / 2 + v.x;
        const cy = t.box.y + t.box.height / 2 + v.y;
        const w = Math.max(1, t.box.width + v.w);
        const h = Math.max(1, t.box.height + v.h);
        t.box = { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
        if (this.#needsFace(t, this.#frame)) {
          v.x *= 0.9;
          v.y *= 0.9;
          v.w *= 0.5;
          v.h *= 0.5;
        }
      }
      t.measured = false;
    }
  }

  /**
   * For detections of `frame` (no embeddings needed): which are placed surely by boxes alone.
   * Sure means exactly one active track passes the IoU gate with it and that track passes the
   * gate with no other detection. Predicts to `frame` first when needed.
   */
  plan(frame: number, detections: readonly TrackerDetection[]): TrackerPlan {
    if (frame !== this.#frame) this.predict(frame);
    const active = this.#tracks.filter((t) => !this.#needsFace(t, frame));
    const candidates = detections.map((d) => active.filter((t) => iou(t.box, d.box) >= this.#iouGate));
    const perTrack = new Map<Track, number>();
    for (const list of candidates) for (const t of list) perTrack.set(t, (perTrack.get(t) ?? 0) + 1);
    const ambiguous: number[] = [];
    const sureTrack: (string | undefined)[] = [];
    detections.forEach((d, i) => {
      const list = candidates[i];
      // A face that continues an active track is that track even when a lost one is nearby
      // (the lost one would have to have jumped into the other's path); only a face no active
      // track claims may be a lost track coming back, and that takes its embedding to tell.
      if (list.length === 1 && perTrack.get(list[0]) === 1) {
        sureTrack.push(list[0].id);
      } else {
        sureTrack.push(undefined);
        ambiguous.push(i);
      }
    });
    return { ambiguous, sureTrack };
  }

  /**
   * Associates the detections of `frame` with the live tracks and advances the life cycles.
   * Detections that carry an embedding are associated by the mixed cost with tracks that have an
   * appearance; lost tracks are re-found only with an embedding (boxes alone could hand a lost
   * id to a newcomer walking the same path).
   */
  update(frame: number, detections: readonly TrackerDetection[]): TrackerUpdate {
    if (frame !== this.#frame) this.predict(frame);
    const tracks = this.#tracks;
    const rows = tracks.length;
    const cols = detections.length;
    const assignedTrack: (Track | undefined)[] = new Array(cols).fill(undefined);
    if (rows > 0 && cols > 0) {
      const cost = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) cost[r * cols + c] = this.#cost(tracks[r], detections[c]);
      const match = hungarian(cost, rows, cols);
      for (let r = 0; r < rows; r++) {
        const c = match[r];
        if (c >= 0 && cost[r * cols + c] < BLOCKED) assignedTrack[c] = tracks[r];
      }
    }
    const result: TrackerUpdate = { frame, assigned: [], created: [], confirmed: [], refound: [], lost: [], ended: [] };
    const seen = new Set<Track>();
    detections.forEach((d, c) => {
      let t = assignedTrack[c];
      if (t) {
        const wasLost = t.state === 'lost';
        this.#measure(t, d, frame);
        if (wasLost) {
          t.state = 'confirmed';
          result.refound.push(t);
        } else if (t.state === 'tentative' && t.hits >= this.#confirmHits) {
          t.state = 'confirmed';
          result.confirmed.push(t);
        }
      } else {
        t = this.#create(d, frame);
        result.created.push(t);
        if (t.state === 'confirmed') result.confirmed.push(t);
      }
      seen.add(t);
      result.assigned.push(t.id);
    });
    for (const t of tracks) {
      if (seen.has(t)) continue;
      if (t.state === 'tentative') {
        t.state = 'ended';
      } else if (t.state === 'confirmed') {
        t.state = 'lost';
        result.lost.push(t);
      }
      if (t.state === 'lost' && frame - t.lastFrame > this.#maxLost) t.state = 'ended';
      if (t.state === 'ended') result.ended.push(t);
    }
    this.#tracks = tracks.filter((t) => t.state !== 'ended');
    this.#tracks.push(...result.created);
    return result;
  }

  /** Ends every live track (the stream ended); returns them. */
  endAll(): Track[] {
    const ended = this.#tracks;
    for (const t of ended) t.state = 'ended';
    this.#tracks = [];
    return ended;
  }

  /**
   * Adds an embedding to a track's appearance (running mean of unit vectors, kept unit length);
   * `update` does this for the detections it associates, callers for embeddings computed later.
   */
  addAppearance(track: Track, embedding: Float32Array): void {
    if (!track.appearance) {
      track.appearance = Float32Array.from(embedding);
      track.appearanceCount = 1;
      return;
    }
    // A window of the last ~10 views: the face's look changes along a track (turning, lighting).
    const n = Math.min(track.appearanceCount, 9);
    const a = track.appearance;
    let norm = 0;
    for (let i = 0; i < a.length; i++) {
      a[i] = (a[i] * n + embedding[i]) / (n + 1);
      norm += a[i] * a[i];
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < a.length; i++) a[i] /= norm;
    track.appearanceCount++;
  }

  /** Lost longer than the short gap: only its embedding may bring it back. */
  #needsFace(t: Track, frame: number): boolean {
    return t.state === 'lost' && frame - t.lastFrame > this.#shortGap;
  }

  #nearForRefind(t: Track, box: Box): boolean {
    const side = Math.max(t.box.width, t.box.height);
    const dx = t.box.x + t.box.width / 2 - (box.x + box.width / 2);
    const dy = t.box.y + t.box.height / 2 - (box.y + box.height / 2);
    const ratio = Math.max(box.width, box.height) / side;
    return Math.hypot(dx, dy) <= this.#refindRadius * side && ratio > 0.5 && ratio < 2;
  }

  #cost(t: Track, d: TrackerDetection): number {
    const overlap = iou(t.box, d.box);
    const similarity = t.appearance && d.embedding ? dot(t.appearance, d.embedding) : undefined;
    if (this.#needsFace(t, this.#frame)) {
      // Re-finding needs the face itself: an embedding close enough, near where the track went.
      if (similarity === undefined || similarity < this.#appearanceGate || !this.#nearForRefind(t, d.box)) return BLOCKED;
      return 1 - (this.#iouWeight * overlap + (1 - this.#iouWeight) * similarity);
    }
    if (similarity === undefined) return overlap >= this.#iouGate ? 1 - overlap : BLOCKED;
    if (similarity < this.#appearanceGate) return BLOCKED;
    // A face that moved fast loses its overlap but not its look: the embedding alone may carry it nearby.
    if (overlap < this.#iouGate && !this.#nearForRefind(t, d.box)) return BLOCKED;
    return 1 - (this.#iouWeight * overlap + (1 - this.#iouWeight) * similarity);
  }

  #measure(t: Track, d: TrackerDetection, frame: number): void {
    const dt = Math.max(1, frame - t.lastFrame);
    // Velocity from the step since the last measurement (not from the predicted box, which
    // already moved by the old velocity).
    const lastCx = t.lastBox.x + t.lastBox.width / 2;
    const lastCy = t.lastBox.y + t.lastBox.height / 2;
    const cx = d.box.x + d.box.width / 2;
    const cy = d.box.y + d.box.height / 2;
    const a = this.#smoothing;
    const v = t.velocity;
    if (t.hits > 0) {
      v.x = a * ((cx - lastCx) / dt) + (1 - a) * v.x;
      v.y = a * ((cy - lastCy) / dt) + (1 - a) * v.y;
      v.w = a * ((d.box.width - t.lastBox.width) / dt) + (1 - a) * v.w;
      v.h = a * ((d.box.height - t.lastBox.height) / dt) + (1 - a) * v.h;
    }
    t.box = { ...d.box };
    t.lastBox = { ...d.box };
    t.measured = true;
    t.score = d.score;
    t.hits++;
    t.lastFrame = frame;
    if (d.embedding) this.addAppearance(t, d.embedding);
  }

  #create(d: TrackerDetection, frame: number): Track {
    const t: Track = {
      id: `t${this.#nextId++}`,
      state: this.#confirmHits <= 1 ? 'confirmed' : 'tentative',
      box: { ...d.box },
      lastBox: { ...d.box },
      measured: true,
      score: d.score,
      hits: 1,
      firstFrame: frame,
      lastFrame: frame,
      appearance: undefined,
      appearanceCount: 0,
      velocity: { x: 0, y: 0, w: 0, h: 0 },
    };
    if (d.embedding) this.addAppearance(t, d.embedding);
    return t;
  }
}
