/**
 * FaceStream: cameras in, "who is here, since when, how sure" out, as track events.
 *
 * Per camera, frames are taken in order from a FrameSource (file, URL, device or pushed frames);
 * on detection frames (every `detectEvery`-th) the shared pipeline detects and locates landmarks
 * of every face, the camera's session tracks them and asks for embeddings only where the tracker
 * or the embed policy needs one, and identity evidence accumulates per track; frames in between
 * are bridged by the tracker's prediction. All cameras share one FacePipeline (one set of
 * compiled models) through a FIFO scheduler, one identity resolver and one visitor registry
 * (a visitor seen at the door is known in the hall).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { FaceReidError, invalidType, outOfRange } from '../errors';
import type { Gallery } from '../gallery';
import { DEFAULT_MATCH_THRESHOLD } from '../gallery/defaults';
import type { FacePipeline } from '../pipeline';
import type { Box } from '../pipeline/detector';
import { CameraSession, type SessionFace, type TrackInfo } from './camera-session';
import { EmbedPolicy, type EmbedPolicyOptions, type EmbedStats } from './embed-policy';
import type { FrameRecord, StreamEvent } from './events';
import { FairScheduler } from './fair-scheduler';
import { IdentityResolver, type FaceMatcher, type IdentityChange } from './identity';
import { viewQuality } from './quality';
import { DEFAULT_POOL_SIZE, MAX_POOL_SIZE, openSource, sourceOptionsFromConfig, type FrameSource, type PushedFrame, type SourceOptions, type SourceStats, type VideoFrame } from './source';
import type { TrackerOptions } from './tracker';
import { dot } from './tracker';
import { distinctViews, type FaceView } from './views';
import { VisitorRegistry } from './visitors';
import { faceSnapshot, type SnapshotOptions } from './snapshot';

export interface FaceStreamOptions {
  /** Named identities; without one every person gets a visitor id. Not closed by the stream. */
  gallery?: Gallery;
  /** Detect on every k-th frame; the tracker predicts the boxes in between. Default 1. */
  detectEvery?: number;
  /** Consistent observations before a track is named. Default 3. */
  minFaces?: number;
  /** Gallery similarity threshold: the configuration's thresholds.match, else DEFAULT_MATCH_THRESHOLD. */
  threshold?: number;
  /** Relative evidence a new label needs over the current one. Default 0.5. */
  margin?: number;
  /** Visitor ids: similarity to say "seen before" and how long they are remembered. */
  visitors?: { threshold?: number; retentionMs?: number };
  embed?: EmbedPolicyOptions;
  tracker?: TrackerOptions;
  /**
   * Options for sources given as paths, URLs or iterables (see openSource), over the ffmpeg
   * settings of the pipeline's configuration (`ffmpeg.path`, `hwaccel`, `hwaccelDevice`, `inputOptions`).
   */
  source?: SourceOptions;
  /** Write identifications to the gallery's sightings log. Default true when there is a gallery. */
  sightings?: boolean;
  /**
   * Events waiting for each `events()` iterator that is not read fast enough (or not at all).
   * Beyond this the oldest waiting event is dropped, counted in `stats.iterators.dropped`, so a
   * forgotten iterator cannot grow memory without bound. Default 10000. Listeners are not queued.
   */
  maxQueuedEvents?: number;
  /** Frames in the pipeline at once over all cameras. Default 2 (decode of one overlaps inference of another). */
  concurrency?: number;
  /**
   * Per camera, frames whose detection and landmarks may start before the previous frame's
   * tracking and re-identification are done (both stages run at once, so one camera keeps both
   * cores busy). Frames stay in order for the tracker. Default: the detections the pipeline's
   * detector runs at once (`pipeline.detectorParallelism`, at most 4): 1 under the default LATENCY
   * hint, 2 under THROUGHPUT on two cores. 0 for one frame at a time. Pushed frames that are not
   * live always go one at a time (their pixels may be refilled). Reading further ahead than 1
   * also gives each source two more pooled buffers per frame ahead unless `source.poolSize` is set.
   */
  readAhead?: number;
  /**
   * Keep a JPEG of each track's best face (cut when the view becomes the best, while the frame is
   * at hand), for `snapshot(id)`. Default false.
   */
  snapshots?: boolean | SnapshotOptions;
  /**
   * Called with every processed frame and its record before the frame goes back to its source
   * (an annotated video writer copies it here). Awaited; a rejection is an 'error' event.
   */
  onFrame?: (frame: VideoFrame, record: FrameRecord) => unknown;
}

