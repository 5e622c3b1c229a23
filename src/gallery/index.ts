/** The gallery: persistent identities, fast matching, one-to-one frame assignment, folder enrolment, sightings. */
export { Gallery } from './store';
export type { AddOutcome, FrameMatchOptions, GalleryItem, GalleryOptions, GallerySightings, MatchOptions, SampleMeta } from './store';
export type {
  AddResult,
  ApiKeyRecord,
  ApiKeyScope,
  ApiKeyStore,
  EmbeddingModelKey,
  GalleryBackend,
  GalleryStatus,
  IdentityInfo,
  RemoveResult,
  SearchMode,
  Sighting,
  SightingBox,
  SightingQuery,
  StoredSample,
} from './backend';
export type { SightingInput } from './sightings';
export type { Match } from './matrix';
export { UNKNOWN } from './assignment';
export type { FrameMatch } from './assignment';
export { hungarian } from './hungarian';
export { enrollFolder, scanFolder } from './enroll';
export type { EnrollOptions, EnrollProgress, EnrollResult, EnrollEntry } from './enroll';
export { DEFAULT_MATCH_THRESHOLD, DEFAULT_EMBEDDING_MODEL, embeddingModelKey } from './defaults';

export type { EmbeddingInput } from './embedding';
