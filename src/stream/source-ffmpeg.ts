/**
 * A file, URL or camera decoded by ffmpeg into pooled frames (I420 by default, or BGR), with the policies of a long
 * run: backpressure (a file waits for its consumer; a live source drops its stalest frame), stall
 * detection, restarts with backoff, and typed failures as events.
 */
import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { FaceReidError } from '../errors';
import { packedBytes } from '../image';
import { Backoff, sleep } from './backoff';
import { DecoderProcess, type DecoderExit } from './decoder-process';
import { decodeArgs, type DecodedStreamInfo } from './ffmpeg-decode-args';
import { FramePool, FrameQueue, type VideoFrame } from './frames';
import type { FrameSource, ResolvedSourceOptions } from './source';
import { newSourceStats, type SourceStats } from './source-stats';
import type { SourceInput } from './source-input';

type PooledFrame = VideoFrame & { data: Buffer };

/** Bytes read at once when they cannot go straight into a frame (see #staging). */
const STAGING_BYTES = 1 << 16;

/** How one decoder run ended, from the source's point of view. */
type RunEnd = { kind: 'eof' } | { kind: 'closed' } | { kind: 'failed'; error: FaceReidError; fatal: boolean };

export class FfmpegSource extends EventEmitter implements FrameSource {
  readonly kind: SourceInput['kind'];
  readonly name: string;
  readonly live: boolean;
  readonly poolSize: number;
  readonly stats: SourceStats = newSourceStats();
  readonly #input: SourceInput;
  readonly #options: ResolvedSourceOptions;
  readonly #queue = new FrameQueue<PooledFrame>();
  readonly #abort = new AbortController();
  #pool: FramePool | undefined;
  #run: DecoderProcess | undefined;
  #loop: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #reading = false;

  // The frame being filled and how far; with no frame to fill, bytes go to #staging.
  #target: PooledFrame | undefined;
  #discarding = false;
  #offset = 0;
  #staging = Buffer.allocUnsafe(STAGING_BYTES);
  #stagingUsed = false;
  #waitingForBuffer = false;
  #frameBytes = 0;

  #nextIndex = 0;
  #framesThisRun = 0;
  #startedAt = 0;
  #lastProgress = 0;
  #stalled = false;
  #stallMessage = '';

  constructor(input: SourceInput, options: ResolvedSourceOptions) {
    super();
    this.#input = input;
    this.#options = options;
    this.kind = input.kind;
    this.name = input.display;
    this.live = input.kind !== 'file' || options.realtime;
    this.poolSize = options.poolSize;
  }

