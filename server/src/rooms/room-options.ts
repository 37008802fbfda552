import type { ErrorCode, NamedDoc } from '@jointmap/shared';
import type { RoomSession } from './room-connection.ts';
import type { DocRelay } from './relay-port.ts';

/** What a room reports to the rest of the server, and how it is configured. */
export interface RoomHooks {
  /** An inbound message was refused (forbidden, invalid); the session has been told. */
  onRejected?(room: string, session: RoomSession, code: ErrorCode, detail: string): void;
  /** An update was made durable and relayed; `roots`: the top-level maps it changed. */
  onCommitted?(room: NamedDoc, bytes: number, recipients: number, roots: ReadonlySet<string>): void;
  /** A snapshot was stored: `state` is the document with every update through `seq` and nothing after. */
  onSnapshot?(room: string, seq: number, state: Uint8Array): void;
  /** Storage failed; the room closed its connections and must be reloaded. */
  onFailed?(room: string, error: unknown): void;
  /** Updates another instance made durable were applied (`roots`: the top-level maps they changed). */
  onRelayed?(room: NamedDoc, roots: ReadonlySet<string>): void;
}

/** Whether a commit that changed `roots` may have changed one of `maps` (unknown roots: it may). */
export function touchesAny(roots: ReadonlySet<string> | undefined, maps: readonly string[]): boolean {
  return !roots || maps.some((m) => roots.has(m));
}

export interface RoomOptions {
  snapshotEvery: number;
  /**
   * Presence changes are gathered this long (ms) and sent as one message per connection (setting
   * `AWARENESS_TICK_MS`); unset or 0: each change at once.
   */
  awarenessTickMs?: number;
  /** Presence renewals are gathered this long (ms; setting `AWARENESS_RENEWAL_MS`); unset or 0: with the changes. */
  awarenessRenewalMs?: number;
  /**
   * Updates are appended together over this tick (ms; group commit, setting `SYNC_COMMIT_TICK_MS`);
   * unset or 0: those applied in the same event-loop turn.
   */
  commitTickMs?: number;
  hooks?: RoomHooks;
  /** Relay to the other instances (several instances on one PostgreSQL); unset: one instance. */
  relay?: DocRelay;
}
