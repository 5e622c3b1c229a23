/**
 * Sinks by specification string, as the CLI takes them: `-` or `jsonl:-` (stdout),
 * `jsonl:FILE` or a path ending in .jsonl, `http(s)://...` (webhook), `mqtt(s)://...` (MQTT).
 */
import { invalidType } from '../../errors';
import type { DeliveryQueueOptions } from './delivery-queue';
import { JsonlSink } from './jsonl';
import { MqttSink, type MqttSinkOptions } from './mqtt';
import type { EventSink } from './sink';
import { WebhookSink, type WebhookSinkOptions } from './webhook';

export { JsonlSink, type JsonlSinkOptions } from './jsonl';
export { WebhookSink, type WebhookSinkOptions } from './webhook';
export { MqttSink, type MqttSinkOptions } from './mqtt';
export { checkEvent, type EventSink, type SinkStats, type SinkEvent } from './sink';
export type { DeliveryQueueOptions } from './delivery-queue';

export type SinkOptions = DeliveryQueueOptions & Omit<Partial<WebhookSinkOptions>, 'url'> & Omit<Partial<MqttSinkOptions>, 'url'>;

export function createSink(spec: string, options: SinkOptions = {}): EventSink {
  if (typeof spec !== 'string' || spec === '') throw invalidType('a sink: -, jsonl:FILE, FILE.jsonl, http(s)://... or mqtt(s)://...', 'sink', spec);
  if (spec === '-' || spec === 'jsonl:-') return new JsonlSink({ path: '-' });
  if (spec.startsWith('jsonl:')) return new JsonlSink({ path: spec.slice('jsonl:'.length) });
  if (/^https?:\/\//i.test(spec)) return new WebhookSink({ ...options, url: spec });
  if (/^(mqtts?|wss?):\/\//i.test(spec)) return new MqttSink({ ...options, url: spec });
  if (spec.endsWith('.jsonl')) return new JsonlSink({ path: spec });
  throw invalidType('a sink: -, jsonl:FILE, FILE.jsonl, http(s)://... or mqtt(s)://...', 'sink', spec);
}
