import * as encoding from 'lib0/encoding';
import type * as awarenessProtocol from 'y-protocols/awareness';
import { encodeAwareness } from './sync-messages.ts';

/** Renewals go out on whole steps (ms): at most one renewal message per recipient a step. */
export const RENEWAL_STEP_MS = 1000;

/** A change waiting for the next tick: the state (null: removed) and clock it was made with. */
interface PendingChange<M> {
  clock: number;
  /** The state as JSON (`'null'`: removed). */
  json: string;
  /** The member whose message made the change (it is not sent its own change back); null: none or several. */
  origin: M | null;
}

/**
 * Presence changes of one room gathered over a short tick and sent as one awareness update per
 * recipient, holding the latest state of every client id that changed (y-protocols' update format
 * carries many states). Stock clients apply it exactly as the separate updates:
 *
 * - a state is sent with its newest clock, so older states of the same id in the tick change nothing;
 * - a removal keeps the clock it was made with and is never merged: a removal of an id whose state
 *   is waiting, or a new state of an id whose removal is waiting, sends the waiting changes first
 *   (so a client sees join, leave and re-join in the order they happened);
 * - the member that made a change is not sent it back (as when every change went out at once).
 *
 * `tickMs` 0 sends every change at once.
 *
 * A renewal (a client announcing the state it already had with a new clock, which stock clients
 * do every 15 s so that others do not time it out after 30 s) changes nothing a client can see, so
 * it need not go out at once. Each waits a delay of its own within `renewalMs` (spread by client
 * id), rounded to one of the room's `RENEWAL_STEP_MS` steps, and goes out with every other
 * renewal due at that step. Clients that joined together, and so renew together, are relayed
 * spread over `renewalMs` in a few merged messages instead of a storm of n messages to each of n
 * clients within a second; clients that joined at different times, whose renewals trickle in (100
 * clients: about 7 a second), reach each recipient in one message a step, not one per renewal.
 * A change or removal of the same id supersedes a waiting renewal (its clock is newer). Stock
 * clients renew at most 18 s apart (their check runs every 3 s) and a renewal is held at most
 * `renewalMs` (≤ 10 s), so it reaches everyone within 28 s of the one before: before the 30-s
 * timeout.
 * `renewalMs` 0 sends renewals with the changes.
 */
