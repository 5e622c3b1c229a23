/**
 * What a FaceStream tells the world: four event types per track, and one record per frame for
 * `--frames`. Each has a JSON Schema (draft 2020-12) exported here, the one description that
 * sinks, the service and their tests validate against, so the documentation cannot drift from
 * what is sent.
 */
import type { Box } from '../pipeline/detector';

export type StreamEventType = 'track.started' | 'track.identified' | 'track.updated' | 'track.ended';

/** The identity kinds an event can carry: a gallery label or an anonymous visitor id. */
export type EventIdentityKind = 'gallery' | 'visitor';

/** The best view of the track so far. */
export interface Snapshot {
  frame: number;
  /** Stream time of that frame, ms. */
  timestamp: number;
  box: Box;
  quality: { size: number; frontality: number; sharpness: number; score: number };
}

interface BaseEvent {
  type: StreamEventType;
  /** The source's name. */
  camera: string;
  /** Track id, unique within the camera for the stream's life. */
  track: string;
  /** Frame index within the camera, from 0. */
  frame: number;
  /** Stream time of the frame, ms. */
  timestamp: number;
  /** Wall-clock time the event was made, ISO 8601 UTC. */
  at: string;
}

export interface TrackStartedEvent extends BaseEvent {
  type: 'track.started';
  box: Box;
}

export interface TrackIdentifiedEvent extends BaseEvent {
  type: 'track.identified';
  kind: EventIdentityKind;
  /** Gallery label or `visitor-<n>`. */
  label: string;
  similarity: number;
  /** Visitors only: seen before on an earlier track ("visitor-42 is back"). */
  returning?: boolean;
  snapshot: Snapshot;
}

export interface TrackUpdatedEvent extends BaseEvent {
  type: 'track.updated';
  kind: EventIdentityKind;
  label: string;
  similarity: number;
  returning?: boolean;
  previous: { kind: EventIdentityKind; label: string };
  snapshot: Snapshot;
}

export interface TrackEndedEvent extends BaseEvent {
  type: 'track.ended';
  /** From the first to the last frame the track was seen on, ms. */
  duration: number;
  /** Frames on which the track was detected. */
  hits: number;
  /** The identity at the end, or null when none was given. */
  kind: EventIdentityKind | null;
  label: string | null;
  similarity: number;
  /** Re-identification inferences spent on the track. */
  embeds: number;
  snapshot: Snapshot | null;
}

export type StreamEvent = TrackStartedEvent | TrackIdentifiedEvent | TrackUpdatedEvent | TrackEndedEvent;

/** One line of `--frames`: every live track on one frame. */
export interface FrameRecord {
  camera: string;
  frame: number;
  timestamp: number;
  tracks: { id: string; box: Box; label: string | null; kind: EventIdentityKind | null; similarity: number; state: 'confirmed' | 'lost'; detected: boolean }[];
}

const box = {
  type: 'object',
  required: ['x', 'y', 'width', 'height'],
  additionalProperties: false,
  properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number', minimum: 0 }, height: { type: 'number', minimum: 0 } },
} as const;

const snapshot = {
  type: 'object',
  required: ['frame', 'timestamp', 'box', 'quality'],
  additionalProperties: false,
  properties: {
    frame: { type: 'integer', minimum: 0 },
    timestamp: { type: 'number' },
    box,
    quality: {
      type: 'object',
      required: ['size', 'frontality', 'sharpness', 'score'],
      additionalProperties: false,
      properties: {
        size: { type: 'number', minimum: 0 },
        frontality: { type: 'number', minimum: 0, maximum: 1 },
        sharpness: { type: 'number', minimum: 0 },
        score: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
  },
} as const;

const base = {
  camera: { type: 'string', minLength: 1 },
  track: { type: 'string', minLength: 1 },
  frame: { type: 'integer', minimum: 0 },
  timestamp: { type: 'number' },
  at: { type: 'string', format: 'date-time' },
} as const;
const baseRequired = ['type', 'camera', 'track', 'frame', 'timestamp', 'at'] as const;
const kind = { enum: ['gallery', 'visitor'] } as const;
const similarity = { type: 'number', minimum: -1, maximum: 1 } as const;

const schema = (type: StreamEventType, description: string, required: string[], properties: Record<string, unknown>) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://ov-face-reid.dev/schemas/${type}.json`,
  title: type,
  description,
  type: 'object',
  required: [...baseRequired, ...required],
  additionalProperties: false,
  properties: { type: { const: type }, ...base, ...properties },
});

/** JSON Schema of each event type. */
export const EVENT_SCHEMAS = {
  'track.started': schema('track.started', 'A face was tracked long enough to be confirmed as one person.', ['box'], { box }),
  'track.identified': schema('track.identified', 'The track got its first identity: a gallery label or a visitor id.', ['kind', 'label', 'similarity', 'snapshot'], {
    kind,
    label: { type: 'string', minLength: 1 },
    similarity,
    returning: { type: 'boolean' },
    snapshot,
  }),
  'track.updated': schema('track.updated', 'The identity of the track changed (sent only then).', ['kind', 'label', 'similarity', 'previous', 'snapshot'], {
    kind,
    label: { type: 'string', minLength: 1 },
    similarity,
    returning: { type: 'boolean' },
    previous: { type: 'object', required: ['kind', 'label'], additionalProperties: false, properties: { kind, label: { type: 'string', minLength: 1 } } },
    snapshot,
  }),
  'track.ended': schema('track.ended', 'The track was not seen for longer than the tracker waits, or the stream ended.', ['duration', 'hits', 'kind', 'label', 'similarity', 'embeds', 'snapshot'], {
    duration: { type: 'number', minimum: 0 },
    hits: { type: 'integer', minimum: 1 },
    kind: { enum: ['gallery', 'visitor', null] },
    label: { type: ['string', 'null'] },
    similarity,
    embeds: { type: 'integer', minimum: 0 },
    snapshot: { anyOf: [snapshot, { type: 'null' }] },
  }),
} as const;

/** JSON Schema of one `--frames` line. */
export const FRAME_RECORD_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://ov-face-reid.dev/schemas/frame.json',
  title: 'frame',
  description: 'Every live track on one frame of one camera.',
  type: 'object',
  required: ['camera', 'frame', 'timestamp', 'tracks'],
  additionalProperties: false,
  properties: {
    camera: base.camera,
    frame: base.frame,
    timestamp: base.timestamp,
    tracks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'box', 'label', 'kind', 'similarity', 'state', 'detected'],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          box,
          label: { type: ['string', 'null'] },
          kind: { enum: ['gallery', 'visitor', null] },
          similarity,
          state: { enum: ['confirmed', 'lost'] },
          detected: { type: 'boolean' },
        },
      },
    },
  },
} as const;

export const STREAM_EVENT_TYPES: readonly StreamEventType[] = ['track.started', 'track.identified', 'track.updated', 'track.ended'];
