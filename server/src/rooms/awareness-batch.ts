import * as encoding from 'lib0/encoding';
import type * as awarenessProtocol from 'y-protocols/awareness';
import { encodeAwareness } from './sync-messages.ts';

/** A change waiting for the next tick: the state (null: removed) and clock it was made with. */
interface PendingChange<M> {
  clock: number;
  state: unknown;
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
 */
export class AwarenessBatch<M extends object> {
  private pending = new Map<number, PendingChange<M>>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly members: () => Iterable<M & { send(data: Uint8Array): void }>,
    private readonly tickMs: number,
  ) {}

  /** Record the changed ids (their states already applied to the awareness). */
  add(changed: readonly number[], removed: readonly number[], origin: M | null): void {
    if (this.stopped) return;
    const removedSet = removed.length ? new Set(removed) : null;
    for (const id of changed) {
      const isRemoval = removedSet?.has(id) ?? false;
      const before = this.pending.get(id);
      // Only states merge: a removal is never merged with (nor overtaken by) a state of the same id.
      if (before && (before.state === null || isRemoval)) this.flush();
      const prior = this.pending.get(id);
      const clock = this.awareness.meta.get(id)?.clock ?? 0;
      const state = isRemoval ? null : (this.awareness.states.get(id) ?? null);
      this.pending.set(id, { clock, state, origin: prior && prior.origin !== origin ? null : origin });
    }
    if (this.tickMs === 0) return this.flush();
    if (!this.timer && this.pending.size) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.tickMs);
      this.timer.unref();
    }
  }

  /** Send everything waiting now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    const entries: { id: number; bytes: Uint8Array; origin: M | null }[] = [];
    for (const [id, change] of pending) {
      // Encoded once per tick for every recipient (each state is a new object: held, not copied).
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, id);
      encoding.writeVarUint(e, change.clock);
      encoding.writeVarString(e, change.state === null ? 'null' : JSON.stringify(change.state));
      entries.push({ id, bytes: encoding.toUint8Array(e), origin: change.origin });
    }
    if (entries.length === 0) return;
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
    this.timer = null;
    this.pending.clear();
  }

  /** Changes waiting for the tick (tests). */
  get waiting(): number {
    return this.pending.size;
  }
}

/** An awareness message of pre-encoded `[clientId, clock, state]` entries. */
function message(entries: readonly { bytes: Uint8Array }[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const entry of entries) encoding.writeUint8Array(e, entry.bytes);
  return encodeAwareness(encoding.toUint8Array(e));
}
