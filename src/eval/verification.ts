/**
 * The standard LFW verification protocol on scored pairs: in each fold the similarity
 * threshold that maximises accuracy on the other folds is applied to the held fold.
 */

export interface ScoredPair {
  similarity: number;
  same: boolean;
  fold: number;
}

export interface FoldResult {
  fold: number;
  threshold: number;
  accuracy: number;
}

export interface VerificationReport {
  folds: FoldResult[];
  accuracyMean: number;
  accuracyStd: number;
  thresholdMean: number;
  auc: number;
}

/** The threshold (midpoint between neighbouring scores) with the best accuracy on `pairs`. */
export function bestThreshold(pairs: readonly ScoredPair[]): number {
  const sorted = pairs.slice().sort((p, q) => p.similarity - q.similarity);
  // With the threshold below every score all pairs are called "same": the correct ones are the positives.
  let correct = sorted.filter((p) => p.same).length;
  let best = correct;
  let bestAt = sorted.length ? sorted[0].similarity - 1e-6 : 0;
  for (let i = 0; i < sorted.length; i++) {
    // Moving the threshold above sorted[i] turns it into "different".
    correct += sorted[i].same ? -1 : 1;
    const next = i + 1 < sorted.length ? sorted[i + 1].similarity : sorted[i].similarity + 1e-6;
    if (next === sorted[i].similarity) continue; // ties move together
    if (correct > best) {
      best = correct;
      bestAt = (sorted[i].similarity + next) / 2;
    }
  }
  return bestAt;
}

export function accuracyAt(pairs: readonly ScoredPair[], threshold: number): number {
  let correct = 0;
  for (const p of pairs) if ((p.similarity >= threshold) === p.same) correct++;
  return pairs.length ? correct / pairs.length : 0;
}

/** Points of the ROC curve (false positive rate, true positive rate), threshold descending. */
export function rocCurve(pairs: readonly ScoredPair[]): { fpr: number; tpr: number }[] {
  const sorted = pairs.slice().sort((p, q) => q.similarity - p.similarity);
  const positives = sorted.filter((p) => p.same).length;
  const negatives = sorted.length - positives;
  const points = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].same) tp++;
    else fp++;
    if (i + 1 < sorted.length && sorted[i + 1].similarity === sorted[i].similarity) continue;
    points.push({ fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0 });
  }
  return points;
}

export function areaUnder(points: readonly { fpr: number; tpr: number }[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) area += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  return area;
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Population standard deviation over folds, as LFW results are usually reported. */
function std(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length);
}

export function crossValidate(pairs: readonly ScoredPair[], folds: number): VerificationReport {
  const results: FoldResult[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const held = pairs.filter((p) => p.fold === fold);
    const threshold = bestThreshold(pairs.filter((p) => p.fold !== fold));
    results.push({ fold: fold + 1, threshold, accuracy: accuracyAt(held, threshold) });
  }
  const accuracies = results.map((r) => r.accuracy);
  return {
    folds: results,
    accuracyMean: mean(accuracies),
    accuracyStd: std(accuracies),
    thresholdMean: mean(results.map((r) => r.threshold)),
    auc: areaUnder(rocCurve(pairs)),
  };
}
