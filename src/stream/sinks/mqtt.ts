/**
 * Events published to an MQTT broker at QoS 1 on `<topicPrefix>/<camera>/<event type>` (default
 * prefix `face-reid`), payload the event as JSON. One publish is in flight at a time: the next
 * leaves when the broker has acknowledged (PUBACK) the last, so order holds also across a broker
 * restart, during which the client reconnects by itself (and resends the unacknowledged one)
 * while later events wait in the bounded queue.
 */
import { EventEmitter } from 'node:events';
import { connect, type MqttClient } from 'mqtt';
import { invalidType } from '../../errors';
import { DeliveryQueue, type DeliveryQueueOptions, type DeliveryResult } from './delivery-queue';
import { checkEvent, type EventSink, type SinkStats, type SinkEvent } from './sink';

export interface MqttSinkOptions extends DeliveryQueueOptions {
  /** mqtt://host:port or mqtts://host:port (ws:// and wss:// work too). */
  url: string;
  /** First topic level (default 'face-reid'). */
  topicPrefix?: string;
  clientId?: string;
  username?: string;
  password?: string;
  /** Wait between reconnection attempts (default 1000 ms). */
  reconnectMs?: number;
  /** Time allowed for one connection attempt (default 10000 ms). */
  connectTimeoutMs?: number;
}

/** A topic level of our own making: MQTT's separators and wildcards are replaced. */
function topicLevel(text: string): string {
  return text.replace(/[/+#\u0000]/g, '_');
}

export class MqttSink extends EventEmitter implements EventSink {
  readonly name: string;
  readonly #queue: DeliveryQueue;
  readonly #client: MqttClient;
  readonly #prefix: string;
  #closing: Promise<void> | undefined;

  constructor(options: MqttSinkOptions) {
    super();
    if (options === null || typeof options !== 'object') throw invalidType('an options object', 'options', options);
    if (typeof options.url !== 'string' || !/^(mqtts?|wss?):\/\/./.test(options.url)) throw invalidType('an mqtt:// or mqtts:// URL', 'options.url', options.url);
    this.#prefix = options.topicPrefix ?? 'face-reid';
    const url = new URL(options.url);
    this.name = `mqtt:${url.protocol}//${url.host}`;
    this.#client = connect(options.url, {
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      reconnectPeriod: options.reconnectMs ?? 1000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      // Events wait in our bounded queue, not in the client's unbounded one.
      queueQoSZero: false,
    });
    // Connection trouble is expected (the client reconnects); it is recorded, never thrown.
    this.#client.on('error', (err) => (this.#queue.stats.lastError = err));
    this.#queue = new DeliveryQueue((event, signal) => this.#publish(event, signal), options);
    this.#queue.on('dropped', (info) => this.emit('dropped', info));
    this.#queue.on('retrying', (info) => this.emit('retrying', info));
  }

  get stats(): SinkStats {
    return this.#queue.stats;
  }

  /** True while connected to the broker. */
  get connected(): boolean {
    return this.#client.connected;
  }

  /** The topic an event is published on. */
  topicOf(event: SinkEvent): string {
    return `${this.#prefix}/${topicLevel(event.camera)}/${topicLevel(event.type)}`;
  }

  write(event: SinkEvent): void {
    this.#queue.push(checkEvent(event));
  }

  flush(): Promise<void> {
    return this.#queue.flush();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#queue.close();
      await this.#client.endAsync(!this.#client.connected);
    })();
    return this.#closing;
  }

  async #publish(event: SinkEvent, closing: AbortSignal): Promise<DeliveryResult> {
    // While the broker is away the client holds this publish and sends it once reconnected;
    // the promise settles on PUBACK. close() stops the wait (the queue then counts the drop).
    const acked = this.#client.publishAsync(this.topicOf(event), JSON.stringify(event), { qos: 1 });
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new Error('closed before the broker acknowledged'));
      if (closing.aborted) onAbort();
      else closing.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([acked, aborted]);
      return { ok: true };
    } catch (err) {
      acked.catch(() => undefined);
      return { ok: false, retry: true, error: new Error(`publish to ${this.name} failed: ${(err as Error).message}`) };
    } finally {
      closing.removeEventListener('abort', onAbort);
      aborted.catch(() => undefined);
    }
  }
}
