import type { DecodedFix, DropReason } from './osmand.ts';

export interface WarnLog {
  warn(obj: object, msg: string): void;
}

/** One warning per device per this long. */
const EVERY_MS = 5 * 60_000;
/** Devices remembered; the oldest warned is forgotten first (and may warn again early). */
const DEVICES = 10_000;

/** What a device dropped since its last warning. */
interface Since {
  warnedAt: number;
  since: Partial<Record<DropReason, number>>;
  /** An alarm came without a usable position (at 0, 0, or sent `valid=false`): raised at the last known position. */
  alarmWithoutPosition?: true;
}

/**
 * Dropped fixes, logged at warn once per device per few minutes with their reasons (counted since
 * the last warning) and one message, so an operator sees a phone whose clock is wrong (`future`,
 * `too_old`) without a line per fix. The metric counts every one. An alarm without a usable
 * position (`DecodedFix.positionless`, dropped or sent `valid=false`) is warned the same way,
 * flagged `alarmWithoutPosition`.
 */
export class DropLog {
  private readonly devices = new Map<string, Since>();

  constructor(
    private readonly log: WarnLog | undefined,
    private readonly now: () => number,
  ) {}

  note(deviceId: string, unitId: string, fixes: readonly DecodedFix[]): void {
    const dropped = fixes.filter((f) => f.dropped);
    // Not stored but raised at the unit's last known position (`DecodedFix.positionless`).
    const alarmed = fixes.some((f) => f.positionless && f.alarm !== null);
    if (!this.log || (!dropped.length && !alarmed)) return;
    const at = this.now();
    let entry = this.devices.get(deviceId);
    if (!entry) {
      entry = { warnedAt: -Infinity, since: {} };
      this.devices.set(deviceId, entry);
      for (const id of this.devices.keys()) {
        if (this.devices.size <= DEVICES) break;
        this.devices.delete(id);
      }
    }
    for (const f of dropped) entry.since[f.dropped!.reason] = (entry.since[f.dropped!.reason] ?? 0) + 1;
    if (alarmed) entry.alarmWithoutPosition = true;
    if (at - entry.warnedAt < EVERY_MS) return;
    const last = dropped.at(-1);
    this.log.warn(
      {
        device: deviceId,
        unit: unitId,
        dropped: entry.since,
        example: last?.dropped!.message ?? 'an alarm sent with valid=false (no usable position)',
        ...(dropped.some((f) => f.alarmKept) ? { alarmKept: true } : {}),
        ...(entry.alarmWithoutPosition ? { alarmWithoutPosition: true } : {}),
      },
      'ingest: fixes acknowledged but not stored (a wrong phone clock, a value out of range, no usable position)',
    );
    // Most recently warned last, so the device warned longest ago is forgotten first.
    this.devices.delete(deviceId);
    this.devices.set(deviceId, { warnedAt: at, since: {} });
  }
}
