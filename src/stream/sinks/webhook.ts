/**
 * Events POSTed as JSON to a URL, one request per event, in order. A receiver that is down, slow
 * (timeout), overloaded (5xx, 408, 429) is retried with backoff while later events wait in the
 * bounded queue; one that refuses an event (any other 4xx) would refuse it forever, so that event
 * is dropped (counted, announced) and the next one goes.
 */
import { EventEmitter } from 'node:events';
import { invalidType } from '../../errors';
import { DeliveryQueue, type DeliveryQueueOptions, type DeliveryResult } from './delivery-queue';
import { checkEvent, type EventSink, type SinkStats, type SinkEvent } from './sink';

export interface WebhookSinkOptions extends DeliveryQueueOptions {
  url: string;
  /** Extra request headers (an Authorization header, say). */
  headers?: Record<string, string>;
  /** One request's time limit (default 10000 ms). */
  timeoutMs?: number;
}

const RETRYABLE = new Set([408, 425, 429]);

export class WebhookSink extends EventEmitter implements EventSink {
  readonly name: string;
  readonly #queue: DeliveryQueue;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: WebhookSinkOptions) {
    super();
    if (options === null || typeof options !== 'object') throw invalidType('an options object', 'options', options);
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw invalidType('an http:// or https:// URL', 'options.url', options.url);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidType('an http:// or https:// URL', 'options.url', options.url);
    this.#url = url.href;
    this.name = `webhook:${url.origin}${url.pathname}`;
    this.#headers = { 'content-type': 'application/json', ...options.headers };
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#queue = new DeliveryQueue((event, signal) => this.#post(event, signal), options);
    this.#queue.on('dropped', (info) => this.emit('dropped', info));
    this.#queue.on('retrying', (info) => this.emit('retrying', info));
  }

  get stats(): SinkStats {
    return this.#queue.stats;
  }

  write(event: SinkEvent): void {
    this.#queue.push(checkEvent(event));
  }

  flush(): Promise<void> {
    return this.#queue.flush();
  }

  close(): Promise<void> {
    return this.#queue.close();
  }

  async #post(event: SinkEvent, closing: AbortSignal): Promise<DeliveryResult> {
    const signal = AbortSignal.any([closing, AbortSignal.timeout(this.#timeoutMs)]);
    let response: Response;
    try {
      response = await fetch(this.#url, { method: 'POST', headers: this.#headers, body: JSON.stringify(event), signal });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      return { ok: false, retry: true, error: new Error(`POST ${this.name} failed: ${cause?.message ?? (err as Error).message}`) };
    }
    // The body is not needed, but must be read for the connection to be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return { ok: true };
    const error = new Error(`POST ${this.name}: HTTP ${response.status}`);
    return { ok: false, retry: response.status >= 500 || RETRYABLE.has(response.status), error };
  }
}
