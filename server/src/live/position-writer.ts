import type { PositionFix, PositionStore } from '../storage/types.ts';

/**
 * Group commit for fixes: everything queued during one turn of the event loop is written in one
 * storage call (one SQLite transaction), so throughput grows with load instead of paying a commit
 * per request. `write` resolves once its fixes are durable.
 */
export class PositionWriter {
  private queue: Array<{ fixes: readonly PositionFix[]; resolve: () => void; reject: (err: unknown) => void }> = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly store: PositionStore,
    private readonly maxBatch = 5_000,
  ) {}

  write(fixes: readonly PositionFix[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('position writer closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ fixes, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.queue.length) {
      const batch: typeof this.queue = [];
      let n = 0;
      while (this.queue.length && n < this.maxBatch) {
        const item = this.queue.shift()!;
        batch.push(item);
        n += item.fixes.length;
      }
      try {
        await this.store.appendPositions(batch.length === 1 ? batch[0]!.fixes : batch.flatMap((b) => b.fixes));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
  }

  /** Finish what is queued, then refuse new writes. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
