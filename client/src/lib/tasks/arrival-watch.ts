/**
 * Decides when a task "arrives" for the new-task sound: an id that was not in my inbox before and
 * that I have not read. What the documents held when they first synced is not new, and neither is
 * what reaches the inbox within `settleMs` after that (the rest of the first sync, read from other
 * documents a frame later).
 */
export class ArrivalWatch {
  private known: Set<string> | null = null;
  private settleUntil = 0;

  constructor(private readonly settleMs = 1500) {}

  /**
   * Look at the inbox (ids of tasks not raised by me). Returns true when at least one task
   * arrived. `online`: every document has synced with the server; `now` in milliseconds.
   */
  observe(ids: Iterable<string>, online: boolean, now: number, read: ReadonlySet<string>): boolean {
    if (this.known === null) {
      if (!online) return false;
      this.known = new Set(ids);
      this.settleUntil = now + this.settleMs;
      return false;
    }
    const settling = now < this.settleUntil;
    let arrived = false;
    for (const id of ids) {
      if (this.known.has(id)) continue;
      this.known.add(id);
      if (!settling && !read.has(id)) arrived = true;
    }
    return arrived;
  }
}
