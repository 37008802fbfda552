import type { Registry } from 'prom-client';
import {
  AppError,
  compareFixes,
  isNewerFix,
  offerNewest,
  unitKeyOf,
  type FreshnessThresholds,
  type UnitPosition,
} from '@jointmap/shared';
import type { Device, PositionFix, Storage } from '../storage/types.ts';
import { ArrivalTimes } from './arrival-times.ts';
import { DeviceDirectory } from './device-directory.ts';
import { DropLog, type WarnLog } from './drop-log.ts';
import type { PositionFanout } from './fanout.ts';
import { isStored } from './fix-checks.ts';
import { liveMetrics } from './live-metrics.ts';
import { positionFix, positionlessReport, toUnitPosition } from './ingest-records.ts';
import { decodeOsmAnd, isHeartbeat, type FixLimits } from './osmand.ts';
import { PositionWriter } from './position-writer.ts';
import { isPositionless, LocalRelay, type PositionlessReport, type PositionRelay, type RelayedFix } from './relay.ts';
import { TokenBuckets, type RateBuckets } from './token-bucket.ts';
import { isStorageFull } from '../storage/storage-full.ts';

export interface LiveOptions {
  limits: FixLimits;
  /** Per device: fixes per second sustained, and the burst above it (each fix costs a token). */
  ratePerSecond: number;
  rateBurst: number;
  /**
   * Per client address: requests naming a device id that is not registered, per minute (also the
   * burst). Registered trackers are never charged, so they keep reporting from an address that
   * sprays random ids; default 30.
   */
  unknownPerMinute?: number;
  thresholds: FreshnessThresholds;
  /**
   * Where the buckets live (default: in memory). Several instances pass shared ones (Redis), so
   * spreading a tracker's requests over instances does not multiply its limit.
   */
  buckets?: (name: 'device' | 'unknown-address', ratePerSecond: number, burst: number) => RateBuckets;
  /** Where dropped fixes are warned about, once per device per few minutes (none: not logged). */
  log?: WarnLog;
}

export interface IngestInput {
  query: Record<string, string | string[] | undefined>;
  body: string | undefined;
  contentType: string | undefined;
  /** The client's address (the unknown-device limit is per address). */
  address: string;
}

export interface IngestResult {
  deviceId: string;
  unitId: string;
  /** Fixes in the request. */
  received: number;
  /** Fixes written to the track (those marked `valid=false` are not, nor those dropped but for an alarm). */
  stored: number;
  /** Fixes accepted but not stored because a value was out of range, by their place in the request. */
  dropped: { index: number; message: string }[];
}

/**
 * The position pipeline: decode → resolve device → rate limit → durable write (track + latest)
 * → relay → latest cache → per-operation fan-out. Owns no socket code; `PositionFanout` is
 * attached by the socket.io layer. One instance per app (no module state).
 */
export class LiveService {
  readonly devices: DeviceDirectory;
  private readonly buckets: RateBuckets;
  private readonly unknownByAddress: RateBuckets;
  /** Every registration loaded into the directory, once, before the first fix is resolved. */
  private preloaded: Promise<void> | null = null;
  private readonly writer: PositionWriter;
  /** Newest position per unit, keyed by `unitKey(stationId, unitId)`. */
  private readonly latest = new Map<string, UnitPosition>();
  private readonly unsubscribe: () => void;
  private fanout: PositionFanout | null = null;
  private readonly fixListeners = new Set<(pos: UnitPosition) => void>();
  private readonly positionlessListeners = new Set<(report: PositionlessReport) => void>();
  private readonly heartbeatWants = new Set<(report: PositionlessReport) => boolean>();
  private readonly deviceListeners = new Set<(device: Device | null) => void>();
  /** The catch-up running or last run (see {@link resync}). */
  private resyncs: Promise<void> = Promise.resolve();
  private readonly metrics;
  private readonly arrivals = new ArrivalTimes();
  private readonly dropLog: DropLog;