export type SourceInput = string | AsyncIterable<PushedFrame> | Iterable<PushedFrame> | FrameSource;

export interface CameraStats {
  /** Frames processed (detection frames and predicted ones). */
  frames: number;
  detectionFrames: number;
  /** Faces detected over all detection frames. */
  faces: number;
  /**
   * Wall time spent, ms: detector, landmarks, re-identification, and tracking/identity in JS. With
   * `readAhead` > 0 the next frame's detection runs while this one is tracked, so the stages
   * overlap and their sum can exceed the stream's wall time.
   */
  timing: { detect: number; landmarks: number; reid: number; tracking: number };
  source: SourceStats;
}

export interface FaceStreamStats {
  cameras: Record<string, CameraStats>;
  /** Re-identification inferences made, and what per-frame identification would have made. */
  embeds: EmbedStats;
  visitors: number;
  /** Sightings written to the gallery, and failures doing so. */
  sightings: { written: number; failed: number };
  /** Event iterators open now, and events dropped from their queues (see maxQueuedEvents). */
  iterators: { open: number; dropped: number };
}

export interface PromoteResult {
  label: string;
  /** Views added to the gallery (the best ones, near-duplicates dropped). */
  added: number;
  /** Tracks whose views were used. */
  tracks: string[];
}

interface Camera {
  name: string;
  source: FrameSource;
  session: CameraSession;
  stats: Omit<CameraStats, 'source'>;
  lastDetect: number;
  lastFrame: number;
  lastTimestamp: number;
  loop: Promise<void>;
}

/** A detection frame's faces, landmarks and view quality, before tracking. */
interface Perceived {
  faces: SessionFace[];
  points: Float64Array[];
}

/** A frame whose first stage has started. */
interface Pending {
  frame: VideoFrame;
  /** Undefined for a frame between detections (the tracker predicts it). */
  perceived: Promise<Perceived | undefined>;
}

interface Remembered {
  key: string;
  views: readonly FaceView[];
  visitor: string | undefined;
}

/** Ended tracks whose views stay available to `promote`. */
const REMEMBERED_TRACKS = 512;

function checkInt(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number') throw invalidType(`an integer >= ${min}`, name, value);
  if (!Number.isSafeInteger(value) || value < min) throw outOfRange(`an integer >= ${min}`, name, value);
  return value;
}

/**
 * Events: 'event' (every StreamEvent), and each by its type ('track.started', ...); 'frame'
 * (FrameRecord, every processed frame); 'error' ({ camera, error }: a source failure or a frame
 * that could not be processed; emitted only when someone listens, always counted); 'end' (every
 * source ended). The stream is also an async iterable of its events.
 */
export class FaceStream extends EventEmitter {
  readonly #pipeline: FacePipeline;
  readonly #gallery: Gallery | undefined;
  readonly #detectEvery: number;
  readonly #readAhead: number;
  readonly #policy: EmbedPolicy;
  readonly #identity: IdentityResolver;
  readonly #visitors: VisitorRegistry;
  readonly #tracker: TrackerOptions | undefined;
  readonly #sourceOptions: SourceOptions | undefined;
  readonly #sightings: boolean;
  readonly #scheduler: FairScheduler;
  readonly #cameras = new Map<string, Camera>();
  readonly #remembered = new Map<string, Remembered>();
  readonly #pendingWrites = new Set<Promise<void>>();
  readonly #iterators = new Set<{ queue: StreamEvent[]; wake: (() => void) | undefined }>();
  readonly #sightingStats = { written: 0, failed: 0 };
  readonly #snapshotOptions: SnapshotOptions | undefined;
  readonly #snapshots = new Map<string, Buffer>();
  readonly #onFrame: FaceStreamOptions['onFrame'];
  readonly #maxQueuedEvents: number;
  #iteratorDropped = 0;
  #closed = false;
  #ended = false;
  #running = 0;
  /** The last errors, newest last (at most 20). */
  readonly errors: { camera: string; error: Error }[] = [];

