/**
 * Cosine similarity at or above which a face is taken to be a gallery identity; below it the
 * answer is Unknown. Chosen on the LFW development folds (deep-funneled, annotated landmarks,
 * FP16): half of the 746 people with two or more pictures enrolled from one picture, the best
 * mean of "enrolled people found" (0.957) and "strangers rejected" (0.983) lies at 0.45 on a
 * 0.005 grid. Higher than the pair-verification threshold (0.271) because a stranger is
 * compared with every identity and only the best similarity counts. See docs/accuracy.md.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.45;

/**
 * The embedding model a gallery holds when its creator names none: what FacePipeline and
 * FaceReid produce by default (their `embeddingModel`).
 */
export const DEFAULT_EMBEDDING_MODEL = 'face-reidentification-retail-0095/FP16';

/** `<model>/<precision>`: the EmbeddingModelKey of a network at one precision. */
export function embeddingModelKey(model: string, precision: string): string {
  return `${model}/${precision}`;
}
