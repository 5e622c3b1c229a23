/**
 * Exponential backoff shared by the sources (reopening a stream) and the sinks (redelivering
 * events): initialMs, then doubled after every failure up to maxMs; `reset` after a success.
 */
export interface BackoffOptions {
  /** First wait, in milliseconds (default 500). */
  initialMs?: number;
  /** Longest wait, in milliseconds (default 30000). */
  maxMs?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  #failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** Records a failure; returns how long to wait before the next try. */
  fail(): number {
    this.#failures++;
    return Math.min(this.maxMs, this.initialMs * 2 ** (this.#failures - 1));
  }

  reset(): void {
    this.#failures = 0;
  }
}

/** A wait that close() can cut short (it keeps the process alive: a camera being waited for is work). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
