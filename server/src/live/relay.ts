import type { UnitPosition } from '@jointmap/shared';
import type { Device } from '../storage/types.ts';

/**
 * Carries stored positions and device registrations to every instance, so each instance's latest
 * cache, device directory and viewers see what was ingested or registered anywhere. In-process
 * for one instance ({@link LocalRelay}); Redis pub/sub behind the same interface for several
 * (`RedisLiveRelay`, server/src/cluster/live-relay.ts). Publishers also receive their own messages.
 */
export interface PositionRelay {
  publish(pos: UnitPosition): void;
  subscribe(handler: (pos: UnitPosition) => void): () => void;
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
  private readonly handlers = new Set<(pos: UnitPosition) => void>();
  private readonly deviceHandlers = new Set<(device: Device) => void>();

  publish(pos: UnitPosition): void {
    for (const h of this.handlers) h(pos);
  }

  subscribe(handler: (pos: UnitPosition) => void): () => void {
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
