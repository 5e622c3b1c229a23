/**
 * The common face of event sinks (JSON Lines, webhook, MQTT): FaceStream calls `write` for every
 * event and `close` at the end. A sink never throws for a delivery problem and never loses an
 * event silently: what cannot be delivered yet waits in a bounded queue, and what is given up
 * (overflow, a receiver that refuses it, close() before delivery) is counted in `stats` and
 * announced as a `dropped` event.
 */
import type { EventEmitter } from 'node:events';
import { invalidType } from '../../errors';

/** Any stream event: a JSON object with at least its type and the camera it comes from. */
export interface SinkEvent {
  type: string;
  camera: string;
  [key: string]: unknown;
}

export interface SinkStats {
  /** Events given to write(). */
  written: number;
  /** Events the receiver acknowledged (file: written out; webhook: 2xx; MQTT: PUBACK). */
  delivered: number;
  /** Events waiting (in the queue or in flight). */
  queued: number;
  /** Events given up: queue overflow, refused by the receiver (4xx), or still queued at close(). */
  dropped: number;
  /** Failed delivery attempts that were retried. */
  retries: number;
  lastError: Error | undefined;
}

/** Events: `dropped` ({ event, reason }), `retrying` ({ error, delayMs }). Never `error`. */
export interface EventSink extends EventEmitter {
  readonly name: string;
  readonly stats: SinkStats;
  /** Queues the event for delivery; returns at once. TypeError for something that is not an event. */
  write(event: SinkEvent): void;
  /** Resolves when everything written so far is delivered (or given up). */
  flush(): Promise<void>;
  /** Delivers what it can within the sink's close timeout, then releases everything; idempotent. */
  close(): Promise<void>;
}

export function checkEvent(event: unknown, name = 'event'): SinkEvent {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) throw invalidType('an event object with type and camera', name, event);
  const e = event as Record<string, unknown>;
  if (typeof e.type !== 'string' || e.type === '') throw invalidType('a non-empty string', `${name}.type`, e.type);
  if (typeof e.camera !== 'string' || e.camera === '') throw invalidType('a non-empty string', `${name}.camera`, e.camera);
  return event as SinkEvent;
}

export function emptyStats(): SinkStats {
  return { written: 0, delivered: 0, queued: 0, dropped: 0, retries: 0, lastError: undefined };
}
