/**
 * CompreFace's REST API (recognition, detection, verification) translated onto FaceService, so
 * CompreFace clients and SDKs work unchanged: the `x-api-key` header, the query parameters
 * `limit`, `det_prob_threshold`, `prediction_count`, `face_plugins` (landmarks, calculator) and
 * `status`, and the field names of CompreFace's answers. Images come as the multipart field `file`
 * (`source_image`/`target_image` for verification) or as base64 in JSON under the same names.
 *
 * What CompreFace does that a gallery of embeddings cannot is refused with 409 NOT_SUPPORTED and
 * listed in docs/service.md (renaming subjects, deleting one example of a subject that has more).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Face } from '../../pipeline';
import { REID_MODEL } from '../../reid';
import { ServiceError } from '../errors';
import { checkLabel, type FaceService } from '../face-service';
import { imageField } from '../images';
import { imageBody, jsonImageBody } from '../schemas';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Error bodies in a compatibility layer's own shape. */
    errorFormat?: 'compreface' | 'deepstack';
  }
}

/** CompreFace's numeric error code for "No face is found in the given image" (clients test for it). */
export const COMPREFACE_NO_FACE = 28;

interface CommonQuery {
  limit?: number;
  det_prob_threshold?: number;
  prediction_count?: number;
  face_plugins?: string;
  status?: boolean;
}

const commonQuery = {
  limit: { type: 'integer', minimum: 0, description: 'Largest N faces (0: all)' },
  det_prob_threshold: { type: 'number', minimum: 0, maximum: 1, description: 'Smallest detector probability kept' },
  face_plugins: { type: 'string', description: 'Comma-separated; honoured: landmarks, calculator (embedding). Others are ignored.' },
  status: { type: 'boolean', description: 'Adds plugins_versions' },
} as const;

const cfBox = {
  type: 'object',
  properties: { probability: { type: 'number' }, x_max: { type: 'integer' }, y_max: { type: 'integer' }, x_min: { type: 'integer' }, y_min: { type: 'integer' } },
  required: ['probability', 'x_max', 'y_max', 'x_min', 'y_min'],
} as const;

