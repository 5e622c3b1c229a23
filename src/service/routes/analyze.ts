/** POST /v1/analyze: every face of an image, with boxes, landmarks and (on request) embeddings. */
import type { FastifyPluginAsync } from 'fastify';
import type { FaceService } from '../face-service';
import { imageField } from '../images';
import { faceJson, faceSchema, imageBody, jsonImageBody } from '../schemas';

export interface RouteOptions {
  service: FaceService;
}

export const analyzeRoutes: FastifyPluginAsync<RouteOptions> = async (app, { service }) => {
  app.post<{ Querystring: { embeddings?: boolean; min_score?: number; limit?: number } }>(
    '/v1/analyze',
    {
      config: { scope: 'recognize', docsBody: imageBody(['image']) },
      schema: {
        summary: 'Find every face: box, detector score, five landmarks, optionally the 256-d embedding',
        tags: ['v1'],
        querystring: {
          type: 'object',
          properties: {
            embeddings: { type: 'boolean', default: false, description: 'Include each face\'s embedding' },
            min_score: { type: 'number', minimum: 0, maximum: 1, description: 'Drop faces with a lower detector score' },
            limit: { type: 'integer', minimum: 0, description: 'Keep only the largest N faces (0: all)' },
          },
          additionalProperties: false,
        },
        body: jsonImageBody(['image']),
        response: {
          200: {
            type: 'object',
            properties: { faces: { type: 'array', items: faceSchema } },
            required: ['faces'],
          },
        },
      },
    },
    async (request) => {
      const image = imageField(request.body, 'image')!;
      const faces = await service.faces(image, { minScore: request.query.min_score, limit: request.query.limit, signal: request.workSignal });
      return { faces: faces.map((f) => faceJson(f, request.query.embeddings === true)) };
    },
  );
};
