/**
 * DeepStack's face API translated onto FaceService, as Double Take, Home Assistant and Node-RED
 * call it: multipart fields `image` (register also takes `image1`, `image2`, ...), `userid`,
 * `min_confidence`, the key in the `api_key` field or the x-api-key header, and answers
 * `{ success, predictions: [{ userid, confidence, x_min, y_min, x_max, y_max }] }`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { UNKNOWN } from '../../gallery/assignment';
import { ServiceError, badField } from '../errors';
import { checkLabel, type FaceService } from '../face-service';
import { imageField, textField } from '../images';

const multipart = (fields: Record<string, object>, required: string[]) => ({
  required: true,
  content: { 'multipart/form-data': { schema: { type: 'object', properties: { ...fields, api_key: { type: 'string' } }, required } } },
});
const file = { type: 'string', format: 'binary' };
const minConfidence = { type: 'string', description: 'A number in [0, 1]' };

const corners = { x_min: { type: 'integer' }, y_min: { type: 'integer' }, x_max: { type: 'integer' }, y_max: { type: 'integer' } } as const;

function confidenceField(body: unknown, fallback: number | undefined): number | undefined {
  const text = textField(body, 'min_confidence');
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw badField('min_confidence', `"min_confidence" must be a number in [0, 1], received ${JSON.stringify(text)}`);
  return value;
}

function cornersOf(box: { x: number; y: number; width: number; height: number }) {
  return { x_min: Math.round(box.x), y_min: Math.round(box.y), x_max: Math.round(box.x + box.width), y_max: Math.round(box.y + box.height) };
}

export const deepstackRoutes: FastifyPluginAsync<{ service: FaceService }> = async (app, { service }) => {
  const ds = (scope: 'recognize' | 'manage', docsBody?: object) => ({ scope, keyInBody: true, errorFormat: 'deepstack' as const, ...(docsBody ? { docsBody } : {}) });
  const ok = { success: { type: 'boolean' } } as const;

  app.post(
    '/v1/vision/face',
    {
      config: ds('recognize', multipart({ image: file, min_confidence: minConfidence }, ['image'])),
      schema: {
        summary: 'DeepStack: detect faces',
        tags: ['deepstack'],
        response: {
          200: {
            type: 'object',
            properties: { ...ok, predictions: { type: 'array', items: { type: 'object', properties: { confidence: { type: 'number' }, ...corners } } } },
            required: ['success', 'predictions'],
          },
        },
      },
    },
    async (request) => {
      const minScore = confidenceField(request.body, undefined);
      const faces = await service.faces(imageField(request.body, 'image')!, { minScore, signal: request.workSignal });
      return { success: true, predictions: faces.map((f) => ({ confidence: f.score, ...cornersOf(f.box) })) };
    },
  );

  app.post(
    '/v1/vision/face/recognize',
    {
      config: ds('recognize', multipart({ image: file, min_confidence: minConfidence }, ['image'])),
      schema: {
        summary: 'DeepStack: recognize faces (userid "unknown" below min_confidence)',
        tags: ['deepstack'],
        response: {
          200: {
            type: 'object',
            properties: {
              ...ok,
              predictions: { type: 'array', items: { type: 'object', properties: { userid: { type: 'string' }, confidence: { type: 'number' }, ...corners } } },
            },
            required: ['success', 'predictions'],
          },
        },
      },
    },
    async (request) => {
      const threshold = confidenceField(request.body, service.matchThreshold);
      const faces = await service.identify(imageField(request.body, 'image')!, { threshold, signal: request.workSignal });
      return {
        success: true,
        predictions: faces.map((f) => ({
          userid: f.label === UNKNOWN ? 'unknown' : f.label,
          confidence: f.label === UNKNOWN ? 0 : f.similarity,
          ...cornersOf(f.box),
        })),
      };
    },
  );

  app.post(
    '/v1/vision/face/register',
    {
      config: ds('manage', multipart({ image: file, userid: { type: 'string' } }, ['image', 'userid'])),
      schema: {
        summary: 'DeepStack: register one or more pictures (image, image1, image2, ...) of a userid',
        tags: ['deepstack'],
        response: { 200: { type: 'object', properties: { ...ok, message: { type: 'string' } }, required: ['success', 'message'] } },
      },
    },
    async (request) => {
      const userid = checkLabel(textField(request.body, 'userid'), 'userid');
      const body = (request.body ?? {}) as Record<string, unknown>;
      const fields = Object.keys(body).filter((k) => /^image\d*$/.test(k) && Buffer.isBuffer(body[k]));
      if (fields.length === 0) imageField(body, 'image'); // throws the "missing image" error
      // All pictures or none: one without a face fails the request with nothing stored.
      await service.enrolAll(userid, fields.sort().map((field) => ({ bytes: imageField(body, field)!, field })), { signal: request.workSignal });
      return { success: true, message: 'face added' };
    },
  );

  app.post(
    '/v1/vision/face/list',
    {
      config: ds('recognize', multipart({}, [])),
      schema: {
        summary: 'DeepStack: list registered userids',
        tags: ['deepstack'],
        response: { 200: { type: 'object', properties: { ...ok, faces: { type: 'array', items: { type: 'string' } } }, required: ['success', 'faces'] } },
      },
    },
    async () => ({ success: true, faces: (await service.gallery.list()).map((i) => i.label) }),
  );

  app.post(
    '/v1/vision/face/delete',
    {
      config: ds('manage', multipart({ userid: { type: 'string' } }, ['userid'])),
      schema: {
        summary: 'DeepStack: delete a userid and all its pictures',
        tags: ['deepstack'],
        response: { 200: { type: 'object', properties: { ...ok, message: { type: 'string' } }, required: ['success'] } },
      },
    },
    async (request) => {
      const userid = checkLabel(textField(request.body, 'userid'), 'userid');
      if ((await service.gallery.remove(userid)) === 'absent') throw new ServiceError(404, 'NOT_FOUND', `no userid "${userid}"`, { field: 'userid' });
      return { success: true, message: 'user deleted successfully' };
    },
  );
};
