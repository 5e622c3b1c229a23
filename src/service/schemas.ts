/**
 * JSON Schemas shared by the routes: they validate requests, serialise responses (fields not in
 * a schema never leave the service) and make up the OpenAPI document.
 */
import type { Face } from '../pipeline';

export const boxSchema = {
  type: 'object',
  description: 'Face box in image pixels',
  properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number' }, height: { type: 'number' } },
  required: ['x', 'y', 'width', 'height'],
} as const;

export const landmarksSchema = {
  type: 'array',
  description: 'Left eye, right eye, nose tip, left and right mouth corner, [x, y] in image pixels',
  items: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
} as const;

export const embeddingSchema = {
  type: 'array',
  description: '256 numbers, unit length (face-reidentification-retail-0095)',
  items: { type: 'number' },
  minItems: 256,
  maxItems: 256,
} as const;

export const faceSchema = {
  type: 'object',
  properties: { box: boxSchema, score: { type: 'number' }, landmarks: landmarksSchema, embedding: embeddingSchema },
  required: ['box', 'score', 'landmarks'],
} as const;

/** Where an image can be in a request body, for the OpenAPI document. */
export function imageBody(fields: string[], extra: Record<string, object> = {}, json?: object) {
  const file = { type: 'string', format: 'binary' };
  const multipart = { type: 'object', properties: { ...Object.fromEntries(fields.map((f) => [f, file])), ...extra }, required: fields };
  const content: Record<string, { schema: object }> = {
    'multipart/form-data': { schema: multipart },
    'application/json': {
      schema: json ?? {
        type: 'object',
        properties: { ...Object.fromEntries(fields.map((f) => [f, { type: 'string', contentEncoding: 'base64' }])), ...extra },
        required: fields,
      },
    },
  };
  if (fields.length === 1) for (const type of ['image/jpeg', 'image/png', 'image/webp']) content[type] = { schema: file };
  return { required: true, content };
}

/** JSON body schema for one or more base64 image fields (validated by fastify for application/json only). */
export function jsonImageBody(fields: string[], extra: Record<string, object> = {}) {
  return {
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: { ...Object.fromEntries(fields.map((f) => [f, { type: 'string', minLength: 1 }])), ...extra },
          required: fields,
        },
      },
    },
  };
}

/** Plain numbers (fast-json-stringify writes Float32Array as an object). */
export function faceJson(face: Face, withEmbedding: boolean) {
  return {
    box: face.box,
    score: face.score,
    landmarks: face.landmarks,
    ...(withEmbedding ? { embedding: Array.from(face.embedding) } : {}),
  };
}

export const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'Stable error code (INVALID_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, BODY_TOO_LARGE, IMAGE_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, RATE_LIMITED, QUEUE_FULL, ...)' },
    message: { type: 'string' },
    field: { type: 'string', description: 'The request field at fault, when there is one' },
    requestId: { type: 'string' },
  },
  required: ['statusCode', 'code', 'message'],
} as const;

/** Errors of the CompreFace routes: CompreFace's own `message` and numeric `code` (28: no face). */
export const comprefaceErrorSchema = {
  type: 'object',
  properties: {
    message: { type: 'string' },
    code: { type: 'integer', description: 'The HTTP status, or 28 when no face was found (as CompreFace)' },
    error_code: { type: 'string', description: 'Our stable error code' },
    field: { type: 'string', description: 'The request field at fault, when there is one' },
  },
  required: ['message', 'code'],
} as const;

/** Errors of the DeepStack routes: DeepStack's `success: false` and `error` text. */
export const deepstackErrorSchema = {
  type: 'object',
  properties: {
    success: { type: 'boolean', const: false },
    error: { type: 'string' },
    code: { type: 'string', description: 'Our stable error code' },
    field: { type: 'string', description: 'The request field at fault, when there is one' },
  },
  required: ['success', 'error'],
} as const;