  constructor(
    private readonly storage: Storage,
    readonly options: LiveOptions,
    registry: Registry,
    private readonly relay: PositionRelay = new LocalRelay(),
    private readonly now: () => number = Date.now,
  ) {
    this.devices = new DeviceDirectory(storage, { negativeTtlMs: 5_000, maxUnknown: 10_000, now });
    const buckets = options.buckets ?? ((_name, rate, burst) => new TokenBuckets(rate, burst, now));
    this.buckets = buckets('device', options.ratePerSecond, options.rateBurst);
    const unknownPerMinute = options.unknownPerMinute ?? 30;
    this.unknownByAddress = buckets('unknown-address', unknownPerMinute / 60, unknownPerMinute);
    this.writer = new PositionWriter(storage);
    this.dropLog = new DropLog(options.log, now);
    const subscriptions = [
      relay.subscribe((pos) => this.onRelayed(pos)),
      relay.subscribeDevices((device) => {
        this.devices.set(device);
        for (const listener of this.deviceListeners) listener(device);
      }),
      relay.onResync(() => void this.resync()),
    ];
    this.unsubscribe = () => subscriptions.forEach((off) => off());
    this.metrics = liveMetrics(registry);
  }

  /**
   * Load the latest positions from storage (once, at start). The relay is subscribed before (in
   * the constructor), so a fix stored elsewhere meanwhile is either in the load or relayed; the
   * newest-fix rule makes the order of the two irrelevant.
   */
  async start(): Promise<void> {
    for (const fix of await this.storage.latestPositions()) this.offerLatest(toUnitPosition(fix));
  }

  /**
   * After a break of the relay: fixes stored and trackers registered by other instances meanwhile
   * were not relayed, so the registrations and latest positions are read again from storage; for each unit that moved on, the fixes missed
   * are read back from its track and given to the {@link onFix} listeners in order (the alert
   * engine must not take a unit reporting elsewhere for silent), and its newest is fanned out.
   */
  resync(): Promise<void> {
    // One at a time: two overlapping runs would both replay what neither had offered yet.
    const run = this.resyncs.then(() => this.resyncOnce());
    this.resyncs = run.catch(() => undefined);
    return run;
  }

  private async resyncOnce(): Promise<void> {
    let fixes: PositionFix[];
    try {
      // Registrations changed elsewhere meanwhile (a tracker moved to another unit) were not relayed either.
      await this.devices.reload();
      for (const listener of this.deviceListeners) listener(null);
      fixes = await this.storage.latestPositions();
    } catch {
      return; // storage down too: the next break-and-return of either tries again
    }
    for (const fix of fixes) {
      const pos = toUnitPosition(fix);
      const held = this.latest.get(unitKeyOf(pos));
      if (!isNewerFix(pos, held)) continue;
      if (this.fixListeners.size) await this.replayMissed(pos, held);
      if (this.offerLatest(pos)) this.fanout?.publish(pos);
    }
  }

  /** The stored fixes of `pos`'s unit after `held` up to `pos`, to the fix listeners, oldest first. */
  private async replayMissed(pos: UnitPosition, held: UnitPosition | undefined): Promise<void> {
    let missed: UnitPosition[] = [pos];
    try {
      const track = await this.storage.track(pos.stationId, pos.unitId, held?.time ?? pos.time, pos.time, REPLAY_LIMIT);
      missed = track.map(toUnitPosition).filter((p) => isNewerFix(p, held) && !isNewerFix(p, pos));
      // A track longer than the limit: at least the newest is given.
      if (!missed.some((p) => compareFixes(p, pos) === 0)) missed.push(pos);
    } catch {
      // storage failed between the two reads: the newest alone
    }
    for (const p of missed) for (const listener of this.fixListeners) listener(p);
  }

  /** A registration changed here: this instance and every other one resolve the device anew. */
  deviceChanged(device: Device): void {
    this.devices.set(device);
    this.relay.publishDevice(device);
  }

