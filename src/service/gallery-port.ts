/**
 * What the service needs of a gallery: the public Gallery's API (src/gallery), named here so the
 * service states its dependency in one place and tests see the exact surface it uses.
 */
import type { ApiKeyStore, GalleryStatus, IdentityInfo, Sighting, SightingQuery, StoredSample } from '../gallery/backend';
import type { FrameMatch } from '../gallery/assignment';
import type { Match } from '../gallery/matrix';
import type { EmbeddingInput } from '../gallery/embedding';

export interface ServiceGallery {
  /** `<model>/<precision>` of the vectors it holds. */
  readonly model: string;
  /** Where it is, safe to print. */
  readonly location: string;
  /** In either search mode (local matrix, or the database's index): the service never assumes one. */
  search(embedding: EmbeddingInput, options?: { k?: number; threshold?: number; model?: string }): Promise<Match[]>;
  searchFrame(embeddings: readonly EmbeddingInput[], options?: { threshold?: number; model?: string }): Promise<FrameMatch[]>;
  add(label: string, embedding: EmbeddingInput, meta?: { source?: string; [key: string]: unknown }, options?: { model?: string }): Promise<'stored' | 'duplicate' | 'queued'>;
  remove(label: string): Promise<'removed' | 'absent' | 'queued'>;
  list(): Promise<IdentityInfo[]>;
  samples(label: string): Promise<StoredSample[]>;
  hasSource(source: string): Promise<boolean>;
  hasLabel(label: string): Promise<boolean>;
  count(): Promise<number>;
  sampleCount(): Promise<number>;
  readonly status: GalleryStatus;
  readonly sightings: {
    record(sightings: Sighting[]): Promise<void>;
    query(query: SightingQuery): Promise<Sighting[]>;
  };
  readonly keys: ApiKeyStore;
  close(): Promise<void>;
}
