/**
 * Which local edits of one document the server has confirmed. Pure bookkeeping, no timers: the
 * confirmation is the server's answer, never elapsed time.
 *
 * The y-websocket protocol has no acknowledgement, but the server handles one connection's
 * messages in order and answers every sync step 1 with exactly one sync step 2, after it has
 * applied and stored everything that connection sent before (the room's serial queue). So a step 1
 * sent once every local edit has gone out on the socket is a probe: its answer confirms them all.
 *
 * The caller reports, in socket order: {@link connected} (the provider's own step 1 goes out on
 * open, before any local edit made offline has been sent), {@link serverAsked} (the server's
 * step 1 arrived; the provider's answer carries everything we have), {@link probe} (our step 1,
 * sent later), {@link answered} (a step 2 from the server) and {@link disconnected}.
 *
 * An answer is not always an acceptance: a connection admitted read-only (the operation was closed
 * while we were offline) has every change refused, and the server says so (`FORBIDDEN`, reported
 * with {@link forbidden}) before it answers the next step 1. The edits such an answer settles are
 * counted as {@link refused}, never as confirmed.
 */
export class EditLedger {
  /** Sequence numbers of local edits not yet confirmed, oldest first. */
  private unconfirmed: number[] = [];
  private seq = 0;
  /**
   * Step 1s in flight on this connection, oldest first: the newest edit each one confirms, and the
   * restored edits it cannot confirm (held when it was sent), or null when it confirms nothing.
   */
  private probes: Array<{ upTo: number; held: number } | null> = [];
  /** Restored edits (sequence numbers 1 … held) not yet out on the link: no answer confirms them. */
  private held: number;
  private everythingSent = false;
  /** The server refused a change on this connection: its access does not change until it closes. */
  private refusing = false;
  private refusedCount: number;

  /**
   * @param restored unconfirmed edits left from an earlier page (kept only as a count).
   * @param refused edits refused earlier and not yet acknowledged by the user (a count).
   * @param holdRestored the restored edits are in a stored copy not loaded yet: they go out only
   *   once it has loaded ({@link restoredOut}), so no answer before then confirms them.
   */
  constructor(restored = 0, refused = 0, holdRestored = false) {
    for (let i = 0; i < restored; i++) this.unconfirmed.push(++this.seq);
    this.refusedCount = refused;
    this.held = holdRestored ? restored : 0;
  }

  /** The stored copy has loaded (its edits went out with the document), or never will. */
  restoredOut(): void {
    this.held = 0;
  }

  /** Local edits the server answered but refused, until the user acknowledges them ({@link clearRefused}). */
  get refused(): number {
    return this.refusedCount;
  }

  /** Local edits not yet confirmed by the server. */
  get pending(): number {
    return this.unconfirmed.length;
  }

  /** True when a probe now would confirm something: edits wait and they have all been sent. */
  get wantsProbe(): boolean {
    const newest = this.unconfirmed[this.unconfirmed.length - 1];
    if (!this.everythingSent || newest === undefined || newest <= this.held) return false;
    return !this.probes.some((p) => p !== null && p.upTo >= newest && p.held < newest);
  }

  /** A local edit. While connected and synced it goes out on the socket at once (y-websocket). */
  edit(): void {
    this.unconfirmed.push(++this.seq);
  }

  /** The socket opened; the provider sends its own step 1 now, before anything made offline. */
  connected(): void {
    this.probes = [null];
    this.everythingSent = false;
    this.refusing = false;
  }

  /** The server asked for our state (its step 1) and the provider answered with everything we have. */
  serverAsked(): void {
    this.everythingSent = true;
  }

  /** We send a step 1 now; its answer confirms every edit so far if all of them have been sent. */
  probe(): void {
    this.probes.push(this.everythingSent ? { upTo: this.seq, held: this.held } : null);
  }

  /**
   * The server answered a step 1 (a step 2 arrived): the edits its probe covered are settled,
   * confirmed or (on a connection that refuses changes) refused. Returns true when a count changed.
   */
  answered(): boolean {
    if (this.probes.length === 0) return false; // not ours (never sent by this server): ignore
    const probe = this.probes.shift();
    if (!probe) return false;
    const before = this.unconfirmed.length;
    this.unconfirmed = this.unconfirmed.filter((s) => s > probe.upTo || s <= probe.held);
    const settled = before - this.unconfirmed.length;
    if (this.refusing) this.refusedCount += settled;
    return settled > 0;
  }

  /** The server refused a change sent on this connection (`FORBIDDEN`): every answer on it settles edits as refused. */
  forbidden(): void {
    this.refusing = true;
  }

  /** The user has seen the refused edits (and their local copy is being dropped). */
  clearRefused(): void {
    this.refusedCount = 0;
  }

  /** The socket closed: answers to what was in flight will never come; edits stay unconfirmed. */
  disconnected(): void {
    this.probes = [];
    this.everythingSent = false;
    this.refusing = false;
  }
}
