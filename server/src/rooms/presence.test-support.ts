// Test support, not a test (vitest runs `*.test.ts` only) and imported by tests only, so the
// server bundle (built from `server.ts`) never holds it: the members, awareness updates and room
// presences the presence tests (presence limits, room presence, coalesced presence) share.
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { PresenceAllowance } from './presence-allowance.ts';
import { RoomPresence, type PresenceMember } from './room-presence.ts';

/** One state of an awareness update: `[clientId, clock, state]`, a null state removing the id. */
export type AwarenessEntry = [clientId: number, clock: number, state: object | null];

/** An awareness update as a client sends it: `[clientId, clock, state]` entries. */
export function awarenessUpdate(entries: AwarenessEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const [clientId, clock, state] of entries) {
    encoding.writeVarUint(e, clientId);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, JSON.stringify(state));
  }
  return encoding.toUint8Array(e);
}

export interface MemberOptions {
  /** 4 unless a test is about it. */
  maxClients?: number;
  /** Generous (16 KiB a state, 1 MiB a second) unless a test is about it. */
  allowance?: PresenceAllowance;
  /** A dispatcher of 德清 unless given otherwise. */
  user?: Partial<Pick<PresenceMember['user'], 'role' | 'stationId'>>;
}

/** A member called `id` whose presence messages go to `send`. */
export function presenceMember(
  id: string,
  send: (data: Uint8Array) => void,
  options: MemberOptions = {},
): PresenceMember {
  return {
    user: { id, name: id, role: 'dispatcher', stationId: 'deqing-yuyue', ...options.user },
    clients: new Set(),
    maxClients: options.maxClients ?? 4,
    allowance: options.allowance ?? new PresenceAllowance(16 * 1024, 1024 * 1024),
    send,
  };
}

/** A member that keeps the messages it is sent. */
export interface TestMember extends PresenceMember {
  received: Uint8Array[];
}

export function member(id: string, options: MemberOptions = {}): TestMember {
  const received: Uint8Array[] = [];
  return { ...presenceMember(id, (data) => received.push(data), options), received };
}

const made: Array<() => void> = [];

/** A room presence of `members` (on a document of its own), destroyed by `destroyPresences`. */
export function presenceOf<M extends PresenceMember>(members: M[], tickMs = 0, renewalMs = 0): RoomPresence<M> {
  const p = new RoomPresence<M>(new Y.Doc(), () => members, tickMs, renewalMs);
  made.push(() => p.destroy());
  return p;
}

/** Destroy the presences made since the last call (a test file's `afterEach`). */
export function destroyPresences(): void {
  for (const destroy of made.splice(0)) destroy();
}
