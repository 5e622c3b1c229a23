/**
 * Frames decoded by the caller and pushed from JavaScript: an async (or plain) iterable of raw
 * frames, each validated like any RawImage plus a timestamp.
 *
 * Not live (default): a frame is pulled from the iterable only when the consumer asks for one, so
 * the producer runs at the consumer's pace and nothing is copied (the frame's pixels are the
 * caller's; keep them unchanged until the consumer has released the frame). Live: the iterable is
 * drained as fast as it yields, each frame copied into the pool, the stalest waiting frame dropped
 * when the consumer is behind — for producers that cannot wait (a capture callback).
 */
import { EventEmitter } from 'node:events';
import { FaceReidError, invalidType, outOfRange } from '../errors';
import { checkRawImage, copyPacked, type RawImage } from '../image';
import { FramePool, FrameQueue, type VideoFrame } from './frames';
import type { FrameSource, ResolvedSourceOptions } from './source';
import { newSourceStats, type SourceStats } from './source-stats';

export interface PushedFrame extends RawImage {
  /** Milliseconds, never decreasing from one frame to the next. */
  timestamp: number;
}

const noRelease = () => undefined;

export class PushedSource extends EventEmitter implements FrameSource {
  readonly kind = 'pushed' as const;
  readonly name = 'pushed frames';
  readonly live: boolean;
  readonly stats: SourceStats = newSourceStats();
  readonly #iterable: AsyncIterable<PushedFrame> | Iterable<PushedFrame>;
  readonly poolSize: number;
  #iterator: AsyncIterator<PushedFrame> | Iterator<PushedFrame> | undefined;
  #queue: FrameQueue | undefined;
  #pool: FramePool | undefined;
  #pump: Promise<void> | undefined;
  #reading = false;
  #closed = false;
  #lastTimestamp = -Infinity;

  constructor(iterable: AsyncIterable<PushedFrame> | Iterable<PushedFrame>, options: ResolvedSourceOptions) {
    super();
    this.#iterable = iterable;
    this.poolSize = options.poolSize;
    this.live = options.live ?? false;
  }

  start(): void {
    if (this.#iterator || this.#closed) return;
    const iterable = this.#iterable;
    this.#iterator = Symbol.asyncIterator in iterable ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
    this.stats.state = 'running';
    if (this.live) {
      this.#queue = new FrameQueue();
      this.#pump = this.#drain();
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<VideoFrame> {
    return this.frames();
  }

  async *frames(): AsyncIterableIterator<VideoFrame> {
    if (this.#reading) throw new FaceReidError('The pushed source already has a consumer: frames() is one reader at a time', 'STREAM_SOURCE_FAILED');
    this.#reading = true;
    this.start();
    let finished = false;
    try {
      for (;;) {
        const frame = this.live ? await this.#queue!.next() : await this.#pull();
        if (!frame) break;
        this.stats.framesDelivered++;
        yield frame;
      }
      finished = true;
    } finally {
      this.#reading = false;
      if (!finished) await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue?.end(true);
    // Not awaited: a producer blocked inside next() would hold close() forever.
    void Promise.resolve(this.#iterator?.return?.()).catch(() => undefined);
    await this.#pump;
    if (this.stats.state !== 'failed') this.stats.state = 'closed';
  }

  /** The next frame straight from the iterable (not live): validated, not copied. */
  async #pull(): Promise<VideoFrame | null> {
    const input = await this.#next();
    if (!input) return null;
    const index = this.stats.framesDecoded++;
    return { ...input.image, data: input.image.data, index, timestamp: input.timestamp, release: noRelease };
  }

  /** Live: copies every frame into the pool as it comes, dropping the stalest when behind. */
  async #drain(): Promise<void> {
    for (;;) {
      const input = await this.#next();
      if (!input) return;
      const index = this.stats.framesDecoded++;
      const { image } = input;
      if (!this.#pool?.fits(image.width, image.height, image.channels, image.order)) {
        this.#pool = new FramePool(this.poolSize, image.width, image.height, image.channels, image.order);
      }
      const frame = this.#pool.acquire() ?? this.#dropStalest();
      if (!frame) {
        this.stats.framesDropped++;
        continue;
      }
      copyPacked(image, frame.data);
      frame.index = index;
      frame.timestamp = input.timestamp;
      this.#queue!.push(frame);
    }
  }

  #dropStalest(): (VideoFrame & { data: Buffer }) | undefined {
    const stale = this.#queue!.dropOldest() as (VideoFrame & { data: Buffer }) | undefined;
    if (stale) this.stats.framesDropped++;
    return stale;
  }

  /** The next validated input, or null at the end (or after a failure, which is reported). */
  async #next(): Promise<{ image: ReturnType<typeof checkRawImage>; timestamp: number } | null> {
    if (this.#closed) return null;
    let result: IteratorResult<PushedFrame>;
    try {
      result = await this.#iterator!.next();
    } catch (err) {
      return this.#fail(new FaceReidError(`The pushed frames' iterable threw: ${(err as Error).message}`, 'STREAM_SOURCE_FAILED'), err);
    }
    if (this.#closed) return null;
    if (result.done) {
      this.stats.state = 'ended';
      this.#queue?.end();
      this.emit('end');
      return null;
    }
    const name = `frame ${this.stats.framesDecoded}`;
    try {
      const frame = result.value;
      if (frame === null || typeof frame !== 'object') throw invalidType('a frame object { data, width, height, channels, order, timestamp }', name, frame);
      const image = checkRawImage(frame, name);
      const timestamp = frame.timestamp;
      if (typeof timestamp !== 'number') throw invalidType('a timestamp in milliseconds', `${name}.timestamp`, timestamp);
      if (!Number.isFinite(timestamp) || timestamp < this.#lastTimestamp) {
        throw outOfRange(`a finite timestamp >= the previous frame's (${this.#lastTimestamp})`, `${name}.timestamp`, timestamp);
      }
      this.#lastTimestamp = timestamp;
      this.stats.width = image.width;
      this.stats.height = image.height;
      return { image, timestamp };
    } catch (err) {
      void Promise.resolve(this.#iterator?.return?.()).catch(() => undefined);
      return this.#fail(new FaceReidError(`A pushed frame is invalid: ${(err as Error).message}`, 'STREAM_SOURCE_FAILED'), err);
    }
  }

  #fail(error: FaceReidError, cause: unknown): null {
    (error as Error & { cause?: unknown }).cause = cause;
    this.stats.state = 'failed';
    this.stats.lastError = error;
    this.#queue?.end();
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('end');
    return null;
  }
}