const cfFaceProperties = {
  box: cfBox,
  landmarks: { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
  embedding: { type: 'array', items: { type: 'number' } },
} as const;

const pluginsVersions = { type: 'object', properties: { detector: { type: 'string' }, calculator: { type: 'string' }, landmarks: { type: 'string' } } } as const;

const PLUGINS_VERSIONS = {
  detector: 'openvino.face-detection-retail-0004',
  calculator: `openvino.${REID_MODEL}`,
  landmarks: 'openvino.landmarks-regression-retail-0009',
};

function plugins(query: CommonQuery): { landmarks: boolean; embedding: boolean } {
  const names = (query.face_plugins ?? '').split(',').map((p) => p.trim().toLowerCase());
  return { landmarks: names.includes('landmarks'), embedding: names.includes('calculator') };
}

function round5(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

/** A face in CompreFace's fields: integer corner coordinates, the detector score as probability. */
function cfFace(face: Face, query: CommonQuery) {
  const p = plugins(query);
  const b = face.box;
  return {
    box: { probability: round5(face.score), x_max: Math.round(b.x + b.width), y_max: Math.round(b.y + b.height), x_min: Math.round(b.x), y_min: Math.round(b.y) },
    ...(p.landmarks ? { landmarks: face.landmarks.map(([x, y]) => [Math.round(x), Math.round(y)]) } : {}),
    ...(p.embedding ? { embedding: Array.from(face.embedding) } : {}),
  };
}

function noFace(field: string): ServiceError {
  return new ServiceError(400, 'NO_FACE', 'No face is found in the given image', { field });
}

export const comprefaceRoutes: FastifyPluginAsync<{ service: FaceService }> = async (app, { service }) => {
  const gallery = service.gallery;
  const cf = (scope: 'recognize' | 'manage' | 'admin', docsBody?: object) => ({ scope, errorFormat: 'compreface' as const, ...(docsBody ? { docsBody } : {}) });

  async function facesOf(request: FastifyRequest<{ Querystring: CommonQuery }>, field: string): Promise<Face[]> {
    const q = request.query;
    const faces = await service.faces(imageField(request.body, field)!, { field, minScore: q.det_prob_threshold, limit: q.limit, signal: request.workSignal });
    if (faces.length === 0) throw noFace(field);
    return faces;
  }

  app.post<{ Querystring: CommonQuery }>(
    '/api/v1/recognition/recognize',
    {
      config: cf('recognize', imageBody(['file'])),
      schema: {
        summary: 'CompreFace: recognize faces (subjects per face, best first)',
        tags: ['compreface'],
        querystring: {
          type: 'object',
          properties: { ...commonQuery, prediction_count: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'Subjects per face' } },
        },
        body: jsonImageBody(['file']),
        response: {
          200: {
            type: 'object',
            properties: {
              result: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    ...cfFaceProperties,
                    subjects: { type: 'array', items: { type: 'object', properties: { subject: { type: 'string' }, similarity: { type: 'number' } }, required: ['subject', 'similarity'] } },
                  },
                  required: ['box', 'subjects'],
                },
              },
              plugins_versions: pluginsVersions,
            },
            required: ['result'],
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const faces = await facesOf(request, 'file');
      const candidates = await service.candidatesOf(faces, q.prediction_count ?? 1);
      return {
        result: faces.map((f, i) => ({ ...cfFace(f, q), subjects: candidates[i].map((c) => ({ subject: c.label, similarity: round5(c.similarity) })) })),
        ...(q.status ? { plugins_versions: PLUGINS_VERSIONS } : {}),
      };
    },
  );

  app.post<{ Querystring: { subject?: string; det_prob_threshold?: number } }>(
    '/api/v1/recognition/faces',
    {
      config: cf('manage', imageBody(['file'])),
      schema: {
        summary: 'CompreFace: add an example of a subject (the largest face of the image)',
        tags: ['compreface'],
        querystring: {
          type: 'object',
          properties: { subject: { type: 'string', minLength: 1, maxLength: 200 }, det_prob_threshold: commonQuery.det_prob_threshold },
          required: ['subject'],
        },
        body: jsonImageBody(['file']),
        response: { '2xx': { type: 'object', properties: { image_id: { type: 'string' }, subject: { type: 'string' } }, required: ['image_id', 'subject'] } },
      },
    },
    async (request, reply) => {
      const subject = checkLabel(request.query.subject, 'subject');
      try {
        const result = await service.enrol(subject, imageField(request.body, 'file')!, { field: 'file', minScore: request.query.det_prob_threshold, signal: request.workSignal });
        reply.code(201);
        return { image_id: result.source, subject };
      } catch (err) {
        if (err instanceof ServiceError && err.code === 'NO_FACE') throw noFace('file');
        throw err;
      }
    },
  );

  app.get<{ Querystring: { page?: number; size?: number; subject?: string } }>(
    '/api/v1/recognition/faces',
    {
      config: cf('recognize'),
      schema: {
        summary: 'CompreFace: list saved examples (paged)',
        tags: ['compreface'],
        querystring: {
          type: 'object',
          properties: {
            page: { type: 'integer', minimum: 0, default: 0 },
            size: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
            subject: { type: 'string', minLength: 1 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              faces: { type: 'array', items: { type: 'object', properties: { image_id: { type: 'string' }, subject: { type: 'string' } }, required: ['image_id', 'subject'] } },
              page_number: { type: 'integer' },
              page_size: { type: 'integer' },
              total_pages: { type: 'integer' },
              total_elements: { type: 'integer' },
            },
            required: ['faces', 'page_number', 'page_size', 'total_pages', 'total_elements'],
          },
        },
      },
    },
    async (request) => {
      const { page = 0, size = 20, subject } = request.query;
      const labels = subject !== undefined ? ((await gallery.hasLabel(subject)) ? [subject] : []) : (await gallery.list()).map((i) => i.label);
      const all: { image_id: string; subject: string }[] = [];
      for (const label of labels) {
        for (const s of await gallery.samples(label)) if (s.source !== null) all.push({ image_id: s.source, subject: label });
      }
      return {
        faces: all.slice(page * size, (page + 1) * size),
        page_number: page,
        page_size: size,
        total_pages: Math.ceil(all.length / size),
        total_elements: all.length,
      };
    },
  );

  app.delete<{ Querystring: { subject?: string } }>(
    '/api/v1/recognition/faces',
    {
      config: cf('manage'),
      schema: {
        summary: 'CompreFace: delete all examples of a subject (without subject: of every subject, admin keys only)',
        tags: ['compreface'],
        querystring: { type: 'object', properties: { subject: { type: 'string', minLength: 1 } } },
        response: { 200: { type: 'object', properties: { deleted: { type: 'integer' } }, required: ['deleted'] } },
      },
    },
    async (request) => {
      const subject = request.query.subject;
      const labels = subject !== undefined ? [checkLabel(subject, 'subject')] : await everyLabel(request);
      let deleted = 0;
      for (const label of labels) {
        const count = (await gallery.samples(label).catch(() => [])).length;
        if ((await gallery.remove(label)) !== 'absent') deleted += count;
      }
      return { deleted };
    },
  );

  async function everyLabel(request: FastifyRequest): Promise<string[]> {
    if (request.apiKey && request.apiKey.scope !== 'admin') {
      throw new ServiceError(403, 'FORBIDDEN', 'deleting every subject needs an admin key', { field: 'subject' });
    }
    return (await gallery.list()).map((i) => i.label);
  }

  app.delete<{ Params: { image_id: string } }>(
    '/api/v1/recognition/faces/:image_id',
    {
      config: cf('manage'),
      schema: {
        summary: 'CompreFace: delete an example by id (only the last example of its subject; see docs/service.md)',
        tags: ['compreface'],
        params: { type: 'object', properties: { image_id: { type: 'string', minLength: 1 } }, required: ['image_id'] },
        response: { 200: { type: 'object', properties: { image_id: { type: 'string' }, subject: { type: 'string' } }, required: ['image_id', 'subject'] } },
      },
    },
    async (request) => {
      const id = request.params.image_id;
      const found = await service.findSample(id);
      if (!found) throw new ServiceError(404, 'NOT_FOUND', `no example with image_id ${id}`, { field: 'image_id' });
      const samples = await gallery.samples(found.label);
      if (samples.length > 1) {
        throw new ServiceError(409, 'NOT_SUPPORTED', `the gallery removes whole subjects only; "${found.label}" has ${samples.length} examples (delete the subject instead)`, { field: 'image_id' });
      }
      await gallery.remove(found.label);
      return { image_id: id, subject: found.label };
    },
  );

  app.post<{ Params: { image_id: string }; Querystring: CommonQuery }>(
    '/api/v1/recognition/faces/:image_id/verify',
    {
      config: cf('recognize', imageBody(['file'])),
      schema: {
        summary: 'CompreFace: compare the faces of an image with one saved example',
        tags: ['compreface'],
        params: { type: 'object', properties: { image_id: { type: 'string', minLength: 1 } }, required: ['image_id'] },
        querystring: { type: 'object', properties: commonQuery },
        body: jsonImageBody(['file']),
        response: {
          200: {
            type: 'object',
            properties: {
              result: { type: 'array', items: { type: 'object', properties: { ...cfFaceProperties, similarity: { type: 'number' } }, required: ['box', 'similarity'] } },
              plugins_versions: pluginsVersions,
            },
            required: ['result'],
          },
        },
      },
    },
    async (request) => {
      const sample = await service.findSample(request.params.image_id);
      if (!sample) throw new ServiceError(404, 'NOT_FOUND', `no example with image_id ${request.params.image_id}`, { field: 'image_id' });
      const faces = await facesOf(request, 'file');
      return {
        result: faces.map((f) => ({ ...cfFace(f, request.query), similarity: round5(service.similarity(f.embedding, sample.embedding)) })),
        ...(request.query.status ? { plugins_versions: PLUGINS_VERSIONS } : {}),
      };
    },
  );

  app.get(
    '/api/v1/recognition/subjects',
    {
      config: cf('recognize'),
      schema: {
        summary: 'CompreFace: list subjects',
        tags: ['compreface'],
        response: { 200: { type: 'object', properties: { subjects: { type: 'array', items: { type: 'string' } } }, required: ['subjects'] } },
      },
    },
    async () => ({ subjects: (await gallery.list()).map((i) => i.label) }),
  );

  app.post<{ Body: { subject: string } }>(
    '/api/v1/recognition/subjects',
    {
      config: cf('manage'),
      schema: {
        summary: 'CompreFace: add a subject (it is stored with its first example: a gallery identity is its samples)',
        tags: ['compreface'],
        body: { type: 'object', properties: { subject: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['subject'] },
        response: { '2xx': { type: 'object', properties: { subject: { type: 'string' } }, required: ['subject'] } },
      },
    },
    async (request, reply) => {
      const subject = checkLabel(request.body.subject, 'subject');
      reply.code(201);
      return { subject };
    },
  );

  app.put<{ Params: { subject: string } }>(
    '/api/v1/recognition/subjects/:subject',
    {
      config: cf('manage'),
      schema: {
        summary: 'CompreFace: rename a subject (not supported: answers 409)',
        tags: ['compreface'],
        params: { type: 'object', properties: { subject: { type: 'string', minLength: 1 } }, required: ['subject'] },
      },
    },
    async () => {
      throw new ServiceError(409, 'NOT_SUPPORTED', 'renaming subjects is not supported; add the examples under the new name and delete the old subject', { field: 'subject' });
    },
  );

  app.delete<{ Params: { subject: string } }>(
    '/api/v1/recognition/subjects/:subject',
    {
      config: cf('manage'),
      schema: {
        summary: 'CompreFace: delete a subject and all its examples',
        tags: ['compreface'],
        params: { type: 'object', properties: { subject: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['subject'] },
        response: { 200: { type: 'object', properties: { subject: { type: 'string' } }, required: ['subject'] } },
      },
    },
    async (request) => {
      const subject = checkLabel(request.params.subject, 'subject');
      if ((await gallery.remove(subject)) === 'absent') throw new ServiceError(404, 'NOT_FOUND', `no subject "${subject}"`, { field: 'subject' });
      return { subject };
    },
  );

  app.delete(
    '/api/v1/recognition/subjects',
    {
      config: cf('admin'),
      schema: {
        summary: 'CompreFace: delete every subject (admin keys only)',
        tags: ['compreface'],
        response: { 200: { type: 'object', properties: { deleted: { type: 'integer' } }, required: ['deleted'] } },
      },
    },
    async () => {
      let deleted = 0;
      for (const { label } of await gallery.list()) if ((await gallery.remove(label)) !== 'absent') deleted++;
      return { deleted };
    },
  );

  app.post<{ Querystring: CommonQuery }>(
    '/api/v1/detection/detect',
    {
      config: cf('recognize', imageBody(['file'])),
      schema: {
        summary: 'CompreFace: detect faces',
        tags: ['compreface'],
        querystring: { type: 'object', properties: commonQuery },
        body: jsonImageBody(['file']),
        response: {
          200: {
            type: 'object',
            properties: { result: { type: 'array', items: { type: 'object', properties: cfFaceProperties, required: ['box'] } }, plugins_versions: pluginsVersions },
            required: ['result'],
          },
        },
      },
    },
    async (request) => {
      const faces = await facesOf(request, 'file');
      return { result: faces.map((f) => cfFace(f, request.query)), ...(request.query.status ? { plugins_versions: PLUGINS_VERSIONS } : {}) };
    },
  );

  app.post<{ Querystring: CommonQuery }>(
    '/api/v1/verification/verify',
    {
      config: cf('recognize', imageBody(['source_image', 'target_image'])),
      schema: {
        summary: 'CompreFace: compare the largest face of source_image with every face of target_image',
        tags: ['compreface'],
        querystring: { type: 'object', properties: commonQuery },
        body: jsonImageBody(['source_image', 'target_image']),
        response: {
          200: {
            type: 'object',
            properties: {
              result: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    source_image_face: { type: 'object', properties: cfFaceProperties, required: ['box'] },
                    face_matches: { type: 'array', items: { type: 'object', properties: { ...cfFaceProperties, similarity: { type: 'number' } }, required: ['box', 'similarity'] } },
                    plugins_versions: pluginsVersions,
                  },
                  required: ['source_image_face', 'face_matches'],
                },
              },
            },
            required: ['result'],
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const body = request.body;
      const source = imageField(body, 'source_image');
      const target = imageField(body, 'target_image');
      const [sourceFaces, targetFaces] = await Promise.all([
        service.faces(source!, { field: 'source_image', minScore: q.det_prob_threshold, signal: request.workSignal }),
        service.faces(target!, { field: 'target_image', minScore: q.det_prob_threshold, limit: q.limit, signal: request.workSignal }),
      ]);
      if (sourceFaces.length === 0) throw noFace('source_image');
      if (targetFaces.length === 0) throw noFace('target_image');
      const largest = sourceFaces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
      return {
        result: [
          {
            source_image_face: cfFace(largest, q),
            face_matches: targetFaces
              .map((f) => ({ ...cfFace(f, q), similarity: round5(service.similarity(largest.embedding, f.embedding)) }))
              .sort((a, b) => b.similarity - a.similarity),
            ...(q.status ? { plugins_versions: PLUGINS_VERSIONS } : {}),
          },
        ],
      };
    },
  );
};
