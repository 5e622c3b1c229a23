/**
 * Values made on first use, one per key: a compiled model per batch size (BatchedModel) or per
 * detector input size (FaceDetector). Concurrent first uses share one promise; a failed make is
 * forgotten, so the next use tries again instead of inheriting the failure.
 */
export class CompileCache<K, V> {
  readonly #entries = new Map<K, Promise<V>>();

  get(key: K, make: () => Promise<V>): Promise<V> {
    const cached = this.#entries.get(key);
    if (cached) return cached;
    const made = make();
    this.#entries.set(key, made);
    made.catch(() => {
      if (this.#entries.get(key) === made) this.#entries.delete(key);
    });
    return made;
  }

  /** A value made elsewhere (at create time, say). */
  set(key: K, value: V): void {
    this.#entries.set(key, Promise.resolve(value));
  }

  /** Empties the cache once every make in flight has settled; returns the values that were made. */
  async settle(): Promise<V[]> {
    const settled = await Promise.allSettled(this.#entries.values());
    this.#entries.clear();
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }
}
