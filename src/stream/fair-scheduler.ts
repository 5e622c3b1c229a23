/**
 * Turns for the shared pipeline, round-robin between cameras. A camera may have more than one
 * piece of work waiting (the detection of its next frame while the current frame is tracked), so
 * first come, first served would hand a camera that reads ahead more turns than one that does
 * not; instead each camera waits in its own queue and a free slot goes to the next camera in turn
 * that has work, oldest work first within a camera.
 */
export class FairScheduler {
  readonly #slots: number;
  #busy = 0;
  /** Waiting work per camera; a camera is in the map only while it has some. */
  readonly #waiting = new Map<string, (() => void)[]>();
  /** Cameras in the order they get their next turn. */
  #rotation: string[] = [];

  constructor(slots: number) {
    this.#slots = slots;
  }

  async run<T>(camera: string, work: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.#slots) await this.#wait(camera);
    else this.#busy++;
    try {
      return await work();
    } finally {
      const next = this.#nextWaiter();
      // The slot passes straight to the next waiter, so a newcomer cannot overtake it.
      if (next) next();
      else this.#busy--;
    }
  }

  #wait(camera: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const queue = this.#waiting.get(camera);
      if (queue) queue.push(resolve);
      else {
        this.#waiting.set(camera, [resolve]);
        this.#rotation.push(camera);
      }
    });
  }

  #nextWaiter(): (() => void) | undefined {
    const camera = this.#rotation.shift();
    if (camera === undefined) return undefined;
    const queue = this.#waiting.get(camera)!;
    const next = queue.shift()!;
    // Still waiting: back to the end of the line, behind every other camera.
    if (queue.length) this.#rotation.push(camera);
    else this.#waiting.delete(camera);
    return next;
  }
}