  constructor(pipeline: FacePipeline, options: FaceStreamOptions = {}) {
    super();
    if (pipeline === null || typeof pipeline !== 'object' || typeof (pipeline as FacePipeline).detect !== 'function') throw invalidType('a FacePipeline', 'pipeline', pipeline);
    if (options === null || typeof options !== 'object') throw invalidType('an options object', 'options', options);
    this.#pipeline = pipeline;
    this.#gallery = options.gallery;
    this.#detectEvery = checkInt(options.detectEvery ?? 1, 'detectEvery', 1);
    this.#readAhead = checkInt(options.readAhead ?? defaultReadAhead(pipeline), 'readAhead', 0);
    this.#policy = new EmbedPolicy(options.embed);
    this.#visitors = new VisitorRegistry(options.visitors);
    const threshold = options.threshold ?? pipeline.config.thresholds?.match ?? DEFAULT_MATCH_THRESHOLD;
    const gallery = this.#gallery;
    const model = pipeline.embeddingModel;
    const matcher: FaceMatcher | undefined = gallery && { matchFrame: (embeddings, o) => gallery.matchFrame(embeddings, { ...o, model }) };
    this.#identity = new IdentityResolver(matcher, this.#visitors, { threshold, minFaces: options.minFaces, margin: options.margin });
    this.#tracker = options.tracker;
    this.#sourceOptions = options.source;
    this.#sightings = options.sightings ?? true;
    this.#scheduler = new FairScheduler(checkInt(options.concurrency ?? 2, 'concurrency', 1));
    const snapshots = options.snapshots ?? false;
    if (typeof snapshots !== 'boolean' && (snapshots === null || typeof snapshots !== 'object')) throw invalidType('true, false or snapshot options', 'snapshots', snapshots);
    this.#snapshotOptions = snapshots === true ? { maxSide: 256 } : snapshots === false ? undefined : snapshots;
    if (options.onFrame !== undefined && typeof options.onFrame !== 'function') throw invalidType('a function', 'onFrame', options.onFrame);
    this.#onFrame = options.onFrame;
    this.#maxQueuedEvents = checkInt(options.maxQueuedEvents ?? 10_000, 'maxQueuedEvents', 1);
  }

  /**
   * The JPEG of a track's best face so far (`camera/t3`, or `t3` when one camera has it), live or
   * recently ended; undefined without the `snapshots` option or before its first embedding.
   */
  snapshot(id: string): Buffer | undefined {
    if (typeof id !== 'string') throw invalidType('a track id', 'id', id);
    if (id.includes('/')) return this.#snapshots.get(id);
    const found = [...this.#cameras.keys()].map((c) => this.#snapshots.get(`${c}/${id}`)).filter(Boolean);
    return found.length === 1 ? found[0] : undefined;
  }

  /** Opens a stream over several sources at once: `{ door: 'rtsp://...', hall: '/dev/video0' }` or a list (named cam0, cam1, ...). */
  static open(pipeline: FacePipeline, sources: Record<string, SourceInput> | SourceInput[], options: FaceStreamOptions = {}): FaceStream {
    const stream = new FaceStream(pipeline, options);
    const entries = Array.isArray(sources) ? sources.map((s, i) => [`cam${i}`, s] as const) : Object.entries(sources ?? {});
    if (entries.length === 0) throw invalidType('at least one source', 'sources', sources);
    for (const [name, source] of entries) stream.addSource(name, source);
    return stream;
  }

  /** Frames per camera whose detection may start before the previous frame is tracked (options.readAhead). */
  get readAhead(): number {
    return this.#readAhead;
  }

  /**
   * The pool a source needs beyond its default when frames are read further ahead than 1: two
   * buffers more per extra frame ahead (the one being detected, one decoded behind it), so that a
   * live source keeps the same slack. A caller's poolSize overrides it.
   */
  #poolFor(): { poolSize?: number } {
    return this.#readAhead > 1 ? { poolSize: Math.min(MAX_POOL_SIZE, DEFAULT_POOL_SIZE + 2 * (this.#readAhead - 1)) } : {};
  }

