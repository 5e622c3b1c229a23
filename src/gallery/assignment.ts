/**
 * Identification of all faces of one frame at once, with one-to-one assignment: two faces in
 * one picture are two different people, so they never get the same label. As in the Open Model
 * Zoo face_recognition_demo, the assignment minimises the total cost 1 − similarity (similarity
 * against each identity's best sample), and a face whose assigned similarity is below the
 * threshold is reported Unknown afterwards.
 *
 * The assignment works on per-face candidate lists, so it is the same whether the candidates
 * come from the local matrix or from a database search.
 */
import { hungarian } from './hungarian';
import type { EmbeddingMatrix, Match } from './matrix';

export const UNKNOWN = 'Unknown';

export interface FrameMatch {
  /** The identity's label, or 'Unknown'. */
  label: string;
  /**
   * Similarity to the identity the face was assigned (also when that is below the threshold and
   * the label is Unknown); 0 when the face got no identity (more faces than identities).
   */
  similarity: number;
}

/** Worse than any real pair (1 − similarity is at most 2): a pair that is not a candidate. */
const NOT_A_CANDIDATE = 3;

/**
 * Only each face's F best identities (F = number of faces) can matter: in any assignment at most
 * F − 1 of them are taken by other faces, so a face placed elsewhere could move to a free one of
 * its F best at no higher cost. So an assignment restricted to each face's own F best (every
 * other pair forbidden) is still optimal, the cost matrix stays F × (at most F²) instead of
 * F × gallery size, and a source that only returns top lists (a database index) loses nothing.
 *
 * `candidates[f]`: face f's best identities, at least its min(F, gallery size) best, best first.
 */
export function assignFrame(candidates: readonly (readonly Match[])[], threshold: number): FrameMatch[] {
  const faces = candidates.length;
  if (faces === 0) return [];
  const columns: string[] = [];
  const columnOf = new Map<string, number>();
  for (const list of candidates) {
    for (const { label } of list.slice(0, faces)) {
      if (!columnOf.has(label)) {
        columnOf.set(label, columns.length);
        columns.push(label);
      }
    }
  }
  if (columns.length === 0) return candidates.map(() => ({ label: UNKNOWN, similarity: 0 }));
  const width = columns.length;
  const cost = new Float64Array(faces * width).fill(NOT_A_CANDIDATE);
  const similarity = new Float64Array(faces * width);
  candidates.forEach((list, f) => {
    for (const m of list.slice(0, faces)) {
      const c = columnOf.get(m.label)!;
      cost[f * width + c] = 1 - m.similarity;
      similarity[f * width + c] = m.similarity;
    }
  });
  const assigned = hungarian(cost, faces, width);
  return Array.from(assigned, (c, f) => {
    // Forced onto a forbidden pair only when the source returned fewer candidates than faces.
    if (c < 0 || cost[f * width + c] === NOT_A_CANDIDATE) return { label: UNKNOWN, similarity: 0 };
    const s = similarity[f * width + c];
    return { label: s >= threshold ? columns[c] : UNKNOWN, similarity: s };
  });
}

/** `assignFrame` on the local matrix: each face's F best identities, whatever their similarity. */
export function matchFrame(matrix: EmbeddingMatrix, unitQueries: readonly Float32Array[], threshold: number): FrameMatch[] {
  const faces = unitQueries.length;
  return assignFrame(unitQueries.map((q) => matrix.match(q, faces, -Infinity)), threshold);
}
