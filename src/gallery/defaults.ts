/**
 * Cosine similarity at or above which a face is taken to be a gallery identity. The value 0.5
 * is a placeholder; it is replaced by the threshold derived from the LFW development folds.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.5;