  /** Starts processing a source under `name` (its events carry it as `camera`). */
  addSource(name: string, input: SourceInput, options?: SourceOptions): void {
    if (this.#closed) throw new FaceReidError('the stream is closed', 'STREAM_CLOSED');
    if (typeof name !== 'string' || name === '' || name.includes('/')) throw invalidType('a non-empty camera name without "/"', 'name', name);
    if (this.#cameras.has(name)) throw outOfRange('a camera name not in use', 'name', name);
    // The configuration's ffmpeg settings (path, hardware decoding, input options) under the
    // caller's: an option left undefined (a CLI flag not given) keeps the configured value.
    const source = isFrameSource(input) ? input : openSource(input as string, { ...sourceOptionsFromConfig(this.#pipeline.config), ...this.#poolFor(), ...definedOnly(options ?? this.#sourceOptions) });
    const session = new CameraSession(name, this.#policy, this.#identity, { tracker: this.#tracker });
    session.onEnded = (info, identity) => this.#remember(info, identity.kind === 'visitor' ? identity.label ?? undefined : undefined);
    const camera: Camera = {
      name,
      source,
      session,
      stats: { frames: 0, detectionFrames: 0, faces: 0, timing: { detect: 0, landmarks: 0, reid: 0, tracking: 0 } },
      lastDetect: -Infinity,
      lastFrame: -1,
      lastTimestamp: 0,
      loop: Promise.resolve(),
    };
    source.on('error', (error: Error) => this.#error(name, error));
    this.#cameras.set(name, camera);
    this.#ended = false;
    this.#running++;
    camera.loop = this.#run(camera);
  }

  get cameras(): string[] {
    return [...this.#cameras.keys()];
  }

  get stats(): FaceStreamStats {
    const cameras: Record<string, CameraStats> = {};
    for (const c of this.#cameras.values()) cameras[c.name] = { ...c.stats, timing: { ...c.stats.timing }, source: { ...c.source.stats } };
    return { cameras, embeds: this.#policy.stats, visitors: this.#visitors.size, sightings: { ...this.#sightingStats }, iterators: { open: this.#iterators.size, dropped: this.#iteratorDropped } };
  }

  /** Resolves when every source has ended (a file's end, a fatal source error, or close()). */
  async done(): Promise<void> {
    let seen = -1;
    // Sources may be added while others run: wait until a pass adds none.
    while (seen !== this.#cameras.size) {
      seen = this.#cameras.size;
      await Promise.all([...this.#cameras.values()].map((c) => c.loop));
    }
    await Promise.all([...this.#pendingWrites]);
  }

  /**
   * The events from now on, until the stream ends or closes. Several iterators each get every
   * event; each holds at most `maxQueuedEvents` unread ones (the oldest dropped beyond, counted).
   */
  events(): AsyncIterableIterator<StreamEvent> {
    const state = { queue: [] as StreamEvent[], wake: undefined as (() => void) | undefined };
    this.#iterators.add(state);
    const finish = () => {
      this.#iterators.delete(state);
      state.queue.length = 0;
    };
    const iterator: AsyncIterableIterator<StreamEvent> = {
      next: async () => {
        for (;;) {
          if (state.queue.length > 0) return { value: state.queue.shift()!, done: false };
          if (!this.#iterators.has(state) || this.#closed || this.#ended) {
            finish();
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => (state.wake = resolve));
          state.wake = undefined;
        }
      },
      return: async () => {
        finish();
        state.wake?.();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StreamEvent> {
    return this.events();
  }

  /**
   * Enrolment from the stream: adds the best views (by size, sharpness and frontality;
   * near-duplicates dropped) of a track (`camera/t3`, or `t3` when one camera has it) or of every
   * track a visitor id was given to, to the gallery under `label`. A visitor id is forgotten by the
   * registry afterwards (the person is enrolled now); tracks still live take the label at once.
   */
  async promote(id: string, label: string, options: { maxViews?: number } = {}): Promise<PromoteResult> {
    if (!this.#gallery) throw new FaceReidError('promote needs a gallery (the gallery option)', 'GALLERY_ERROR');
    if (typeof id !== 'string' || id === '') throw invalidType('a track id or visitor id', 'id', id);
    const maxViews = checkInt(options.maxViews ?? 5, 'options.maxViews', 1);
    const sources = this.#viewsOf(id);
    if (sources.length === 0) throw outOfRange('a live or recently ended track id, or a remembered visitor id', 'id', id);
    const views = distinctViews(
      sources.flatMap((s) => s.views),
      maxViews,
    );
    const model = this.#pipeline.embeddingModel;
    const result = await this.#gallery.addMany(
      views.map((v) => ({ label, embedding: v.embedding, meta: { source: `stream:${v.camera}/${v.track}@${v.frame}` }, model })),
    );
    if (id.startsWith('visitor-')) this.#visitors.remove(id);
    const keys = sources.map((s) => s.key);
    const changes = this.#identity.name(keys, label, (centroid) => Math.max(...views.map((v) => dot(v.embedding, centroid))));
    this.#announce(changes);
    for (const key of keys) {
      const r = this.#remembered.get(key);
      if (r) r.visitor = undefined;
    }
    return { label, added: result.stored + result.queued, tracks: keys };
  }

  /**
   * Ends every source it was given or opened (their decoder processes included), waits for the
   * frames in flight and the sightings being written, and ends the event iterators. The pipeline
   * and the gallery belong to the caller and stay open. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) {
      await this.done();
      return;
    }
    this.#closed = true;
    await Promise.allSettled([...this.#cameras.values()].map((c) => c.source.close()));
    await this.done();
    this.#finishIterators();
  }

  async #run(camera: Camera): Promise<void> {
    // Frames whose detection starts before the previous frame's tracking is done: their pixels
    // must stay put meanwhile, which pooled frames promise; a pushed iterable that is not live
    // may refill one buffer on every pull, so it gets none.
    // A consumer holding every frame of the pool would wait forever for the next one.
    const source = camera.source;
    const ahead = source.kind === 'pushed' && !source.live ? 0 : Math.min(this.#readAhead, (source.poolSize ?? 2) - 1);
    const pending: Pending[] = [];
    try {
      for await (const frame of camera.source.frames()) {
        if (this.#closed) {
          frame.release();
          break;
        }
        pending.push(this.#startFrame(camera, frame));
        if (pending.length > ahead && !(await this.#finishFrame(camera, pending.shift()!))) break;
      }
      while (pending.length && !this.#closed) if (!(await this.#finishFrame(camera, pending.shift()!))) break;
    } catch (err) {
      this.#error(camera.name, err as Error);
    } finally {
      // Frames started but not finished (close(), a fatal error): the models may still read
      // their pixels, so each goes back to its source only once its detection has settled.
      for (const left of pending.splice(0)) {
        await left.perceived.catch(() => undefined);
        left.frame.release();
      }
      const ended = camera.session.finish(camera.lastFrame + 1, camera.lastTimestamp);
      for (const e of ended) this.#dispatch(e);
      await camera.source.close().catch((err: Error) => this.#error(camera.name, err));
      this.#maybeEnd();
    }
  }

  /** Starts a frame's first stage now; its rejection is handled where the frame is finished. */
  #startFrame(camera: Camera, frame: VideoFrame): Pending {
    const detect = frame.index - camera.lastDetect >= this.#detectEvery;
    if (detect) camera.lastDetect = frame.index;
    const perceived = detect ? this.#scheduler.run(camera.name, () => this.#perceive(camera, frame)) : Promise.resolve(undefined);
    perceived.catch(() => undefined); // awaited later: not an unhandled rejection meanwhile
    return { frame, perceived };
  }

  /** The frame's second stage, in frame order; false when the pipeline is closed (stop the camera). */
  async #finishFrame(camera: Camera, { frame, perceived }: Pending): Promise<boolean> {
    try {
      const seen = await perceived;
      await this.#scheduler.run(camera.name, () => this.#track(camera, frame, seen));
      return true;
    } catch (err) {
      this.#error(camera.name, err as Error);
      return (err as FaceReidError).code !== 'CLOSED';
    } finally {
      frame.release();
    }
  }

  /**
   * Stage one of a detection frame: the faces, their landmarks and view quality. It depends on the
   * pixels alone, not on the tracker, so it may run ahead of the frames before it.
   */
  async #perceive(camera: Camera, frame: VideoFrame): Promise<Perceived> {
    const stats = camera.stats;
    let t = performance.now();
    const detections = await this.#pipeline.detect(frame);
    stats.timing.detect += performance.now() - t;
    t = performance.now();
    const points = await this.#pipeline.locate(
      frame,
      detections.map((d) => d.box),
    );
    stats.timing.landmarks += performance.now() - t;
    t = performance.now();
    const faces: SessionFace[] = detections.map((d, i) => {
      const landmarks = [0, 1, 2, 3, 4].map((k) => [points[i][2 * k], points[i][2 * k + 1]] as [number, number]);
      return { box: d.box, score: d.score, landmarks, quality: viewQuality(frame, d.box, landmarks) };
    });
    stats.timing.tracking += performance.now() - t;
    return { faces, points };
  }

  /** Stage two, strictly in frame order: tracking, embeddings where needed, identity, events. */
  async #track(camera: Camera, frame: VideoFrame, seen: Perceived | undefined): Promise<void> {
    const index = frame.index;
    const timestamp = frame.timestamp;
    const stats = camera.stats;
    camera.lastFrame = index;
    camera.lastTimestamp = timestamp;
    stats.frames++;
    let result: { events: StreamEvent[]; record: FrameRecord; improved?: { track: string; box: Box }[] };
    const t = performance.now();
    if (seen) {
      stats.detectionFrames++;
      stats.faces += seen.faces.length;
      let reidTime = 0;
      result = await camera.session.detectionFrame(index, timestamp, seen.faces, async (indices) => {
        const start = performance.now();
        const vectors = await this.#pipeline.embedLandmarks(
          frame,
          indices.map((i) => seen.points[i]),
        );
        reidTime += performance.now() - start;
        return vectors;
      });
      stats.timing.reid += reidTime;
      stats.timing.tracking += performance.now() - t - reidTime;
    } else {
      result = camera.session.predictedFrame(index, timestamp);
      stats.timing.tracking += performance.now() - t;
    }
    if (this.#snapshotOptions && result.improved) {
      for (const { track, box } of result.improved) {
        const key = camera.session.keyOf(track);
        this.#snapshots.delete(key); // re-inserted last: the map's order is recency, oldest dropped first
        this.#snapshots.set(key, await faceSnapshot(frame, box, this.#snapshotOptions));
      }
      while (this.#snapshots.size > REMEMBERED_TRACKS) this.#snapshots.delete(this.#snapshots.keys().next().value as string);
    }
    for (const e of result.events) this.#dispatch(e);
    this.emit('frame', result.record);
    if (this.#onFrame) await this.#onFrame(frame, result.record);
  }

  #dispatch(event: StreamEvent): void {
    this.emit('event', event);
    this.emit(event.type, event);
    for (const it of this.#iterators) {
      if (it.queue.length >= this.#maxQueuedEvents) {
        it.queue.shift();
        this.#iteratorDropped++;
      }
      it.queue.push(event);
      it.wake?.();
    }
    if ((event.type === 'track.identified' || event.type === 'track.updated') && this.#sightings && this.#gallery?.sightings) {
      const write = this.#gallery.sightings
        .record({ source: event.camera, label: event.label, similarity: event.similarity, box: event.snapshot.box, track: event.track })
        .then(
          () => {
            this.#sightingStats.written++;
          },
          (err: Error) => {
            this.#sightingStats.failed++;
            this.#error(event.camera, err);
          },
        )
        .finally(() => this.#pendingWrites.delete(write));
      this.#pendingWrites.add(write);
    }
  }

  #announce(changes: IdentityChange[]): void {
    for (const camera of this.#cameras.values()) for (const e of camera.session.changed(changes)) this.#dispatch(e);
  }

  #remember(info: TrackInfo, visitor: string | undefined): void {
    this.#remembered.delete(info.key);
    this.#remembered.set(info.key, { key: info.key, views: info.views.all, visitor });
    while (this.#remembered.size > REMEMBERED_TRACKS) this.#remembered.delete(this.#remembered.keys().next().value as string);
  }

  /** Live and remembered tracks matching a track id or a visitor id. */
  #viewsOf(id: string): Remembered[] {
    const found = new Map<string, Remembered>();
    if (id.startsWith('visitor-')) {
      for (const r of this.#remembered.values()) if (r.visitor === id && this.#visitors.has(id)) found.set(r.key, r);
      for (const key of this.#identity.holders(id)) {
        const live = this.#liveInfo(key);
        if (live) found.set(key, { key, views: live.views.all, visitor: id });
      }
      return [...found.values()];
    }
    const keys = id.includes('/') ? [id] : [...this.#cameras.keys()].map((c) => `${c}/${id}`);
    for (const key of keys) {
      const live = this.#liveInfo(key);
      if (live) found.set(key, { key, views: live.views.all, visitor: undefined });
      else if (this.#remembered.has(key)) found.set(key, this.#remembered.get(key)!);
    }
    if (found.size > 1) throw outOfRange('a track id of one camera (write camera/track)', 'id', id);
    return [...found.values()];
  }

  #liveInfo(key: string): TrackInfo | undefined {
    const slash = key.indexOf('/');
    return this.#cameras.get(key.slice(0, slash))?.session.info(key.slice(slash + 1));
  }

  #error(camera: string, error: Error): void {
    this.errors.push({ camera, error });
    if (this.errors.length > 20) this.errors.shift();
    if (this.listenerCount('error') > 0) this.emit('error', { camera, error });
  }

  #maybeEnd(): void {
    if (--this.#running > 0) return;
    this.#ended = true;
    this.emit('end');
    this.#finishIterators();
  }

  #finishIterators(): void {
    for (const it of this.#iterators) it.wake?.();
  }
}

/** Most frames FaceStream reads ahead by itself, however many requests the detector runs at once. */
const MAX_DEFAULT_READ_AHEAD = 4;

/** As many frames ahead as the detector runs detections at once (1 for a pipeline that does not say). */
function defaultReadAhead(pipeline: FacePipeline): number {
  const n = pipeline.detectorParallelism;
  return Number.isSafeInteger(n) && n >= 1 ? Math.min(MAX_DEFAULT_READ_AHEAD, n) : 1;
}

function definedOnly<T extends object>(options: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function isFrameSource(value: unknown): value is FrameSource {
  return value !== null && typeof value === 'object' && typeof (value as FrameSource).frames === 'function' && typeof (value as FrameSource).close === 'function' && 'stats' in (value as object);
}
