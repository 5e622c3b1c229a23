/**
 * Per-key rate limits: a token bucket per key that refills continuously, so a client that keeps
 * to its rate is never refused and a burst is cut off at one minute's allowance.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number; perMinute: number }>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** 0 when the request may go ahead; else the seconds until it could. */
  take(key: string, perMinute: number): number {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket || bucket.perMinute !== perMinute) {
      bucket = { tokens: perMinute, at: now, perMinute };
      this.#buckets.set(key, bucket);
    }
    const perMs = perMinute / 60_000;
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
  }
}
