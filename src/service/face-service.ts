/**
 * The one implementation of what the routes do: find faces, identify them, verify, enrol. Our
 * v1 routes and the CompreFace and DeepStack layers all call these methods and only translate
 * requests and answers; none holds a second copy of this logic.
 *
 * Every image goes through the header check (format, pixel limit), then waits its turn in the
 * bounded inference queue, then through the one FacePipeline of the process.
 */
import { createHash } from 'node:crypto';
import type { Face, FacePipeline } from '../pipeline';
import type { Box } from '../pipeline/detector';
import type { Sighting } from '../gallery/backend';
import { DEFAULT_MATCH_THRESHOLD } from '../gallery/defaults';
import { DEFAULT_VERIFY_THRESHOLD } from '../reid';
import { cosineSimilarity } from '../util/vector';
import { checkImageHeader } from './images';
import type { InferenceQueue } from './queue';
import type { ServiceMetrics } from './metrics';
import type { ServiceGallery } from './gallery-port';
import { ServiceError, badField } from './errors';
import { checkModel } from '../gallery/model';


export interface FaceOptions {
  /** Drop faces whose detector score is below this. */
  minScore?: number;
  /** Keep only the largest `limit` faces (0 or absent: all). */
  limit?: number;
  signal?: AbortSignal;
  /** Request field the image came from, named in errors. */
  field?: string;
}

export interface Candidate {
  label: string;
  similarity: number;
}

export interface IdentifiedFace extends Face {
  /** One-to-one within the image: never the same identity for two faces; 'Unknown' below the threshold. */
  label: string;
  similarity: number;
}

export interface EnrolResult {
  label: string;
  /** The sample's idempotency key: the client's, or a UUID derived from the image bytes. */
  source: string;
  status: 'stored' | 'duplicate' | 'queued';
  face: Face;
}

export interface FaceServiceOptions {
  pipeline: FacePipeline;
  gallery: ServiceGallery;
  queue: InferenceQueue;
  metrics: ServiceMetrics;
  maxPixels: number;
  matchThreshold?: number;
  verifyThreshold?: number;
  node: string;
}

const area = (b: Box) => b.width * b.height;

