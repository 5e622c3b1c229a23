/**
 * One camera's tracking and identification, frame by frame, without any model in it: the caller
 * hands over each detection frame's faces (box, score, landmarks, view quality) and a function
 * that embeds the ones asked for; the session tracks, decides which faces to embed, feeds the
 * identity evidence and turns it all into events and per-frame records. FaceStream runs one per
 * source around the shared pipeline; tests run it on synthetic detections.
 */
import type { Box } from '../pipeline/detector';
import { EmbedPolicy, newHistory, type EmbedHistory } from './embed-policy';
import type { FrameRecord, Snapshot, StreamEvent } from './events';
import { PENDING, type Identity, type IdentityChange, type IdentityResolver } from './identity';
import type { ViewQuality } from './quality';
import { Tracker, type Track, type TrackerOptions } from './tracker';
import { BestViews, type FaceView } from './views';

export interface SessionFace {
  box: Box;
  score: number;
  landmarks: [number, number][];
  quality: ViewQuality;
}

/** Embeds faces `indices` of the frame's faces, in that order (unit vectors). */
export type EmbedFaces = (indices: number[]) => Promise<Float32Array[]>;

export interface TrackInfo {
  track: Track;
  key: string;
  history: EmbedHistory;
  views: BestViews;
  startedAt: number;
  /** Whether track.started was sent (only confirmed tracks are announced). */
  announced: boolean;
  lastTimestamp: number;
}

export interface SessionOptions {
  tracker?: TrackerOptions;
  /** Wall clock for the visitor registry (ms); default Date.now. */
  now?: () => number;
}

export class CameraSession {
  readonly camera: string;
  readonly tracker: Tracker;
  readonly #policy: EmbedPolicy;
  readonly #identity: IdentityResolver;
  readonly #now: () => number;
  readonly #info = new Map<string, TrackInfo>();
  /** Called with each announced track as it ends (before its evidence is dropped). */
  onEnded: ((info: TrackInfo, identity: Identity) => void) | undefined;

  constructor(camera: string, policy: EmbedPolicy, identity: IdentityResolver, options: SessionOptions = {}) {
    this.camera = camera;
    this.tracker = new Tracker(options.tracker);
    this.#policy = policy;
    this.#identity = identity;
    this.#now = options.now ?? Date.now;
  }

  /** Track keys are unique across cameras (the identity resolver and visitor registry are shared). */
  keyOf(trackId: string): string {
    return `${this.camera}/${trackId}`;
  }

  info(trackId: string): TrackInfo | undefined {
    return this.#info.get(trackId);
  }

