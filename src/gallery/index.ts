/** The gallery: persistent identities, fast matching, one-to-one frame assignment, folder enrolment. */
export { Gallery } from './store';
export type { GalleryItem, GalleryOptions, IdentityInfo, MatchOptions, SampleMeta, StoredSample } from './store';
export type { Match } from './matrix';
export { UNKNOWN } from './assignment';
export type { FrameMatch } from './assignment';
export { hungarian } from './hungarian';
export { enrollFolder, scanFolder } from './enroll';
export type { EnrollOptions, EnrollProgress, EnrollResult, EnrollEntry } from './enroll';
export { DEFAULT_MATCH_THRESHOLD } from './defaults';

export type { EmbeddingInput } from './embedding';
