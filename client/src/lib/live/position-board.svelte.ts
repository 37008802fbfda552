import { createSubscriber } from 'svelte/reactivity';
import {
  DEFAULT_FRESHNESS,
  type Freshness,
  type FreshnessThresholds,
  type ServerToClientEvents,
  type UnitPosition,
} from '@jointmap/shared';
import { TrailBuffer, type TrailPoint } from './trail-buffer.ts';

/**
 * `connecting`: never connected yet; `reconnecting`: lost the link, trying again; `offline`: gave
 * up (the server refused this client as too old), or the server stayed unreachable or kept
 * refusing the handshake for `OFFLINE_AFTER_FAILURES` attempts (we keep trying, backing off);
 * `signedOut`: the token was refused, sign in again. A dead link is noticed by socket.io's heartbeat (the server's pingInterval +
 * pingTimeout, a few seconds; see server/src/plugins/socket-io.ts). A replay is always `online`.
 */
export type LiveState = 'connecting' | 'online' | 'reconnecting' | 'offline' | 'signedOut';
/** `'all'`: every unit may have changed (snapshot, thresholds); else the unit keys that did. */
export type LiveChange = ReadonlySet<string> | 'all';

/**
 * What the map layers and boards read of unit positions, live (`LivePositions`) or at a replayed
 * moment (`ReplayPositions`): the newest fix per unit, its freshness grade, a trail per unit, a raw
 * change feed for the layers and two versions for Svelte components. Every map is keyed by
 * `unitKey(stationId, unitId)`. The subclass fills the maps and says when to {@link bumpVersions}.
 */
export abstract class PositionBoard {
  readonly latest = new Map<string, UnitPosition>();
  trails = new TrailBuffer();
  thresholds: FreshnessThresholds = DEFAULT_FRESHNESS;
  protected readonly freshness = new Map<string, Freshness>();
  protected readonly listeners = new Set<(change: LiveChange) => void>();
  /** Told when trails only lost old points (no fix, no grade changed): the trail layer alone redraws. */
  protected readonly trailListeners = new Set<(units: ReadonlySet<string>) => void>();
  protected readonly subscribeUi: () => void;
  private readonly subscribeFresh: () => void;
  private uiTick: (() => void) | null = null;
  private freshTick: (() => void) | null = null;
  private uiVersion = 0;
  private freshVersion = 0;

  constructor(readonly operationId: string) {
    this.subscribeUi = createSubscriber((update) => {
      this.uiTick = update;
      return () => (this.uiTick = null);
    });
    this.subscribeFresh = createSubscriber((update) => {
      this.freshTick = update;
      return () => (this.freshTick = null);
    });
  }

  /** The clock freshness is graded on (epoch ms). */
  abstract now(): number;
  abstract get connection(): LiveState;
  /** The server refused our token: the session is over, sign in again. */
  abstract get signedOut(): boolean;
  /** Listen to another event of the live channel (e.g. search coverage); returns the function that stops. */
  abstract listen<E extends keyof ServerToClientEvents>(event: E, fn: ServerToClientEvents[E]): () => void;

  /** Changes whenever positions or freshness changed: read it to re-derive. */
  get version(): number {
    this.subscribeUi();
    return this.uiVersion;
  }

  /**
   * Changes only when some unit's freshness (or the set of units) changed: lists of many units
   * read this instead of {@link version}, which changes with every fix.
   */
  get freshnessVersion(): number {
    this.subscribeFresh();
    return this.freshVersion;
  }

  /** The newest fix of a unit; `key` is `unitKey(stationId, unitId)`. */
  positionOf(key: string): UnitPosition | undefined {
    return this.latest.get(key);
  }

  /** live / stale (grey) / lost; a unit with no fix at all is lost. */
  freshnessOf(key: string): Freshness {
    return this.freshness.get(key) ?? 'lost';
  }

  trailOf(key: string): readonly TrailPoint[] {
    return this.trails.get(key);
  }

  /** Raw change feed for map layers; returns the unsubscribe function. */
  onChange(fn: (change: LiveChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Units whose trails lost their oldest points with time, nothing else of them changed (the unit
   * layer has nothing to redo for them); returns the unsubscribe function.
   */
  onTrailsPruned(fn: (units: ReadonlySet<string>) => void): () => void {
    this.trailListeners.add(fn);
    return () => this.trailListeners.delete(fn);
  }

  /** Whether any component reads a version now (nothing to bump for otherwise). */
  protected get watched(): boolean {
    return this.uiTick !== null || this.freshTick !== null;
  }

  /** Tell the components that read {@link version} (and, with `fresh`, {@link freshnessVersion}). */
  protected bumpVersions(fresh: boolean): void {
    this.uiVersion++;
    this.uiTick?.();
    if (fresh) {
      this.freshVersion++;
      this.freshTick?.();
    }
  }
}
