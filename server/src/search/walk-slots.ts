/**
 * How many walks of stored logs run at once across a service (`TaskEndsWalk`: each holds a Y.Doc
 * of every document of its operation while it walks), the others waiting their turn in the order
 * they asked. At start-up every active operation asks at once: they walk a few at a time.
 */
export class WalkSlots {
  private running = 0;
  /** The turns asked for and not given yet, oldest first. */
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new Error(`walk slots: at least one, not ${size}`);
  }

  /**
   * A slot, once one is free and every walk that asked earlier has had one: resolves with its
   * release (call it once the walk no longer holds its documents; again is harmless). Rejects with
   * the signal's reason once `signal` is aborted before the turn came: the turn is given up.
   */
  take(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const abort = () => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason as Error);
      };
      const grant = () => {
        signal?.removeEventListener('abort', abort);
        this.running++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.running--;
          this.next();
        });
      };
      if (this.running < this.size && !this.waiting.length) return grant();
      this.waiting.push(grant);
      signal?.addEventListener('abort', abort, { once: true });
    });
  }

  private next(): void {
    while (this.running < this.size && this.waiting.length) this.waiting.shift()!();
  }
}