  /** Live tracks' infos (tentative, confirmed and lost). */
  infos(): TrackInfo[] {
    return this.tracker.tracks.map((t) => this.#info.get(t.id)!).filter(Boolean);
  }

  /** A frame without detection: tracks move by prediction only. */
  predictedFrame(frame: number, timestamp: number): { events: StreamEvent[]; record: FrameRecord } {
    this.tracker.predict(frame);
    return { events: [], record: this.#record(frame, timestamp) };
  }

  /** A frame with detection: associate, embed what is needed, identify, report. */
  async detectionFrame(frame: number, timestamp: number, faces: readonly SessionFace[], embed: EmbedFaces): Promise<{ events: StreamEvent[]; record: FrameRecord; improved: { track: string; box: Box }[] }> {
    const plan = this.tracker.plan(frame, faces);
    const wanted = new Set(plan.ambiguous);
    faces.forEach((f, i) => {
      const id = plan.sureTrack[i];
      if (id === undefined) return;
      const info = this.#info.get(id);
      if (!info) return;
      if (this.#policy.reason(info.history, f.quality.score, frame, this.#identity.identity(info.key).kind)) wanted.add(i);
    });
    const indices = [...wanted].sort((a, b) => a - b);
    const embeddings = indices.length > 0 ? await embed(indices) : [];
    const embeddingOf = new Map(indices.map((i, k) => [i, embeddings[k]]));
    for (let i = 0; i < faces.length; i++) this.#policy.count(embeddingOf.has(i));
    const update = this.tracker.update(
      frame,
      faces.map((f, i) => ({ box: f.box, score: f.score, embedding: embeddingOf.get(i) })),
    );
    const events: StreamEvent[] = [];
    const improved: { track: string; box: Box }[] = [];
    for (const t of update.created) {
      this.#info.set(t.id, { track: t, key: this.keyOf(t.id), history: newHistory(), views: new BestViews(), startedAt: timestamp, announced: false, lastTimestamp: timestamp });
    }
    update.assigned.forEach((trackId, i) => {
      const info = this.#info.get(trackId)!;
      info.lastTimestamp = timestamp;
      const embedding = embeddingOf.get(i);
      if (!embedding) return;
      const face = faces[i];
      this.#policy.took(info.history, face.quality.score, frame);
      this.#identity.observe(info.key, embedding, face.quality.score);
      if (info.views.offer({ embedding, quality: face.quality, box: face.box, landmarks: face.landmarks, frame, timestamp, camera: this.camera, track: trackId })) {
        improved.push({ track: trackId, box: face.box });
      }
    });
    for (const t of update.confirmed) {
      const info = this.#info.get(t.id)!;
      info.announced = true;
      events.push({ type: 'track.started', camera: this.camera, track: t.id, frame, timestamp, at: new Date().toISOString(), box: { ...t.box } });
    }
    // Identities are decided among the confirmed tracks seen on this frame: they are the ones
    // that are surely different people at the same time.
    const visible = this.tracker.tracks.filter((t) => t.state === 'confirmed' && t.measured).map((t) => this.#info.get(t.id)!);
    const changes = this.#identity.resolve(
      visible.map((info) => info.key),
      this.#now(),
    );
    const byKey = new Map(visible.map((info) => [info.key, info]));
    for (const change of changes) {
      const info = byKey.get(change.key)!;
      const event = this.#identityEvent(info, change.previous, change.identity, frame, timestamp);
      if (event) events.push(event);
    }
    for (const t of update.ended) events.push(...this.#end(t, frame, timestamp));
    return { events, record: this.#record(frame, timestamp), improved };
  }

  /** Events for identity changes made between frames (enrolment from the stream). */
  changed(changes: readonly IdentityChange[]): StreamEvent[] {
    const events: StreamEvent[] = [];
    for (const change of changes) {
      const info = [...this.#info.values()].find((i) => i.key === change.key);
      if (!info?.announced) continue;
      const event = this.#identityEvent(info, change.previous, change.identity, info.track.lastFrame, info.lastTimestamp);
      if (event) events.push(event);
    }
    return events;
  }

  /** The stream ended: every live track ends. */
  finish(frame: number, timestamp: number): StreamEvent[] {
    return this.tracker.endAll().flatMap((t) => this.#end(t, Math.max(0, frame), timestamp));
  }

  #identityEvent(info: TrackInfo, previous: Identity, identity: Identity, frame: number, timestamp: number): StreamEvent | undefined {
    if (identity.kind === 'pending' || identity.label === null) return undefined;
    const snap = snapshot(info.views.best);
    if (!snap) return undefined;
    const common = { camera: this.camera, track: info.track.id, frame, timestamp, at: new Date().toISOString(), kind: identity.kind, label: identity.label, similarity: clampSimilarity(identity.similarity), snapshot: snap };
    const returning = identity.kind === 'visitor' ? { returning: identity.returning ?? false } : {};
    if (previous.kind === 'pending' || previous.label === null) return { type: 'track.identified', ...common, ...returning };
    return { type: 'track.updated', ...common, ...returning, previous: { kind: previous.kind, label: previous.label } };
  }

  #end(t: Track, frame: number, timestamp: number): StreamEvent[] {
    const info = this.#info.get(t.id);
    this.#info.delete(t.id);
    if (!info) return [];
    const identity = this.#identity.identity(info.key);
    if (info.announced) this.onEnded?.(info, identity);
    this.#identity.forget(info.key);
    if (!info.announced) return [];
    const named = identity.kind !== 'pending' && identity.label !== null;
    return [
      {
        type: 'track.ended',
        camera: this.camera,
        track: t.id,
        frame,
        timestamp,
        at: new Date().toISOString(),
        duration: Math.max(0, info.lastTimestamp - info.startedAt),
        hits: t.hits,
        kind: named ? (identity.kind as 'gallery' | 'visitor') : null,
        label: named ? identity.label : null,
        similarity: named ? clampSimilarity(identity.similarity) : 0,
        embeds: info.history.embeds,
        snapshot: snapshot(info.views.best),
      },
    ];
  }

  /** The identity the track holds now (pending before one is given). */
  identityOf(trackId: string): Identity {
    const info = this.#info.get(trackId);
    return info ? this.#identity.identity(info.key) : PENDING;
  }

  #record(frame: number, timestamp: number): FrameRecord {
    const tracks = this.tracker.tracks
      .filter((t) => t.state === 'confirmed' || t.state === 'lost')
      .map((t) => {
        const id = this.identityOf(t.id);
        const named = id.kind !== 'pending' && id.label !== null;
        return {
          id: t.id,
          box: roundBox(t.box),
          label: named ? id.label : null,
          kind: named ? (id.kind as 'gallery' | 'visitor') : null,
          similarity: named ? round(clampSimilarity(id.similarity)) : 0,
          state: t.state as 'confirmed' | 'lost',
          detected: t.measured,
        };
      });
    return { camera: this.camera, frame, timestamp, tracks };
  }
}

/** Float32 dot products of unit vectors can land a hair outside [-1, 1]. */
const clampSimilarity = (v: number) => Math.max(-1, Math.min(1, v));
const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;
const roundBox = (b: Box): Box => ({ x: round(b.x, 1), y: round(b.y, 1), width: round(b.width, 1), height: round(b.height, 1) });

function snapshot(view: FaceView | undefined): Snapshot | null {
  if (!view) return null;
  const q = view.quality;
  return {
    frame: view.frame,
    timestamp: view.timestamp,
    box: roundBox(view.box),
    quality: { size: round(q.size, 2), frontality: round(q.frontality), sharpness: round(q.sharpness, 2), score: round(q.score) },
  };
}
