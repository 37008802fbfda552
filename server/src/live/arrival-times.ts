import { isStored, type DecodedFix } from './fix-checks.ts';

/** Remembered re-datings per device (LRU), and devices remembered (LRU). */
const PER_DEVICE = 256;
const DEVICES = 10_000;

interface DeviceMemory {
  /** Device time → stored time, oldest use first. */
  times: Map<number, number>;
  /** Latest stored time given out, so a later re-dating never reuses one. */
  last: number;
}

/**
 * Fixes that are stored dated on arrival, not as the device dated them:
 * - a fix dated ahead of `now` (a clock running fast, within the tolerance): kept as dated, it would
 *   stay the unit's newest and hold its marker until the correct fixes caught up with it;
 * - a dropped fix kept for its alarm (`alarmKept`: a clock hours off, a speed spike);
 * - an alarm without a usable position dated outside the window (`positionless.onArrival`), which
 *   is not stored but raised: a resend then finds the time, and so the alert, it had before.
 * A batch of them keeps its order, a millisecond apart, after the batch's own fixes dated in the
 * past (the track keeps one row per device and time, so one shared time would keep only the first).
 *
 * A resend of the same fix (same device, same device time: its answer was lost) gets the stored
 * time it got before, so the track's key drops the duplicate instead of storing it twice. The
 * memory is bounded, per instance: a resend after hundreds of later re-datings, or to another
 * instance, is re-dated afresh.
 */
export class ArrivalTimes {
  private readonly devices = new Map<string, DeviceMemory>();

  constructor(
    private readonly perDevice = PER_DEVICE,
    private readonly maxDevices = DEVICES,
  ) {}

  /** Re-date the fixes of one device's request that are stored dated on arrival (in place). */
  assign(deviceId: string, fixes: DecodedFix[], now: number): void {
    // Stored, or heard by the alert engine without a position.
    const kept = fixes.filter((f) => isStored(f) || f.positionless);
    const onArrival = kept.filter((f) => f.alarmKept || f.positionless?.onArrival || f.time > now);
    if (!onArrival.length) return;
    const memory = this.memoryOf(deviceId);
    const fresh = [...new Set(onArrival.map((f) => f.time).filter((t) => !memory.times.has(t)))].sort((a, b) => a - b);
    const newestPast = Math.max(-Infinity, ...kept.filter((f) => !onArrival.includes(f)).map((f) => f.time));
    const first = Math.max(now - (fresh.length - 1), newestPast + 1, memory.last + 1);
    fresh.forEach((t, i) => memory.times.set(t, first + i));
    if (fresh.length) memory.last = first + fresh.length - 1;
    for (const f of onArrival) {
      const at = memory.times.get(f.time)!;
      // Most recently used last, so the oldest is evicted first.
      memory.times.delete(f.time);
      memory.times.set(f.time, at);
      f.time = at;
    }
    for (const t of memory.times.keys()) {
      if (memory.times.size <= this.perDevice) break;
      memory.times.delete(t);
    }
  }

  private memoryOf(deviceId: string): DeviceMemory {
    const memory = this.devices.get(deviceId) ?? { times: new Map(), last: -Infinity };
    this.devices.delete(deviceId);
    this.devices.set(deviceId, memory);
    for (const id of this.devices.keys()) {
      if (this.devices.size <= this.maxDevices) break;
      this.devices.delete(id);
    }
    return memory;
  }
}