  /**
   * Call `listener` with every registration changed here or on another instance (a device moved
   * or released), and with null when all of them were read again (after a break of the relay).
   * Returns the unsubscribe function.
   */
  onDeviceChanged(listener: (device: Device | null) => void): () => void {
    this.deviceListeners.add(listener);
    return () => this.deviceListeners.delete(listener);
  }

  attachFanout(fanout: PositionFanout): void {
    this.fanout = fanout;
  }

  /** Handle one OsmAnd request. Throws AppError (coded) when refused; nothing is stored then. */
  async ingest(input: IngestInput): Promise<IngestResult> {
    try {
      return await this.ingestUnchecked(input);
    } catch (err) {
      this.metrics.refused.inc({ code: err instanceof AppError ? err.code : 'INTERNAL' });
      throw err;
    }
  }

  private async ingestUnchecked(input: IngestInput): Promise<IngestResult> {
    const receivedAt = this.now();
    const decoded = decodeOsmAnd(input, receivedAt, this.options.limits);
    if (!decoded.ok) throw new AppError(decoded.code, decoded.message);
    const deviceId = decoded.deviceId;
    const device = await this.resolveDevice(deviceId, input.address);
    if (!device.unitId) throw new AppError('FORBIDDEN', `device ${deviceId} is not assigned to a unit`);
    // Charged per fix: a batch of 100 costs what 100 single requests do (a heartbeat alone, one).
    const cost = Math.max(1, decoded.fixes.length);
    const verdict = await this.buckets.attempt(deviceId, cost);
    if (!verdict.ok) {
      this.metrics.deviceLimited.inc(cost);
      const seconds = retryAfter(verdict.retryAfterSeconds);
      throw new RateLimitedError(`too many fixes from device ${deviceId}; retry in ${seconds} s`, seconds);
    }
    const dropped = decoded.fixes.flatMap((f, index) => (f.dropped ? [{ index, ...f.dropped }] : []));
    for (const d of dropped) this.metrics.dropped.inc({ reason: d.reason });
    this.dropLog.note(deviceId, device.unitId, decoded.fixes);
    this.arrivals.assign(deviceId, decoded.records, receivedAt);
    const unit = { unitId: device.unitId, stationId: device.stationId, deviceId, receivedAt };
    // An alarm in the request starts a press its heartbeats may end (the engine holds none yet).
    const alarmed = decoded.fixes.some((f) => f.alarm !== null);
    // Relayed once stored, in the request's order (a batch buffered offline: an alarm, the heartbeat
    // that ended it, the next alarm): a stored fix, a fix without a usable position, a heartbeat.
    const relayed: RelayedFix[] = [];
    const fixes: PositionFix[] = [];
    for (const f of decoded.records) {
      if (isHeartbeat(f)) {
        const report = f.positionless && positionlessReport(f, unit);
        if (report && (alarmed || this.wantsHeartbeat(report))) relayed.push(report);
      } else if (isStored(f)) {
        const fix = positionFix(f, unit);
        fixes.push(fix);
        relayed.push(toUnitPosition(fix));
      } else if (f.positionless) relayed.push(positionlessReport(f, unit));
    }
    if (fixes.length) {
      try {
        await this.writer.write(fixes);
      } catch (err) {
        // Refused, never acknowledged: the tracker keeps the fixes and sends them again.
        if (isStorageFull(err)) throw new AppError('STORAGE_FULL', 'the disk is full: positions were not stored');
        throw new AppError('STORAGE_UNAVAILABLE', 'positions could not be stored; retry');
      }
      this.metrics.accepted.inc(fixes.length);
    }
    for (const m of relayed) this.relay.publish(m);
    return {
      deviceId,
      unitId: device.unitId,
      received: decoded.fixes.length,
      stored: fixes.length,
      dropped: dropped.map(({ index, message }) => ({ index, message })),
    };
  }

