/** A timer counted as pending work until it fires or is cancelled. */
export interface PendingTimer {
  /** Stop it (it no longer counts as pending); harmless once it fired. */
  cancel(): void;
}

/**
 * The work a service has under way (promises, due timers), so a test or a shutdown can wait until
 * none is left.
 */
export class PendingWork {
  private readonly pending = new Set<Promise<unknown>>();

  /** Count `promise` as pending until it settles; returns it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = () => void this.pending.delete(promise);
    promise.then(done, done);
    return promise;
  }

  /** Run `fn` in `ms` (an unref'd timer), pending until it ran or was cancelled. */
  later(ms: number, fn: () => void): PendingTimer {
    let settle = () => {};
    void this.track(new Promise<void>((resolve) => (settle = resolve)));
    const handle = setTimeout(() => {
      try {
        fn();
      } finally {
        settle();
      }
    }, ms);
    handle.unref();
    return {
      cancel: () => {
        clearTimeout(handle);
        settle();
      },
    };
  }

  /** Resolves when nothing is pending, including work started by the work waited for. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}
