import { createSubscriber } from 'svelte/reactivity';
import {
  DEFAULT_FRESHNESS,
  unitFreshness,
  unitKeyOf,
  type Freshness,
  type FreshnessThresholds,
  type ServerToClientEvents,
  type UnitPosition,
} from '@jointmap/shared';
import type { LiveChange, LiveState } from '../live/live-positions.svelte.ts';
import { TrailBuffer, type TrailPoint } from '../live/trail-buffer.ts';

/**
 * Unit positions at the replayed moment, in the shape the map layers and boards read from the live
 * channel (`LivePositions`): newest fix per unit at or before the moment, freshness graded against
 * the moment (not the wall clock), and a trail of the last minutes while playing forwards.
 * Nothing here opens a socket; the replay page sets the positions.
 */
export class ReplayPositions {
  readonly latest = new Map<string, UnitPosition>();
  trails = new TrailBuffer();
  thresholds: FreshnessThresholds = DEFAULT_FRESHNESS;
  readonly state: LiveState = 'online';
  readonly error = null;
  /** The replayed moment (epoch ms): the clock freshness is graded on. */
  at = 0;
  private readonly freshness = new Map<string, Freshness>();
  private readonly listeners = new Set<(change: LiveChange) => void>();
  private readonly events = new Map<string, Set<(msg: unknown) => void>>();
  private readonly subscribe: () => void;
  private tick: (() => void) | null = null;
  private uiVersion = 0;
  private readonly subscribeFresh: () => void;
  private freshTick: (() => void) | null = null;
  private freshVersion = 0;

  constructor(readonly operationId: string) {
    this.subscribe = createSubscriber((update) => {
      this.tick = update;
      return () => (this.tick = null);
    });
    this.subscribeFresh = createSubscriber((update) => {
      this.freshTick = update;
      return () => (this.freshTick = null);
    });
  }

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
    const next = new Map<string, UnitPosition>();
    let freshChanged = false;
    for (const p of positions) {
      const key = unitKeyOf(p);
      next.set(key, p);
      const old = this.latest.get(key);
      const fresh = unitFreshness(p.time, at, this.thresholds);
      if (this.freshness.get(key) !== fresh) freshChanged = true;
      if (old && old.time === p.time && old.deviceId === p.deviceId && this.freshness.get(key) === fresh)
        changed.delete(key);
      else changed.add(key);
      this.freshness.set(key, fresh);
      this.trails.add(key, p.lngLat[0], p.lngLat[1], p.time);
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
    this.uiVersion++;
    this.tick?.();
    if (freshChanged || change === 'all') {
      this.freshVersion++;
      this.freshTick?.();
    }
  }

  now(): number {
    return this.at;
  }

  get version(): number {
    this.subscribe();
    return this.uiVersion;
  }

  /** Changes only when some unit's grade (or the set of units) changed: lists read this, not {@link version}. */
  get freshnessVersion(): number {
    this.subscribeFresh();
    return this.freshVersion;
  }

  get connection(): LiveState {
    return 'online';
  }

  get signedOut(): boolean {
    return false;
  }

  positionOf(key: string): UnitPosition | undefined {
    return this.latest.get(key);
  }

  freshnessOf(key: string): Freshness {
    return this.freshness.get(key) ?? 'lost';
  }

  trailOf(key: string): readonly TrailPoint[] {
    return this.trails.get(key);
  }

  onChange(fn: (change: LiveChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
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