  /**
   * A registered device from memory; anything else costs the client address a token first, so an
   * address spraying random ids gets RATE_LIMITED without a lookup once its tokens are spent.
   */
  private async resolveDevice(deviceId: string, address: string): Promise<Device> {
    // Not at start: the seed and the accounts file register trackers after the service starts.
    try {
      await (this.preloaded ??= this.devices.preload());
    } catch {
      this.preloaded = null;
      throw new AppError('STORAGE_UNAVAILABLE', 'devices could not be read; retry');
    }
    const cached = this.devices.cached(deviceId);
    if (cached) return cached;
    const verdict = await this.unknownByAddress.attempt(address);
    if (!verdict.ok) {
      this.metrics.unknownLimited.inc();
      const seconds = retryAfter(verdict.retryAfterSeconds);
      throw new RateLimitedError(
        `too many requests for unregistered devices from this address; retry in ${seconds} s`,
        seconds,
      );
    }
    const device = await this.devices.resolve(deviceId);
    if (!device) throw new AppError('NOT_FOUND', `device ${deviceId} is not registered`);
    return device;
  }

  /**
   * Call `listener` with every stored fix (from this or another instance), even one older than
   * the unit's latest, in relay order. Returns the unsubscribe function.
   */
  onFix(listener: (pos: UnitPosition) => void): () => void {
    this.fixListeners.add(listener);
    return () => this.fixListeners.delete(listener);
  }

  /**
   * Call `listener` with every fix sent without a usable position, from this or another instance
   * (see {@link PositionlessReport}): never stored, never a unit's latest. Returns the unsubscribe function.
   */
  onPositionless(listener: (report: PositionlessReport) => void): () => void {
    this.positionlessListeners.add(listener);
    return () => this.positionlessListeners.delete(listener);
  }

  /**
   * Heartbeats (a record with neither a position nor an alarm) are heard as reports without a
   * position ({@link onPositionless}, on every instance) only when `wanted` (or another) says one
   * may matter: the alert engine's, when its device holds an SOS press, which such a heartbeat ends.
   * Relaying each would cost a message to every instance per tracker and heartbeat for nothing.
   * Returns the unsubscribe function.
   */
  wantHeartbeats(wanted: (report: PositionlessReport) => boolean): () => void {
    this.heartbeatWants.add(wanted);
    return () => this.heartbeatWants.delete(wanted);
  }

  private wantsHeartbeat(report: PositionlessReport): boolean {
    for (const wanted of this.heartbeatWants) if (wanted(report)) return true;
    return false;
  }

  /** A stored fix from this or another instance: advance the latest position, fan out (a report without a position: only heard). */
  private onRelayed(pos: RelayedFix): void {
    if (isPositionless(pos)) {
      for (const listener of this.positionlessListeners) listener(pos);
      return;
    }
    for (const listener of this.fixListeners) listener(pos);
    if (this.offerLatest(pos)) this.fanout?.publish(pos);
  }

  /** True when `pos` became its unit's latest position (the newest-fix rule: never backwards). */
  private offerLatest(pos: UnitPosition): boolean {
    const size = this.latest.size;
    if (!offerNewest(this.latest, pos)) return false;
    if (this.latest.size !== size) this.metrics.units.set(this.latest.size);
    return true;
  }

  /** Latest positions of the units of these stations. */
  snapshot(stations: readonly string[]): UnitPosition[] {
    const set = new Set(stations);
    const out: UnitPosition[] = [];
    for (const p of this.latest.values()) if (set.has(p.stationId)) out.push(p);
    return out;
  }

  /** Stations that have a unit of this id with a position (unit ids are unique per station only). */
  stationsWithUnit(unitId: string): string[] {
    const out: string[] = [];
    for (const p of this.latest.values()) if (p.unitId === unitId) out.push(p.stationId);
    return out.sort();
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.fanout?.close();
    await this.writer.close();
    await this.relay.close();
  }
}

export { toUnitPosition } from './ingest-records.ts';

/** Most fixes of one unit read back from its track after a relay break. */
const REPLAY_LIMIT = 10_000;

/** RATE_LIMITED with the wait the client should honour (sent as Retry-After). */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', message);
  }
}

/** Retry-After in whole seconds: at least 1, at most a day (a bucket with no refill rate says never). */
const retryAfter = (seconds: number): number => Math.min(86_400, Math.max(1, seconds));