export class AwarenessBatch<M extends object> {
  private pending = new Map<number, PendingChange<M>>();
  private timer: NodeJS.Timeout | null = null;
  /** Renewals waiting, with the time each is due (see the class comment). */
  private renewals = new Map<number, PendingChange<M> & { due: number }>();
  private renewalTimer: NodeJS.Timeout | null = null;
  /** When `renewalTimer` fires. */
  private renewalAt = 0;
  /**
   * This room's offset of the renewal steps within a step, so that the rooms of an instance do not
   * all send their renewals in the same millisecond.
   */
  private readonly phase = Math.floor(Math.random() * RENEWAL_STEP_MS);
  /** The state last sent for each id, as JSON: a state equal to it with a newer clock is a renewal. */
  private readonly sent = new Map<number, string>();
  private stopped = false;

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly members: () => Iterable<M & { send(data: Uint8Array): void }>,
    private readonly tickMs: number,
    private readonly renewalMs = 0,
  ) {}

  /**
   * Record the changed ids (their states already applied to the awareness). `jsonOf` may give a
   * state's JSON as it was applied (the stamped text the room already has), saving a
   * `JSON.stringify` per change on the presence hot path.
   */
  add(
    changed: readonly number[],
    removed: readonly number[],
    origin: M | null,
    jsonOf?: (id: number) => string | undefined,
  ): void {
    if (this.stopped) return;
    const removedSet = removed.length ? new Set(removed) : null;
    let earliestRenewal = Infinity;
    for (const id of changed) {
      const isRemoval = removedSet?.has(id) ?? false;
      const clock = this.awareness.meta.get(id)?.clock ?? 0;
      const json = isRemoval ? 'null' : (jsonOf?.(id) ?? JSON.stringify(this.awareness.states.get(id) ?? null));
      if (!isRemoval && this.renewalMs > 0 && json === this.sent.get(id) && !this.pending.has(id)) {
        const prior = this.renewals.get(id);
        // The same delay for an id every time (its renewals stay about 15 s apart), spread over the window.
        const due = prior?.due ?? this.renewalDue(id);
        this.renewals.set(id, { clock, json, due, origin: prior && prior.origin !== origin ? null : origin });
        earliestRenewal = Math.min(earliestRenewal, due);
        continue;
      }
      // A change or removal is newer than a renewal of the same id still waiting.
      this.renewals.delete(id);
      const before = this.pending.get(id);
      // Only states merge: a removal is never merged with (nor overtaken by) a state of the same id.
      if (before && (before.json === 'null' || isRemoval)) this.flush();
      const prior = this.pending.get(id);
      this.pending.set(id, { clock, json, origin: prior && prior.origin !== origin ? null : origin });
    }
    if (earliestRenewal < Infinity) this.armRenewals(earliestRenewal);
    if (this.tickMs === 0) return this.flush();
    if (!this.timer && this.pending.size) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.tickMs);
      this.timer.unref();
    }
  }

  /** Send every change waiting now (renewals keep waiting for theirs). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    this.send(pending);
  }

  /** Send every waiting renewal now. */
  flushRenewals(): void {
    if (this.renewalTimer) clearTimeout(this.renewalTimer);
    this.renewalTimer = null;
    this.sendDueRenewals(Infinity);
  }

  /**
   * One timer, for the earliest waiting renewal (`at`; by default found among all of them): it
   * sends every renewal due at that step. Not a timer ticking every step: a room of ten clients has
   * under one renewal a second, and a four-times-a-second tick was most of its wake-ups at rest.
   * A timer that fires early (its renewal was superseded by a change) sends nothing and re-arms.
   */
  private armRenewals(at = this.earliestRenewal()): void {
    if (at === Infinity) return;
    if (this.renewalTimer) {
      if (at >= this.renewalAt) return;
      clearTimeout(this.renewalTimer);
    }
    this.renewalAt = at;
    this.renewalTimer = setTimeout(
      () => {
        this.renewalTimer = null;
        // Late (a busy event loop): the steps due meanwhile go out as one message too.
        this.sendDueRenewals(Math.max(at, Date.now()));
        this.armRenewals();
      },
      Math.max(0, at - Date.now()),
    );
    this.renewalTimer.unref();
  }

  private earliestRenewal(): number {
    let at = Infinity;
    for (const renewal of this.renewals.values()) at = Math.min(at, renewal.due);
    return at;
  }

  /**
   * When a renewal of `id` arriving now goes out. Each id has a delay of its own within the window
   * (the same every time, so its renewals stay about 15 s apart while the ids spread over the
   * window). The renewal goes out at the first of this room's steps that is at least that delay
   * minus one step from now: rounding up to a step adds less than a step, so none is held longer
   * than the window, and every renewal due in a step shares one time, one timer and one message.
   */
  private renewalDue(id: number): number {
    const step = Math.min(RENEWAL_STEP_MS, this.renewalMs);
    const delay = (Math.imul(id, 2654435761) >>> 0) % this.renewalMs;
    // At least 1 ms: a renewal arriving in the very millisecond its step was sent waits for the next.
    const earliest = Date.now() + Math.max(1, delay - step + 1) - this.phase;
    return Math.ceil(earliest / step) * step + this.phase;
  }

  /** Send the renewals due by `until` (one message per recipient). */
  private sendDueRenewals(until: number): void {
    const due = new Map<number, PendingChange<M>>();
    for (const [id, renewal] of this.renewals) {
      if (renewal.due > until) continue;
      due.set(id, renewal);
      this.renewals.delete(id);
    }
    if (due.size) this.send(due);
  }

  private send(changes: Map<number, PendingChange<M>>): void {
    const entries: { id: number; bytes: Uint8Array; origin: M | null }[] = [];
    for (const [id, change] of changes) {
      // Encoded once per tick for every recipient.
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, id);
      encoding.writeVarUint(e, change.clock);
      encoding.writeVarString(e, change.json);
      entries.push({ id, bytes: encoding.toUint8Array(e), origin: change.origin });
      if (change.json === 'null') this.sent.delete(id);
      else this.sent.set(id, change.json);
    }
    const origins = new Set<M>();
    for (const entry of entries) if (entry.origin) origins.add(entry.origin);
    const common = message(entries);
    for (const m of this.members()) {
      if (!origins.has(m)) {
        m.send(common);
        continue;
      }
      const others = entries.filter((entry) => entry.origin !== m);
      if (others.length) m.send(message(others));
    }
  }

  /** Drop what is waiting and send nothing more (the room failed or closed). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.renewalTimer) clearTimeout(this.renewalTimer);
    this.timer = null;
    this.renewalTimer = null;
    this.pending.clear();
    this.renewals.clear();
    this.sent.clear();
  }

  /** Changes waiting for the tick (tests). */
  get waiting(): number {
    return this.pending.size;
  }

  /** Renewals waiting for theirs (tests). */
  get waitingRenewals(): number {
    return this.renewals.size;
  }
}

/** An awareness message of pre-encoded `[clientId, clock, state]` entries. */
function message(entries: readonly { bytes: Uint8Array }[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const entry of entries) encoding.writeUint8Array(e, entry.bytes);
  return encodeAwareness(encoding.toUint8Array(e));
}
