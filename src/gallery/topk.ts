/**
 * Partial top-k over a score array: one pass, a small sorted buffer of at most k entries, no
 * sort of the whole array (k is tiny next to the gallery size, so insertion into the buffer is
 * cheaper than a heap and allocation-free per element).
 */
export interface Ranked {
  index: number;
  score: number;
}

/** The k highest `scores[i] >= min`, best first (ties: lower index first). */
export function topK(scores: ArrayLike<number>, count: number, k: number, min = -Infinity): Ranked[] {
  if (!(k >= 1)) return [];
  const idx = new Int32Array(k);
  const val = new Float64Array(k);
  let size = 0;
  // `floor` is the score an entry must beat to get in: the k-th best so far once the buffer is full.
  let floor = min;
  for (let i = 0; i < count; i++) {
    const s = scores[i];
    if (!(s >= floor)) continue;
    if (size === k) {
      if (s <= val[k - 1]) continue;
      size--;
    }
    let j = size;
    while (j > 0 && val[j - 1] < s) {
      val[j] = val[j - 1];
      idx[j] = idx[j - 1];
      j--;
    }
    val[j] = s;
    idx[j] = i;
    size++;
    if (size === k) floor = Math.max(min, val[k - 1]);
  }
  const out: Ranked[] = [];
  for (let i = 0; i < size; i++) out.push({ index: idx[i], score: val[i] });
  return out;
}
