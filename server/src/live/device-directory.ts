import type { Device, DeviceStore } from '../storage/types.ts';

/**
 * Device id → registration, cached so the ingest path does not query storage per fix. Every
 * registration is loaded once ({@link preload}, before the first fix), so a registered tracker is
 * answered from memory; an id not held is looked up (a registration made by another instance) and then
 * remembered as unknown for a short while (bounded), so a flood of fixes from an unregistered
 * tracker costs no storage reads. Registration through `registerDevice` updates the cache directly.
 */
export class DeviceDirectory {
  private readonly known = new Map<string, Device>();
  private readonly unknown = new Map<string, number>();
  /** Ids set while a {@link reload} reads storage: newer than what it reads. */
  private setDuringReload: Set<string> | null = null;

  constructor(
    private readonly store: DeviceStore,
    private readonly options: { negativeTtlMs: number; maxUnknown: number; now?: () => number } = {
      negativeTtlMs: 5_000,
      maxUnknown: 10_000,
    },
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Load every registration; entries set meanwhile are newer and stay. */
  async preload(): Promise<void> {
    for (const device of await this.store.listDevices())
      if (!this.known.has(device.id)) this.known.set(device.id, device);
  }

  /**
   * Read every registration again, replacing those held: after a break of the relay, another
   * instance may have moved a tracker to another unit or released it, and its message was lost.
   * Registrations set meanwhile are newer and stay.
   */
  async reload(): Promise<void> {
    const setMeanwhile = new Set<string>();
    this.setDuringReload = setMeanwhile;
    try {
      const devices = await this.store.listDevices();
      const kept = [...setMeanwhile].flatMap((id) => this.known.get(id) ?? []);
      this.known.clear();
      for (const device of [...devices, ...kept]) this.known.set(device.id, device);
      this.unknown.clear();
    } finally {
      if (this.setDuringReload === setMeanwhile) this.setDuringReload = null;
    }
  }

  /** The registration if it is held in memory; no storage read. */
  cached(id: string): Device | undefined {
    return this.known.get(id);
  }

  async resolve(id: string): Promise<Device | null> {
    const hit = this.known.get(id);
    if (hit) return hit;
    const missAt = this.unknown.get(id);
    if (missAt !== undefined && this.now - missAt < this.options.negativeTtlMs) return null;
    const device = await this.store.getDevice(id);
    if (device) {
      this.unknown.delete(id);
      this.known.set(id, device);
      return device;
    }
    if (this.unknown.size >= this.options.maxUnknown) this.unknown.clear();
    this.unknown.set(id, this.now);
    return null;
  }

  /** After a registration or change. */
  set(device: Device): void {
    this.setDuringReload?.add(device.id);
    this.unknown.delete(device.id);
    this.known.set(device.id, device);
  }
}
