import type { UnitPosition } from '@jointmap/shared';

/**
 * When an operation's fixes are judged. While the operation loads (its rules read, its recent
 * tracks replayed), and while a committed change of its rules or rosters is read again, fixes wait
 * here; once nothing is left to wait for, they are handed to `judge` in the order they came, to be
 * judged as a replay after a restart judges them: by a rule only if they came in after it stood.
 * Judged at once, a fix that came in after a zone was stored but before the engine had read it
 * would meet the rules of before, while a restart judges it by the zone (a second `zone_enter`).
 */
export class FixGate<T = UnitPosition> {
  /** Fixes that came in while the operation loaded; null once it has. */
  private loading: T[] | null = [];
  /** Re-reads running. */
  private holds = 0;
  private held: T[] = [];

  constructor(private readonly judge: (pos: T) => void) {}

  /** The operation has not finished loading. */
  get isLoading(): boolean {
    return this.loading !== null;
  }

  /** Something is being read: a fix now would wait. */
  get isClosed(): boolean {
    return this.loading !== null || this.holds > 0;
  }

  /** Keep the fix if something is being read (true); false: judge it now. */
  offer(pos: T): boolean {
    if (this.loading) this.loading.push(pos);
    else if (this.holds) this.held.push(pos);
    else return false;
    return true;
  }

  /** The load is over (done or failed): what waited for it is judged, unless a re-read still runs. */
  loaded(): void {
    const waited = this.loading ?? [];
    this.loading = null;
    // Not `unshift(...waited)`: a long load may hold more fixes than a call takes arguments.
    this.held = waited.concat(this.held);
    if (this.holds === 0) this.flush();
  }

  /** A re-read starts: fixes wait until the function returned is called (once) and no other runs. */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0 && this.loading === null) this.flush();
    };
  }

  private flush(): void {
    const held = this.held;
    this.held = [];
    for (const pos of held) this.judge(pos);
  }
}
