/**
 * Model tagging: every sample records the model that made it, and a gallery holds one model's
 * vectors only. Vectors of different networks (or of one network at different precisions, whose
 * outputs drift apart) are not comparable, so a mix would match silently wrong; a model upgrade
 * is an explicit re-enrolment into a new gallery instead.
 */
import { FaceReidError, invalidType, outOfRange } from '../errors';
import type { EmbeddingModelKey } from './backend';

const MODEL_KEY = /^[^\s/]+\/[^\s/]+$/;

/** A `<model>/<precision>` string, e.g. face-reidentification-retail-0095/FP16. */
export function validateModelKey(value: unknown, name: string): EmbeddingModelKey {
  if (typeof value !== 'string') throw invalidType('a "<model>/<precision>" string', name, value);
  if (!MODEL_KEY.test(value)) throw outOfRange('a "<model>/<precision>" string such as "face-reidentification-retail-0095/FP16"', name, value);
  return value;
}

export function modelMismatch(galleryModel: EmbeddingModelKey, other: EmbeddingModelKey, what: string, location: string): FaceReidError {
  return new FaceReidError(
    `the gallery ${location} holds ${galleryModel} embeddings but ${what} ${other}; embeddings of different models are not comparable ` +
      '(to change models, enrol again into a new gallery)',
    'GALLERY_MODEL_MISMATCH',
  );
}

/** Throws GALLERY_MODEL_MISMATCH unless `other` is absent or the gallery's own model. */
export function checkModel(galleryModel: EmbeddingModelKey, other: EmbeddingModelKey | undefined, what: string, location: string): void {
  if (other !== undefined && other !== galleryModel) throw modelMismatch(galleryModel, other, what, location);
}
