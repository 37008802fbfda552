import type { UnitPosition } from '@jointmap/shared';
import type { Device } from '../storage/types.ts';

/**
 * A fix its device sent without a usable position (lat 0, lon 0 or out of range, or `valid=false`:
 * no GPS lock, as indoors), or a heartbeat (no location at all; without an alarm, relayed only
 * when it may end a press: `LiveService.wantHeartbeats`): never stored, drawn or swept, but the
 * alert engine hears it, to raise its alarm at the unit's last known position (`alarm` set) or to
 * end its device's SOS press (`alarm` null).
 */
export interface PositionlessReport {
  positionless: true;
  unitId: string;
  stationId: string;
  deviceId: string;
  /** Device time (an alarm outside the time window: its arrival), epoch ms. */
  time: number;
  /** Server clock when accepted, epoch ms. */
  receivedAt: number;
  alarm: string | null;
}

/** What the relay carries on its fix channel: a stored fix, or a {@link PositionlessReport}. */
export type RelayedFix = UnitPosition | PositionlessReport;

export const isPositionless = (m: RelayedFix): m is PositionlessReport =>
  (m as Partial<PositionlessReport>).positionless === true;

/**
 * Carries stored positions (and reports without one) and device registrations to every instance,
 * so each instance's latest cache, device directory, alert engine and viewers see what was
 * ingested or registered anywhere. In-process for one instance ({@link LocalRelay}); Redis pub/sub
 * behind the same interface for several (`RedisLiveRelay`, server/src/cluster/live-relay.ts, which
 * passes each message through as it is). Publishers also receive their own messages.
 */
export interface PositionRelay {
  publish(pos: RelayedFix): void;
  subscribe(handler: (pos: RelayedFix) => void): () => void;
  /** A registration changed on this instance. */
  publishDevice(device: Device): void;
  subscribeDevices(handler: (device: Device) => void): () => void;
  /**
   * Called when the link to the other instances came back after a break: messages published
   * meanwhile are lost, so the subscriber catches up from storage.
   */
  onResync(handler: () => void): () => void;
  close(): Promise<void>;
}

/** Single-process relay: delivers synchronously to local subscribers; never breaks. */
export class LocalRelay implements PositionRelay {
  private readonly handlers = new Set<(pos: RelayedFix) => void>();
  private readonly deviceHandlers = new Set<(device: Device) => void>();

  publish(pos: RelayedFix): void {
    for (const h of this.handlers) h(pos);
  }

  subscribe(handler: (pos: RelayedFix) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  publishDevice(device: Device): void {
    for (const h of this.deviceHandlers) h(device);
  }

  subscribeDevices(handler: (device: Device) => void): () => void {
    this.deviceHandlers.add(handler);
    return () => this.deviceHandlers.delete(handler);
  }

  onResync(_handler: () => void): () => void {
    return () => undefined; // never breaks: nothing to catch up
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.deviceHandlers.clear();
  }
}
