/**
 * Minimum-cost assignment (Kuhn–Munkres, the shortest-augmenting-path form with row and column
 * potentials): O(n²·m) for n rows and m columns, n <= m. A wider-than-tall matrix is solved as
 * is; a taller one is solved transposed, so every row or every column is assigned, whichever is
 * fewer.
 */

/**
 * `cost` is row-major, `rows × cols`. Returns, for each row, its column or -1 when the row is
 * left out (only possible when rows > cols).
 */
export function hungarian(cost: ArrayLike<number>, rows: number, cols: number): Int32Array {
  if (cost.length !== rows * cols) throw new RangeError(`cost has ${cost.length} entries, expected ${rows} × ${cols}`);
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i])) throw new RangeError(`cost[${i}] is not finite`);
  }
  if (rows <= cols) return solveWide(cost, rows, cols);
  const transposed = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) transposed[c * rows + r] = cost[r * cols + c];
  const colToRow = solveWide(transposed, cols, rows);
  const rowToCol = new Int32Array(rows).fill(-1);
  colToRow.forEach((r, c) => {
    rowToCol[r] = c;
  });
  return rowToCol;
}

/** n <= m. Arrays are 1-based with index 0 as the virtual start column, as in the textbook form. */
function solveWide(a: ArrayLike<number>, n: number, m: number): Int32Array {
  const u = new Float64Array(n + 1); // row potentials
  const v = new Float64Array(m + 1); // column potentials
  const p = new Int32Array(m + 1); // p[j]: row matched to column j (0 = free)
  const way = new Int32Array(m + 1); // previous column on the alternating path
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    // Grow a tree of tight edges from row i until it reaches a free column, raising potentials
    // by the smallest reduced cost each time no tight edge leaves the tree (Dijkstra on reduced costs).
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      const rowBase = (i0 - 1) * m - 1;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = a[rowBase + j] - u[i0] - v[j];
        if (reduced < minv[j]) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    // Flip the alternating path back to the start.
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Int32Array(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j] !== 0) rowToCol[p[j] - 1] = j - 1;
  return rowToCol;
}