  start(): void {
    if (this.#loop || this.#closing) return;
    this.#startedAt = performance.now();
    this.#loop = this.#runLoop().catch((err) => this.#fail(new FaceReidError(`${this.name}: ${(err as Error).message}`, 'STREAM_SOURCE_FAILED')));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<VideoFrame> {
    return this.frames();
  }

  async *frames(): AsyncIterableIterator<VideoFrame> {
    if (this.#reading) throw new FaceReidError(`${this.name} already has a consumer: frames() is one reader at a time`, 'STREAM_SOURCE_FAILED');
    this.#reading = true;
    this.start();
    let finished = false;
    try {
      for (;;) {
        const frame = await this.#queue.next();
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

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort();
      this.#run?.kill();
      await this.#loop;
      this.#queue.end(true);
      this.#target?.release();
      this.#target = undefined;
      this.stats.state = 'closed';
    })();
    return this.#closing;
  }

  async #runLoop(): Promise<void> {
    const backoff = new Backoff(this.#options.reconnect);
    if (this.kind !== 'url') {
      const problem = await this.#checkPath();
      if (problem) return this.#fail(problem);
    }
    for (;;) {
      if (this.#abort.signal.aborted) return this.#finish('closed');
      if (this.stats.state === 'failed') return;
      this.stats.state = this.stats.restarts ? 'reconnecting' : 'opening';
      const end = await this.#runOnce();
      if (end.kind === 'closed' || this.#abort.signal.aborted) return this.#finish('closed');
      if (end.kind === 'eof' && this.kind === 'file') return this.#finish('ended');
      if (this.#framesThisRun > 0) backoff.reset();
      const reason =
        end.kind === 'failed'
          ? end.error
          : new FaceReidError(`${this.name}: the stream ended (${this.#framesThisRun} frames); reopening`, 'STREAM_SOURCE_FAILED');
      this.stats.lastError = reason;
      if (end.kind === 'failed' && end.fatal) return this.#fail(reason);
      if (backoff.failures >= this.#options.reconnect.maxAttempts) {
        return this.#fail(new FaceReidError(`${reason.message} (gave up after ${backoff.failures + 1} attempts)`, reason.code));
      }
      const delayMs = backoff.fail();
      this.stats.state = 'reconnecting';
      this.emit('reconnecting', { attempt: backoff.failures, delayMs, reason });
      await sleep(delayMs, this.#abort.signal);
      this.stats.restarts++;
    }
  }

  /** A missing or unreadable file or device is fatal at once: retrying would not make it appear. */
  async #checkPath(): Promise<FaceReidError | undefined> {
    try {
      const info = await stat(this.#input.input);
      if (this.kind === 'file' && !info.isFile()) return new FaceReidError(`${this.name} is not a file`, 'STREAM_SOURCE_FAILED');
      return undefined;
    } catch (err) {
      return new FaceReidError(`Cannot open ${this.name}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or device' : (err as Error).message}`, 'STREAM_SOURCE_FAILED');
    }
  }

  async #runOnce(): Promise<RunEnd> {
    const { width, height, fps } = this.#options;
    const startSeconds = this.kind === 'file' && this.#nextIndex > 0 && this.stats.fps ? this.#nextIndex / this.stats.fps : undefined;
    const args = decodeArgs(this.#input, { ...this.#options, width, height, fps, startSeconds, ioTimeoutMs: this.#options.stallTimeoutMs });
    this.#framesThisRun = 0;
    this.#frameBytes = 0;
    this.#offset = 0;
    this.#stagingUsed = false;
    this.#discarding = false;
    this.#waitingForBuffer = false;
    this.#stalled = false;
    this.#lastProgress = performance.now();
    const run = await DecoderProcess.start(this.#options.ffmpegPath, args, {
      onInfo: (info) => this.#onInfo(info),
      buffer: () => this.#nextBuffer(),
      onBytes: (n) => this.#onBytes(n),
    });
    this.#run = run;
    if (this.#abort.signal.aborted) run.kill();
    const watchdog = setInterval(() => this.#checkStall(), Math.min(1000, this.#options.stallTimeoutMs / 4, this.#options.openTimeoutMs / 4));
    const exit = await run.exited;
    clearInterval(watchdog);
    this.#run = undefined;
    // A frame cut short by the end of the run is not a frame.
    this.#target?.release();
    this.#target = undefined;
    return this.#classify(exit);
  }

  #classify(exit: DecoderExit): RunEnd {
    if (exit.spawnError) {
      const missing = (exit.spawnError as NodeJS.ErrnoException).code === 'ENOENT';
      const message = missing
        ? `ffmpeg was not found at "${this.#options.ffmpegPath}": install it (scripts/install-media.sh) or set ffmpegPath`
        : `ffmpeg could not be started (${this.#options.ffmpegPath}): ${exit.spawnError.message}`;
      return { kind: 'failed', error: new FaceReidError(message, 'STREAM_DECODER_FAILED'), fatal: true };
    }
    if (this.#abort.signal.aborted) return { kind: 'closed' };
    const detail = exit.stderrTail ? `: ${exit.stderrTail.split('\n').slice(-3).join(' | ')}` : '';
    if (this.#stalled) {
      return { kind: 'failed', error: new FaceReidError(`${this.name}: ${this.#stallMessage}; restarting the decoder`, 'STREAM_SOURCE_FAILED'), fatal: false };
    }
    if (exit.code === 0) return { kind: 'eof' };
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    if (this.kind === 'file') {
      // A file that yields nothing with a clean error exit is broken; a decoder killed from
      // outside, or one that fails midway, is restarted where it stopped.
      const fatal = exit.signal === null && this.#framesThisRun === 0;
      return { kind: 'failed', error: new FaceReidError(`${this.name}: ffmpeg ${how}${detail}`, 'STREAM_DECODER_FAILED'), fatal };
    }
    return { kind: 'failed', error: new FaceReidError(`${this.name}: ffmpeg ${how}${detail}`, 'STREAM_SOURCE_FAILED'), fatal: false };
  }

  /** The time allowed without a byte: opening (probing a network stream takes seconds) or running. */
  #stallLimitMs(): number {
    return this.#framesThisRun === 0 ? this.#options.openTimeoutMs : this.#options.stallTimeoutMs;
  }

  #checkStall(): void {
    const now = performance.now();
    if (this.#waitingForBuffer) this.#lastProgress = now;
    else if (now - this.#lastProgress > this.#stallLimitMs() && this.#run) {
      this.#stallMessage = this.#framesThisRun === 0 ? `no frame within ${this.#options.openTimeoutMs} ms of opening` : `no frame for ${this.#options.stallTimeoutMs} ms`;
      this.#stalled = true;
      this.#run.kill();
    }
  }

  #onInfo(info: DecodedStreamInfo): void {
    const fps = this.#options.fps ?? info.fps;
    this.stats.width = info.width;
    this.stats.height = info.height;
    this.stats.fps = fps;
    this.stats.state = 'running';
    const [channels, order] = this.#options.pixelFormat === 'i420' ? ([1, 'i420'] as const) : ([3, 'bgr'] as const);
    this.#frameBytes = packedBytes(info.width, info.height, channels, order);
    if (!this.#pool?.fits(info.width, info.height, channels, order)) {
      this.#pool = new FramePool(this.#options.poolSize, info.width, info.height, channels, order);
      this.#pool.onRelease = () => this.#onBufferReleased();
    }
    // No target yet: the first read after resuming lands in #staging (the buffer Node already
    // holds) and #onBytes moves it into a pooled frame.
    this.emit('info', { width: info.width, height: info.height, fps });
  }

  /** A free buffer; a live source takes the stalest waiting frame when none is free. */
  #acquireTarget(): PooledFrame | undefined {
    const pool = this.#pool!;
    const frame = pool.acquire();
    if (frame || !this.live) return frame;
    const stale = this.#queue.dropOldest();
    if (stale) this.stats.framesDropped++;
    return stale;
  }

  #nextBuffer(): Uint8Array {
    if (this.#target) return this.#target.data.subarray(this.#offset, this.#frameBytes);
    // No frame to fill: before the size is known, while waiting for a buffer (the first read
    // after resuming lands here and is copied over), or discarding a frame nobody can take.
    // A read into #staging never crosses a frame boundary; before the size is known (the buffer
    // Node asks for at connect time) one byte is all it may take.
    const room = this.#frameBytes - this.#offset || 1;
    this.#stagingUsed = true;
    return this.#staging.subarray(0, Math.min(STAGING_BYTES, room));
  }

  #onBytes(n: number): boolean {
    this.#lastProgress = performance.now();
    if (this.#stagingUsed && !this.#discarding && !this.#target) {
      this.#target = this.#acquireTarget();
      if (this.#target) this.#staging.copy(this.#target.data, 0, 0, n);
      else if (this.live) this.#discarding = true;
      else {
        // Cannot happen (reading resumes only with a free buffer), but never lose sync silently.
        this.#fail(new FaceReidError(`${this.name}: frame bytes arrived with no buffer to hold them`, 'STREAM_DECODER_FAILED'));
        this.#run?.kill();
        return false;
      }
    }
    this.#stagingUsed = false;
    this.#offset += n;
    if (this.#offset < this.#frameBytes) return true;
    this.#completeFrame();
    this.#offset = 0;
    this.#target = this.#acquireTarget();
    this.#discarding = false;
    if (this.#target) return true;
    if (this.live) {
      this.#discarding = true;
      return true;
    }
    this.#waitingForBuffer = true;
    return false;
  }

  #completeFrame(): void {
    const index = this.#nextIndex++;
    this.#framesThisRun++;
    this.stats.framesDecoded++;
    if (this.#discarding || !this.#target) {
      this.stats.framesDropped++;
      return;
    }
    const frame = this.#target;
    this.#target = undefined;
    frame.index = index;
    frame.timestamp = this.kind === 'file' && this.stats.fps ? (index * 1000) / this.stats.fps : performance.now() - this.#startedAt;
    this.#queue.push(frame);
  }

  #onBufferReleased(): void {
    if (!this.#waitingForBuffer) return;
    this.#waitingForBuffer = false;
    this.#lastProgress = performance.now();
    this.#run?.resume();
  }

  #finish(state: 'ended' | 'closed'): void {
    if (this.stats.state !== 'failed') this.stats.state = state;
    this.#queue.end(state === 'closed');
    this.emit('end');
  }

  #fail(error: FaceReidError): void {
    if (this.stats.state === 'failed') return;
    this.stats.state = 'failed';
    this.stats.lastError = error;
    this.#queue.end();
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.emit('end');
  }
}