/** A UUID (version 8, RFC 9562) made from the image's SHA-256: the same picture always gets the same id. */
export function contentId(bytes: Buffer): string {
  const h = createHash('sha256').update(bytes).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class FaceService {
  readonly pipeline: FacePipeline;
  readonly gallery: ServiceGallery;
  readonly queue: InferenceQueue;
  readonly #metrics: ServiceMetrics;
  readonly #maxPixels: number;
  readonly matchThreshold: number;
  readonly verifyThreshold: number;
  readonly node: string;

  constructor(options: FaceServiceOptions) {
    this.pipeline = options.pipeline;
    this.gallery = options.gallery;
    this.queue = options.queue;
    this.#metrics = options.metrics;
    this.#maxPixels = options.maxPixels;
    const thresholds = options.pipeline.config.thresholds ?? {};
    this.matchThreshold = options.matchThreshold ?? thresholds.match ?? DEFAULT_MATCH_THRESHOLD;
    this.verifyThreshold = options.verifyThreshold ?? thresholds.verify ?? DEFAULT_VERIFY_THRESHOLD;
    this.node = options.node;
    // Vectors of another model (or precision) are not comparable: refuse to start rather than answer nonsense.
    checkModel(options.gallery.model, options.pipeline.embeddingModel, 'the pipeline makes', options.gallery.location);
  }

  /** Every face of the image (largest first when `limit` cuts), after the header check and the queue. */
  async faces(bytes: Buffer, options: FaceOptions = {}): Promise<Face[]> {
    const field = options.field ?? 'image';
    await checkImageHeader(bytes, field, this.#maxPixels);
    let faces: Face[];
    try {
      faces = await this.queue.run(() => this.#metrics.time('face-pipeline', () => this.pipeline.analyze(bytes)), options.signal);
    } catch (err) {
      // The decoder's messages name "image data"; the client needs the field it sent.
      if ((err as { code?: string }).code === 'IMAGE_DECODE_FAILED') throw new ServiceError(400, 'IMAGE_INVALID', `"${field}": ${(err as Error).message}`, { field });
      if ((err as { code?: string }).code === 'IMAGE_TOO_LARGE') throw new ServiceError(413, 'IMAGE_TOO_LARGE', `"${field}": ${(err as Error).message}`, { field });
      throw err;
    }
    if (options.minScore !== undefined) faces = faces.filter((f) => f.score >= options.minScore!);
    if (options.limit && faces.length > options.limit) faces = [...faces].sort((a, b) => area(b.box) - area(a.box)).slice(0, options.limit);
    return faces;
  }

  /** The largest face of the image (the enrolment and verification convention); NO_FACE when none. */
  async largestFace(bytes: Buffer, options: FaceOptions = {}): Promise<Face> {
    const faces = await this.faces(bytes, options);
    if (faces.length === 0) throw new ServiceError(400, 'NO_FACE', `no face found in "${options.field ?? 'image'}"`, { field: options.field ?? 'image' });
    return faces.reduce((a, b) => (area(b.box) > area(a.box) ? b : a));
  }

  /** One label per face, one-to-one within the frame, 'Unknown' below the threshold. */
  async identify(bytes: Buffer, options: FaceOptions & { threshold?: number; camera?: string } = {}): Promise<IdentifiedFace[]> {
    const faces = await this.faces(bytes, options);
    const threshold = options.threshold ?? this.matchThreshold;
    const matches = await this.#metrics.time('gallery-match', () => this.gallery.searchFrame(faces.map((f) => f.embedding), { threshold, model: this.pipeline.embeddingModel }));
    const named = faces.map((f, i) => ({ ...f, label: matches[i].label, similarity: matches[i].similarity }));
    if (options.camera !== undefined && named.length > 0) await this.recordSightings(options.camera, named);
    return named;
  }

  /** The k most similar identities of one face, best first, whatever their similarity (threshold -1 by default). */
  async candidates(embedding: Float32Array, k: number, threshold = -1): Promise<Candidate[]> {
    const matches = await this.gallery.search(embedding, { k, threshold, model: this.pipeline.embeddingModel });
    return matches.map((m) => ({ label: m.label, similarity: m.similarity }));
  }

  /** `candidates` for every face, each list best first. */
  candidatesOf(faces: readonly Face[], k: number): Promise<Candidate[][]> {
    return this.#metrics.time('gallery-match', () => Promise.all(faces.map((f) => this.candidates(f.embedding, k))));
  }

  async recordSightings(camera: string, faces: readonly IdentifiedFace[]): Promise<void> {
    const at = new Date().toISOString();
    const sightings: Sighting[] = faces.map((f) => ({
      at,
      node: this.node,
      source: camera,
      label: f.label,
      similarity: f.similarity,
      box: { x: f.box.x, y: f.box.y, width: f.box.width, height: f.box.height },
    }));
    await this.gallery.sightings.record(sightings);
  }

  /** Cosine similarity of two embeddings (unit vectors from the pipeline or the gallery). */
  similarity(a: Float32Array, b: Float32Array): number {
    return cosineSimilarity(a, b);
  }

  /** The largest face of each image, compared. */
  async verifyImages(a: Buffer, b: Buffer, options: { signal?: AbortSignal; threshold?: number; fields?: [string, string] } = {}) {
    const [fa, fb] = options.fields ?? ['a', 'b'];
    const [faceA, faceB] = await Promise.all([this.largestFace(a, { signal: options.signal, field: fa }), this.largestFace(b, { signal: options.signal, field: fb })]);
    const threshold = options.threshold ?? this.verifyThreshold;
    const similarity = this.similarity(faceA.embedding, faceB.embedding);
    return { similarity, same: similarity >= threshold, threshold, a: faceA, b: faceB };
  }

  /** Adds the image's largest face to `label`'s samples under `source` (idempotent per identity). */
  async enrol(label: string, bytes: Buffer, options: FaceOptions & { source?: string; meta?: Record<string, unknown> } = {}): Promise<EnrolResult> {
    checkLabel(label, 'label');
    const face = await this.largestFace(bytes, options);
    const source = options.source ?? contentId(bytes);
    const status = await this.gallery.add(label, face.embedding, { ...options.meta, source }, { model: this.pipeline.embeddingModel });
    return { label, source, status, face };
  }

  /**
   * Several pictures of one identity at once: every picture is analysed first, then all samples
   * are stored in one transaction, so a picture without a face stores none of them.
   */
  async enrolAll(label: string, images: { bytes: Buffer; field: string }[], options: FaceOptions = {}): Promise<{ stored: number; duplicates: number; queued: number }> {
    checkLabel(label, 'label');
    const faces = await Promise.all(images.map((image) => this.largestFace(image.bytes, { ...options, field: image.field })));
    const model = this.pipeline.embeddingModel;
    return this.gallery.addMany(images.map((image, i) => ({ label, embedding: faces[i].embedding, meta: { source: contentId(image.bytes) }, model })));
  }

  /** The identity and its sample of `source`, if some identity has it. */
  async findSample(source: string): Promise<{ label: string; embedding: Float32Array } | undefined> {
    if (!(await this.gallery.hasSource(source))) return undefined;
    for (const identity of await this.gallery.list()) {
      const sample = (await this.gallery.samples(identity.label)).find((s) => s.source === source);
      if (sample) return { label: identity.label, embedding: sample.embedding };
    }
    return undefined;
  }
}

/** Labels as the gallery takes them; checked here so the client learns which field is wrong. */
export function checkLabel(label: unknown, field: string): string {
  if (typeof label !== 'string' || label.trim() === '') throw badField(field, `"${field}" must be a non-empty name`);
  if (label !== label.trim()) throw badField(field, `"${field}" must not start or end with spaces`);
  if (label === 'Unknown') throw badField(field, `"${field}" cannot be "Unknown" (it means no match)`);
  if (label.length > 200) throw badField(field, `"${field}" is longer than 200 characters`);
  return label;
}
