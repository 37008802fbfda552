/**
 * Connections each session holds on this instance, up to a limit: one stolen or runaway token
 * cannot open sockets (each a room member, a heartbeat, a fan-out viewer) without bound.
 */
export class SessionSlots {
  private readonly held = new Map<string, number>();

  constructor(readonly max: number) {}

  /**
   * One more connection for the session: its release (safe to call more than once), or null
   * when the session holds `max` already.
   */
  take(sessionId: string): (() => void) | null {
    const n = this.held.get(sessionId) ?? 0;
    if (n >= this.max) return null;
    this.held.set(sessionId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(sessionId) ?? 1) - 1;
      if (left > 0) this.held.set(sessionId, left);
      else this.held.delete(sessionId);
    };
  }

  /** Connections the session holds now. */
  count(sessionId: string): number {
    return this.held.get(sessionId) ?? 0;
  }
}
