/**
 * The bounded inference queue: at most `concurrency` images in the models at once and at most
 * `depth` waiting. A request beyond that is refused at once (503 with Retry-After) instead of
 * queueing without bound, so a burst costs the clients a retry, never the service its memory.
 */
import { ServiceError } from './errors';

interface Waiting {
  start: () => void;
  reject: (err: unknown) => void;
}

export class InferenceQueue {
  readonly concurrency: number;
  readonly depth: number;
  #running = 0;
  readonly #waiting: Waiting[] = [];
  /** Smoothed seconds per job, for the Retry-After estimate. */
  #secondsPerJob = 0.2;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(concurrency: number, depth: number) {
    this.concurrency = concurrency;
    this.depth = depth;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Seconds until a refused request would likely be served. */
  retryAfter(): number {
    return Math.max(1, Math.ceil(((this.#waiting.length + this.#running) * this.#secondsPerJob) / this.concurrency));
  }

  /**
   * Runs `job` when a slot is free. `signal` (the request's work signal) drops it before it starts,
   * also while it waits, rejecting with the signal's reason (a ServiceError) or a TIMEOUT.
   */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#closed) throw new ServiceError(503, 'UNAVAILABLE', 'the service is shutting down', { retryAfter: 5 });
    if (signal?.aborted) throw this.#abandoned(signal);
    if (this.#running >= this.concurrency) {
      if (this.#waiting.length >= this.depth) {
        throw new ServiceError(503, 'QUEUE_FULL', `the inference queue is full (${this.depth} waiting); retry later`, { retryAfter: this.retryAfter() });
      }
      await new Promise<void>((start, reject) => {
        const entry: Waiting = { start, reject };
        this.#waiting.push(entry);
        signal?.addEventListener(
          'abort',
          () => {
            const i = this.#waiting.indexOf(entry);
            if (i >= 0) {
              this.#waiting.splice(i, 1);
              reject(this.#abandoned(signal));
            }
          },
          { once: true },
        );
      });
      if (signal?.aborted) {
        // Aborted after its start was granted, before it ran: the slot goes to the next one.
        this.#release();
        throw this.#abandoned(signal);
      }
    }
    this.#running++;
    const started = performance.now();
    try {
      return await job();
    } finally {
      this.#secondsPerJob = 0.8 * this.#secondsPerJob + 0.2 * ((performance.now() - started) / 1000);
      this.#running--;
      this.#release();
    }
  }

  /** A slot came free: the next waiting job starts, or close() learns that all work is done. */
  #release(): void {
    const next = this.#waiting.shift();
    if (next) next.start();
    else if (this.#running === 0) for (const done of this.#idle.splice(0)) done();
  }

  #abandoned(signal: AbortSignal): ServiceError {
    if (signal.reason instanceof ServiceError) return signal.reason;
    return new ServiceError(503, 'TIMEOUT', 'the request timed out while waiting for inference', { retryAfter: this.retryAfter() });
  }

  /** Refuses new jobs, drops the waiting ones, resolves when the running ones have finished. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w.reject(new ServiceError(503, 'UNAVAILABLE', 'the service is shutting down', { retryAfter: 5 }));
    if (this.#running > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }
}
