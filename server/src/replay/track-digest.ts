import { createHash, type Hash } from 'node:crypto';
import type { PositionFix } from '../storage/types.ts';

/** Bytes gathered before they are hashed (one hash call per buffer, not per fix). */
const BUFFER = 4_096;
/** Time, longitude, latitude and server time as doubles, and the device id's length. */
const FIXED = 8 * 4 + 4;

/**
 * A SHA-256 digest of a unit's fixes in the order they were added (time, position, server time and
 * device id of each), that can go on being added to. Two digests are equal when the same fixes
 * were added in the same order: a track read again finds out whether the store still holds exactly
 * the fixes read before, without keeping them.
 */
export class TrackDigest {
  private readonly hash: Hash = createHash('sha256');
  private readonly buffer = Buffer.allocUnsafe(BUFFER);
  private used = 0;
  /** Fixes added. */
  count = 0;

  add(f: Pick<PositionFix, 'time' | 'lng' | 'lat' | 'receivedAt' | 'deviceId'>): void {
    const device = Buffer.byteLength(f.deviceId);
    if (this.used + FIXED + device > BUFFER) this.flush();
    let at = this.used;
    at = this.buffer.writeDoubleLE(f.time, at);
    at = this.buffer.writeDoubleLE(f.lng, at);
    at = this.buffer.writeDoubleLE(f.lat, at);
    at = this.buffer.writeDoubleLE(f.receivedAt, at);
    at = this.buffer.writeUInt32LE(device, at);
    this.used = at;
    // A device id longer than the buffer goes to the hash as it is (the bytes hashed are the same).
    if (at + device > BUFFER) {
      this.flush();
      this.hash.update(f.deviceId);
    } else this.used += this.buffer.write(f.deviceId, at);
    this.count++;
  }

  /** The digest of every fix added so far (more can be added after). */
  value(): string {
    const copy = this.hash.copy();
    copy.update(this.buffer.subarray(0, this.used));
    return `${this.count}:${copy.digest('base64')}`;
  }

  private flush(): void {
    if (this.used) this.hash.update(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}
