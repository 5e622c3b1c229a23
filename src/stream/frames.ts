/**
 * Video frames as the stream hands them out, and the small pool of reused pixel buffers they live
 * in. A decoded 1920x1080 frame is 3 MB (I420; 6 MB as BGR): allocating one per frame at 30 fps would keep the
 * garbage collector busy for nothing, so a source owns a few buffers and a frame goes back to the
 * pool when its consumer calls `release()`.
 */
import { packedBytes, type PixelOrder, type RawImage } from '../image';

/** One decoded frame: a RawImage (pass it straight to `FacePipeline.analyzeRaw`) with its time. */
export interface VideoFrame extends RawImage {
  data: Buffer | Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** 1 ('i420', the default) or 3 ('bgr') for ffmpeg sources; pushed frames keep what they came with. */
  channels: 1 | 3 | 4;
  order: PixelOrder;
  stride: number;
  /** Position in the source's sequence of decoded frames, dropped ones included (gaps show drops). */
  index: number;
  /**
   * Milliseconds. Files: media time of the frame (index / fps). Live sources: time since the
   * source started (monotonic, carried across reconnects). Pushed frames: the caller's value.
   */
  timestamp: number;
  /**
   * Gives the buffer back to the source. Until then the pixels stay as they are; after it, the
   * buffer is refilled by a later frame, so keep nothing that points into `data`. Idempotent.
   */
  release(): void;
}

/** A pool slot: one buffer and the one frame object that carries it, both reused. */
interface Slot {
  frame: VideoFrame & { data: Buffer };
  free: boolean;
}

/**
 * A fixed set of frame buffers of one size. `acquire` gives a free frame (or undefined when every
 * buffer is out), `release` (through the frame) returns it and calls `onRelease`, which the
 * source uses to resume reading when it had paused for want of a buffer.
 */
export class FramePool {
  readonly size: number;
  readonly frameBytes: number;
  readonly #slots: Slot[];
  readonly #free: Slot[];
  onRelease: (() => void) | undefined;

  constructor(size: number, width: number, height: number, channels: 1 | 3 | 4 = 3, order: PixelOrder = 'bgr') {
    this.size = size;
    this.frameBytes = packedBytes(width, height, channels, order);
    this.#slots = [];
    for (let i = 0; i < size; i++) {
      const slot: Slot = { free: true, frame: undefined as unknown as Slot['frame'] };
      slot.frame = {
        data: Buffer.allocUnsafe(this.frameBytes),
        width,
        height,
        channels,
        order,
        stride: width * channels,
        index: -1,
        timestamp: 0,
        release: () => this.#release(slot),
      };
      this.#slots.push(slot);
    }
    this.#free = [...this.#slots];
  }

  get available(): number {
    return this.#free.length;
  }

  /** Matches a frame geometry (a reconnected source may come back at another size). */
  fits(width: number, height: number, channels = 3, order: PixelOrder = 'bgr'): boolean {
    const f = this.#slots[0]!.frame;
    return f.width === width && f.height === height && f.channels === channels && f.order === order;
  }

  acquire(): (VideoFrame & { data: Buffer }) | undefined {
    const slot = this.#free.pop();
    if (!slot) return undefined;
    slot.free = false;
    return slot.frame;
  }

  #release(slot: Slot): void {
    if (slot.free) return;
    slot.free = true;
    this.#free.push(slot);
    this.onRelease?.();
  }
}

/**
 * Frames decoded but not yet taken by the consumer, handed out in order by an async pull. The
 * queue never grows past what the pool holds; `dropOldest` lets a live source recycle the
 * stalest waiting frame instead of waiting for the consumer.
 */
export class FrameQueue<F extends VideoFrame = VideoFrame> {
  readonly #frames: F[] = [];
  #waiter: ((frame: F | null) => void) | undefined;
  #ended = false;

  get length(): number {
    return this.#frames.length;
  }

  push(frame: F): void {
    if (this.#ended) {
      frame.release();
      return;
    }
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter(frame);
    } else {
      this.#frames.push(frame);
    }
  }

  /** Takes the oldest waiting frame out without handing it to the consumer (it is dropped). */
  dropOldest(): F | undefined {
    return this.#frames.shift();
  }

  /** The next frame, or null once the queue has ended and is empty. One pull at a time. */
  next(): Promise<F | null> {
    const frame = this.#frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** No more frames will come; waiting frames are still handed out unless `discard` is set. */
  end(discard = false): void {
    this.#ended = true;
    if (discard) for (const frame of this.#frames.splice(0)) frame.release();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(this.#frames.shift() ?? null);
  }
}
