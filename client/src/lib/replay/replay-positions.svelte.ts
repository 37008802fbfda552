import {
  offerNewest,
  unitFreshness,
  type FreshnessThresholds,
  type ServerToClientEvents,
  type UnitPosition,
} from '@jointmap/shared';
import { PositionBoard, type LiveChange, type LiveState } from '../live/position-board.svelte.ts';
import { TrailBuffer } from '../live/trail-buffer.ts';

/**
 * Unit positions at the replayed moment, in the shape the map layers and boards read from the live
 * channel (`LivePositions`): newest fix per unit at or before the moment, freshness graded against
 * the moment (not the wall clock), and a trail of the last minutes while playing forwards.
 * Nothing here opens a socket; the replay page sets the positions.
 */
export class ReplayPositions extends PositionBoard {
  readonly state: LiveState = 'online';
  readonly error = null;
  /** The replayed moment (epoch ms): the clock freshness is graded on. */
  at = 0;
  private readonly events = new Map<string, Set<(msg: unknown) => void>>();

  /**
   * The positions at moment `at`. Moving forwards by less than a trail's window extends the trails;
   * any other move starts them again from the moment.
   */
  set(at: number, positions: readonly UnitPosition[], thresholds?: FreshnessThresholds): void {
    if (thresholds) this.thresholds = thresholds;
    const forwards = at >= this.at && at - this.at < 15 * 60_000;
    if (!forwards) this.trails = new TrailBuffer();
    this.at = at;
    // Only the units whose fix or freshness changed are redrawn (most keep theirs between moments).
    const changed = new Set<string>(this.latest.keys());
    // The newest fix per unit by compareFixes, whatever the answer's order (as live: `mergeNewest`).
    const next = new Map<string, UnitPosition>();
    for (const p of positions) offerNewest(next, p);
    let freshChanged = false;
    for (const [key, p] of next) {
      const old = this.latest.get(key);
      const fresh = unitFreshness(p.time, at, this.thresholds);
      if (this.freshness.get(key) !== fresh) freshChanged = true;
      if (old && old.time === p.time && old.deviceId === p.deviceId && this.freshness.get(key) === fresh)
        changed.delete(key);
      else changed.add(key);
      this.freshness.set(key, fresh);
      this.trails.add(key, p.lngLat[0], p.lngLat[1], p.time, p.deviceId);
    }
    for (const key of this.latest.keys())
      if (!next.has(key)) {
        this.freshness.delete(key);
        freshChanged = true;
      }
    this.latest.clear();
    for (const [key, p] of next) this.latest.set(key, p);
    this.trails.pruneAll(at);
    // A jump starts the trails again: every unit's trail is redrawn.
    const change: LiveChange = forwards ? changed : 'all';
    if (change !== 'all' && changed.size === 0) return;
    for (const fn of this.listeners) fn(change);
    this.bumpVersions(freshChanged || change === 'all');
  }

  now(): number {
    return this.at;
  }

  get connection(): LiveState {
    return 'online';
  }

  get signedOut(): boolean {
    return false;
  }

  /**
   * Other live events, as the live channel offers them: during a replay only what the page passes
   * to {@link emit} arrives (the coverage at the moment); nothing comes from a socket.
   */
  listen<E extends keyof ServerToClientEvents>(event: E, fn: ServerToClientEvents[E]): () => void {
    let set = this.events.get(event);
    if (!set) this.events.set(event, (set = new Set()));
    set.add(fn as (msg: unknown) => void);
    return () => void set.delete(fn as (msg: unknown) => void);
  }

  /** Hand a message of the moment to the listeners of `event`. */
  emit<E extends keyof ServerToClientEvents>(event: E, msg: Parameters<ServerToClientEvents[E]>[0]): void {
    for (const fn of this.events.get(event) ?? []) fn(msg);
  }

  setToken(): void {}

  destroy(): void {
    this.listeners.clear();
    this.events.clear();
  }
}
