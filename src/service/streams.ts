/**
 * The camera streams of the service: configured sources (never a path or URL from a request),
 * started and stopped by name, each a FaceStream on the service's pipeline and gallery. The
 * manager keeps every stream's live tracks from its events and fans the events out to the
 * Server-Sent-Event clients, each behind a bounded queue: a slow client loses events (counted)
 * instead of growing the service's memory.
 */
import { FaceStream, type SourceInput } from '../stream/face-stream';
import type { StreamEvent } from '../stream/events';
import type { FacePipeline } from '../pipeline';
import type { Gallery } from '../gallery';
import { ServiceError } from './errors';

export interface StreamDefinition {
  /** A file, a stream URL, a V4L2 device (from the configuration), or frames pushed by the embedding program. */
  source: SourceInput;
  /** Detect on every k-th frame (FaceStream's detectEvery). */
  detectEvery?: number;
}

export interface LiveTrack {
  track: string;
  since: string;
  label: string | null;
  kind: 'gallery' | 'visitor' | null;
  similarity: number | null;
  box: { x: number; y: number; width: number; height: number } | null;
}

interface Running {
  stream: FaceStream;
  tracks: Map<string, LiveTrack>;
  startedAt: string;
}

export interface StreamInfo {
  name: string;
  state: 'stopped' | 'running' | 'ended';
  startedAt: string | null;
  frames: number;
  framesDropped: number;
  fps: number | null;
  tracks: number;
  lastError: string | null;
}

/** One SSE client: events waiting to be written, at most `limit`. */
export interface EventSubscriber {
  camera?: string;
  push(event: StreamEvent): void;
}

export class StreamManager {
  readonly #pipeline: FacePipeline;
  readonly #gallery: Gallery | undefined;
  readonly #definitions: Map<string, StreamDefinition>;
  readonly #running = new Map<string, Running>();
  readonly #ended = new Map<string, StreamInfo>();
  readonly #subscribers = new Set<EventSubscriber>();
  #closed = false;

  constructor(pipeline: FacePipeline, gallery: Gallery | undefined, definitions: Record<string, StreamDefinition>) {
    this.#pipeline = pipeline;
    this.#gallery = gallery;
    this.#definitions = new Map(Object.entries(definitions));
  }

  get names(): string[] {
    return [...this.#definitions.keys()];
  }

  #definition(name: string): StreamDefinition {
    const d = this.#definitions.get(name);
    if (!d) throw new ServiceError(404, 'NOT_FOUND', `no stream "${name}" in the configuration (known: ${this.names.join(', ') || 'none'})`, { field: 'name' });
    return d;
  }

  /** Starts a configured stream; starting a running one is a no-op. */
  start(name: string): StreamInfo {
    const definition = this.#definition(name);
    if (this.#closed) throw new ServiceError(503, 'UNAVAILABLE', 'the service is shutting down', { retryAfter: 5 });
    if (!this.#running.has(name)) {
      const stream = new FaceStream(this.#pipeline, { gallery: this.#gallery, detectEvery: definition.detectEvery });
      const running: Running = { stream, tracks: new Map(), startedAt: new Date().toISOString() };
      stream.on('event', (event: StreamEvent) => this.#onEvent(running, event));
      // Source failures are counted in the stream's stats and errors; the listener keeps them from being thrown.
      stream.on('error', () => {});
      stream.on('end', () => {
        if (this.#running.get(name) === running) {
          this.#ended.set(name, { ...this.#info(name, running), state: 'ended' });
          this.#running.delete(name);
          void stream.close();
        }
      });
      this.#running.set(name, running);
      this.#ended.delete(name);
      stream.addSource(name, definition.source);
    }
    return this.info(name);
  }

  async stop(name: string): Promise<StreamInfo> {
    this.#definition(name);
    const running = this.#running.get(name);
    if (running) {
      this.#running.delete(name);
      await running.stream.close();
      this.#ended.set(name, { ...this.#info(name, running), state: 'stopped', tracks: 0 });
    }
    return this.info(name);
  }

  info(name: string): StreamInfo {
    this.#definition(name);
    const running = this.#running.get(name);
    if (running) return this.#info(name, running);
    return this.#ended.get(name) ?? { name, state: 'stopped', startedAt: null, frames: 0, framesDropped: 0, fps: null, tracks: 0, lastError: null };
  }

  #info(name: string, running: Running): StreamInfo {
    const camera = running.stream.stats.cameras[name];
    const source = camera?.source;
    const lastError = running.stream.errors.at(-1)?.error.message ?? source?.lastError?.message ?? null;
    return {
      name,
      state: 'running',
      startedAt: running.startedAt,
      frames: camera?.frames ?? 0,
      framesDropped: source?.framesDropped ?? 0,
      fps: source?.fps ?? null,
      tracks: running.tracks.size,
      lastError,
    };
  }

  list(): StreamInfo[] {
    return this.names.map((n) => this.info(n));
  }

  tracks(name: string): LiveTrack[] {
    this.#definition(name);
    return [...(this.#running.get(name)?.tracks.values() ?? [])];
  }

  subscribe(subscriber: EventSubscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  #onEvent(running: Running, event: StreamEvent): void {
    if (event.type === 'track.started') {
      running.tracks.set(event.track, { track: event.track, since: event.at, label: null, kind: null, similarity: null, box: event.box });
    } else if (event.type === 'track.ended') {
      running.tracks.delete(event.track);
    } else {
      const t = running.tracks.get(event.track);
      if (t) Object.assign(t, { label: event.label, kind: event.kind, similarity: event.similarity, box: event.snapshot.box });
    }
    for (const s of this.#subscribers) if (!s.camera || s.camera === event.camera) s.push(event);
  }

  /** Stops every stream (their decoders included). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#running.keys()].map((n) => this.stop(n)));
  }
}
