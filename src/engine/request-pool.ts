/**
 * A fixed set of slots (an InferRequest plus whatever input buffers it owns) handed out one
 * caller at a time. Callers beyond the pool's size wait in FIFO order, so N concurrent callers
 * keep every request busy without ever sharing one.
 */
import { FaceReidError } from '../errors';

export class RequestPool<Slot> {
  readonly #free: Slot[];
  readonly #waiting: ((slot: Slot) => void)[] = [];
  readonly #all: Slot[];
  #closed = false;

  constructor(slots: Slot[]) {
    if (slots.length === 0) throw new RangeError('A request pool needs at least one slot');
    this.#all = slots.slice();
    this.#free = slots.slice();
  }

  get size(): number {
    return this.#all.length;
  }

  /** Runs `work` with a slot of its own; the slot returns to the pool whatever happens. */
  async use<T>(work: (slot: Slot) => Promise<T> | T): Promise<T> {
    const slot = await this.#acquire();
    try {
      return await work(slot);
    } finally {
      this.#release(slot);
    }
  }

  /** Every slot, for closing them; the pool refuses work afterwards. */
  drain(): Slot[] {
    this.#closed = true;
    return this.#all.slice();
  }

  #acquire(): Promise<Slot> {
    if (this.#closed) return Promise.reject(new FaceReidError('The model was closed', 'CLOSED'));
    const slot = this.#free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(slot: Slot): void {
    const next = this.#waiting.shift();
    if (next) next(slot);
    else this.#free.push(slot);
  }
}
