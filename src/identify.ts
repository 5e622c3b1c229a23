/**
 * The product's identification step: faces found by the pipeline, matched one-to-one within the
 * frame against a gallery, each labelled or Unknown.
 */
import { UNKNOWN, type Gallery } from './gallery';
import { checkModel } from './gallery/model';
import type { Annotation } from './render/annotate';
import type { ImageInput } from './image';
import type { Face, FacePipeline } from './pipeline';

export interface IdentifiedFace extends Face {
  /** The gallery label, or 'Unknown' below the threshold. */
  label: string;
  similarity: number;
}

/** The embedding of the largest face in the image (the enrolment convention), or null when none. */
export async function largestFaceEmbedding(pipeline: FacePipeline, image: ImageInput): Promise<Float32Array | null> {
  const faces = await pipeline.analyze(image);
  if (faces.length === 0) return null;
  const area = (f: Face) => f.box.width * f.box.height;
  return faces.reduce((a, b) => (area(b) > area(a) ? b : a)).embedding;
}

/**
 * Every face of the image, labelled against the gallery (its local matrix, or the database in
 * `search: 'database'` mode). A gallery of another embedding model than the pipeline's is a
 * GALLERY_MODEL_MISMATCH.
 */
export async function identifyFaces(pipeline: FacePipeline, gallery: Gallery, image: ImageInput, options: { threshold?: number } = {}): Promise<IdentifiedFace[]> {
  // Checked before the pipeline runs, so a picture without faces does not hide the mismatch.
  checkModel(gallery.model, pipeline.embeddingModel, 'the pipeline makes', gallery.location);
  const faces = await pipeline.analyze(image);
  if (faces.length === 0) return [];
  // An explicit threshold wins, then the configuration's thresholds.match, then the gallery default.
  const threshold = options.threshold ?? pipeline.config.thresholds?.match;
  const matches = await gallery.searchFrame(faces.map((f) => f.embedding), { threshold, model: pipeline.embeddingModel });
  return faces.map((f, i) => ({ ...f, label: matches[i].label, similarity: matches[i].similarity }));
}

/** How identified faces are drawn: known people green with name and similarity, Unknown orange. */
export function identityAnnotations(faces: readonly IdentifiedFace[]): Annotation[] {
  return faces.map((f) => {
    const unknown = f.label === UNKNOWN;
    // A face left without any identity (more faces than people) has no similarity worth showing.
    const caption = unknown && f.similarity === 0 ? 'Unknown' : `${f.label.replace(/_/g, ' ')} ${f.similarity.toFixed(2)}`;
    return { box: f.box, landmarks: f.landmarks, caption, color: unknown ? '#ff9100' : '#00c853' };
  });
}
