/**
 * Turns for the shared pipeline. Each camera processes its frames in order, one at a time (a
 * tracker needs them in order), so at most one frame per camera waits here; serving the waiting
 * frames first come, first served with a fixed number in flight is then round-robin between
 * cameras: none can take two turns while another waits.
 */
export class FairScheduler {
  readonly #slots: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(slots: number) {
    this.#slots = slots;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.#slots) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#busy++;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot overtake it.
      if (next) next();
      else this.#busy--;
    }
  }
}
