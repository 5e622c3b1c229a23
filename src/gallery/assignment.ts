/**
 * Identification of all faces of one frame at once, with one-to-one assignment: two faces in
 * one picture are two different people, so they never get the same label. As in the Open Model
 * Zoo face_recognition_demo, the assignment minimises the total cost 1 − similarity (similarity
 * against each identity's best sample), and a face whose assigned similarity is below the
 * threshold is reported Unknown afterwards.
 */
import { hungarian } from './hungarian';
import { EmbeddingMatrix } from './matrix';
import { topK } from './topk';

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

/**
 * Only each face's F best identities (F = number of faces) can matter: in any assignment at most
 * F − 1 of them are taken by other faces, so a face placed elsewhere could move to a free one of
 * its F best at no higher cost. Restricting the columns to their union keeps the assignment
 * optimal while the cost matrix stays F × (at most F²) instead of F × gallery size.
 */
export function matchFrame(matrix: EmbeddingMatrix, unitQueries: Float32Array[], threshold: number): FrameMatch[] {
  const faces = unitQueries.length;
  if (faces === 0) return [];
  const perFace: Float32Array[] = [];
  const columns: number[] = [];
  const columnOf = new Map<number, number>();
  for (const query of unitQueries) {
    const scores = matrix.identityScores(query).slice(); // the matrix reuses its buffer
    perFace.push(scores);
    if (scores.length === 0) continue;
    for (const { index } of topK(scores, scores.length, Math.min(faces, scores.length))) {
      if (!columnOf.has(index)) {
        columnOf.set(index, columns.length);
        columns.push(index);
      }
    }
  }
  if (columns.length === 0) return unitQueries.map(() => ({ label: UNKNOWN, similarity: 0 }));
  const cost = new Float64Array(faces * columns.length);
  for (let f = 0; f < faces; f++) {
    for (let c = 0; c < columns.length; c++) cost[f * columns.length + c] = 1 - perFace[f][columns[c]];
  }
  const assigned = hungarian(cost, faces, columns.length);
  return Array.from(assigned, (c, f) => {
    if (c < 0) return { label: UNKNOWN, similarity: 0 };
    const identity = columns[c];
    const similarity = perFace[f][identity];
    return { label: similarity >= threshold ? matrix.labelOf(identity) : UNKNOWN, similarity };
  });
}
