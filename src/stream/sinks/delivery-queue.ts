/**
 * In-order delivery with retries through a bounded queue, for receivers that can be away (a
 * webhook, an MQTT broker). One event is in flight at a time, so order holds across failures;
 * while the receiver is unreachable the rest wait, and past `maxQueue` the oldest waiting event
 * (never the one in flight) is dropped, counted and announced.
 */
import { EventEmitter } from 'node:events';
import { Backoff, sleep, type BackoffOptions } from '../backoff';
import { emptyStats, type SinkStats, type SinkEvent } from './sink';

/** What one delivery attempt concluded. `retry`: try again later; `refused`: never will work. */
export type DeliveryResult = { ok: true } | { ok: false; retry: boolean; error: Error };

export interface DeliveryQueueOptions {
  /** Most events waiting (default 10000). */
  maxQueue?: number;
  /** Waits between retries (default 500 ms doubling to 30 s). */
  backoff?: BackoffOptions;
  /** How long close() keeps delivering what is queued (default 5000 ms). */
  closeTimeoutMs?: number;
}

export class DeliveryQueue extends EventEmitter {
  readonly stats: SinkStats = emptyStats();
  readonly #deliver: (event: SinkEvent, signal: AbortSignal) => Promise<DeliveryResult>;
  readonly #maxQueue: number;
  readonly #closeTimeoutMs: number;
  readonly #backoff: Backoff;
  readonly #events: SinkEvent[] = [];
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;
  #idle: (() => void)[] = [];
  #closed = false;

  constructor(deliver: (event: SinkEvent, signal: AbortSignal) => Promise<DeliveryResult>, options: DeliveryQueueOptions = {}) {
    super();
    this.#deliver = deliver;
    this.#maxQueue = options.maxQueue ?? 10_000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.#backoff = new Backoff(options.backoff);
  }

  push(event: SinkEvent): void {
    this.stats.written++;
    if (this.#closed) {
      this.#drop(event, 'the sink is closed');
      return;
    }
    this.#events.push(event);
    // Index 0 may be in flight: the oldest that is only waiting is at 1.
    if (this.#events.length > this.#maxQueue) this.#drop(this.#events.splice(this.#running ? 1 : 0, 1)[0]!, `queue full (${this.#maxQueue} events)`);
    this.stats.queued = this.#events.length;
    this.#running ??= this.#run();
  }

  /** Resolves once the queue is empty. */
  flush(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops taking events, delivers for up to closeTimeoutMs, drops (and counts) the rest. */
  async close(): Promise<void> {
    if (this.#closed) return this.flush();
    this.#closed = true;
    const timer = setTimeout(() => this.#abort.abort(), this.#closeTimeoutMs);
    await this.flush();
    clearTimeout(timer);
  }

  #drop(event: SinkEvent, reason: string): void {
    this.stats.dropped++;
    this.emit('dropped', { event, reason });
  }

  async #run(): Promise<void> {
    while (this.#events.length) {
      if (this.#abort.signal.aborted) {
        for (const event of this.#events.splice(0)) this.#drop(event, 'not delivered before close()');
        break;
      }
      const event = this.#events[0]!;
      let result: DeliveryResult;
      try {
        result = await this.#deliver(event, this.#abort.signal);
      } catch (err) {
        result = { ok: false, retry: true, error: err as Error };
      }
      if (result.ok) {
        this.#events.shift();
        this.stats.delivered++;
        this.#backoff.reset();
      } else if (!result.retry) {
        this.#events.shift();
        this.stats.lastError = result.error;
        this.#drop(event, `refused: ${result.error.message}`);
      } else if (!this.#abort.signal.aborted) {
        this.stats.retries++;
        this.stats.lastError = result.error;
        const delayMs = this.#backoff.fail();
        this.emit('retrying', { error: result.error, delayMs });
        await sleep(delayMs, this.#abort.signal);
      }
      this.stats.queued = this.#events.length;
    }
    this.stats.queued = 0;
    this.#running = undefined;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
