import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '@jointmap/shared';
import type { LiveService } from '../live/live-service.ts';
import type { Device, Operation } from '../storage/types.ts';
import { certificateUids } from './cot-certificate.ts';
import { cotXml, deleteEvent, inbound, pongEvent, SHAPE_STALE_MS, unitUid, type Inbound } from './cot-encode.ts';
import { CotFramer } from './cot-framing.ts';
import { CotPeerSocket } from './cot-peer-socket.ts';
import type { CotPicture } from './cot-picture.ts';
import type { NodeCot } from './node-cot.ts';

/** Largest event accepted from a client (characters). */
const MAX_EVENT_CHARS = 64 * 1024;
/** Events that fail to parse before the connection is dropped. */
const MAX_BAD_EVENTS = 5;
/** A connection silent this long is closed (TAK clients ping every few seconds). */
const IDLE_MS = 10 * 60_000;
/**
 * A connection that has not identified (no position of a registered device stored) this long after
 * connecting is closed, however often it pings: a TAK client sends its own position as soon as it
 * connects, and a connection that only pings held its slot for ever (the idle timer counts pings).
 */
export const IDENTIFY_MS = 60_000;
/** An identified client's operations are looked up again at most this often (on its positions). */
const OPERATIONS_REFRESH_MS = 30_000;
/** A revoked client that does not read its last events within this long is cut off. */
const END_GRACE_MS = 5_000;

/** What a connection needs from the bridge. */
export interface CotConnectionDeps {
  lib: NodeCot;
  picture: CotPicture;
  live: Pick<LiveService, 'ingest' | 'devices'>;
  /** Active operations the station takes part in. */
  operationsOf(stationId: string): Promise<Operation[]>;
  /** Count an inbound event by outcome. */
  count(outcome: string): void;
  /** A position event from an unregistered uid (counted and logged once by the bridge). */
  unregistered(uid: string, address: string): void;
  /** A position event for a uid its certificate does not name (counted and logged once by the bridge). */
  notCertified(uid: string, names: ReadonlySet<string>, address: string): void;
  /** The connection is being closed by us, and why (counted by the bridge). */
  dropped(reason: string): void;
  /** How long it may stay without identifying (default {@link IDENTIFY_MS}). */
  identifyMs?: number;
  log: FastifyBaseLogger;
}

/**
 * One TAK client. Until a position event of a registered uid has been stored it receives nothing;
 * a client that presented a certificate (`COT_TLS_CA`) may speak only for a uid the certificate
 * names (CN, or a DNS or URI subjectAltName). From then on it speaks for that device (positions of
 * other uids are ignored) and follows the
 * picture of the active operations of the device's station. The bridge checks that again whenever
 * it may have changed ({@link recheck}). Losing the registration (the device released, or gone)
 * deletes everything it was shown and closes the connection. One that has not identified within
 * {@link IDENTIFY_MS} is closed.
 *
 * An emergency its device raises on TAK (ATAK's 911 button and the other alerts of its Emergency
 * tool) becomes a fix with an alarm, as a tracker's SOS button makes one, which raises the SOS
 * alert; each position after it carries the alarm too (as a tracker's do while its SOS is on),
 * until the emergency is cancelled: the next fix without one ends the SOS, and a new emergency
 * raises a new alert.
 */
export class CotConnection {
  private readonly peer: CotPeerSocket;
  private readonly framer = new CotFramer({ maxEventBytes: MAX_EVENT_CHARS });
  /** The peer's address (one host's unidentified connections are counted by it). */
  readonly address: string;
  /** The uids its certificate names; null without one. */
  private readonly certified: ReadonlySet<string> | null;
  private device: Device | null = null;
  /** Revoked: what it was shown is being deleted, then it closes; nothing more is handled. */
  private closing = false;
  private refreshedAt = 0;
  private sentAllAt = 0;
  private bad = 0;
  /** Closes the connection if it has not identified in time; cleared once it has. */
  private identifyTimer: NodeJS.Timeout | null;
  /** The alarm of the device's emergency in force (null: none), carried by each of its positions. */
  private alarm: string | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly d: CotConnectionDeps,
  ) {
    this.peer = new CotPeerSocket(socket);
    this.address = socket.remoteAddress ?? 'unknown';
    this.certified = certificateUids(socket);
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_MS, () => this.drop('idle', 'silent too long'));
    const identifyMs = d.identifyMs ?? IDENTIFY_MS;
    this.identifyTimer = setTimeout(() => {
      if (!this.device && !this.closing)
        this.drop('identify_timeout', `no position of a registered device within ${identifyMs / 1000} s`);
    }, identifyMs);
    this.identifyTimer.unref();
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      this.clearIdentifyTimer();
      d.picture.unfollow(this.peer);
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  /** The device the connection speaks for; null until identified, and once revoked. */
  get deviceId(): string | null {
    return this.device?.id ?? null;
  }

  /** Its socket is not closed yet. */
  get open(): boolean {
    return !this.socket.destroyed;
  }

  /** Closed by the bridge to make room (`reason` counted, `detail` logged). */
  evict(reason: string, detail: string): void {
    this.drop(reason, detail);
  }

  /**
   * The bridge read the registration of this connection's device (undefined: none) and the active
   * operations again: a device released or gone is revoked; otherwise the connection follows what
   * the device may see now (another unit, another station's operations, fewer operations).
   */
  async recheck(device: Device | undefined, operationsOf: (stationId: string) => Operation[]): Promise<void> {
    if (!this.device || this.closing || this.socket.destroyed) return;
    if (!device?.unitId) return this.revoke(device ? 'device released' : 'device no longer registered');
    await this.follow(device, operationsOf(device.stationId));
  }

  private onData(chunk: Buffer): void {
    // Revoked: what still comes in is read and dropped, so the client's close is seen.
    if (this.closing) return;
    const framed = this.framer.push(chunk);
    if (!framed.ok) return this.drop('garbage', framed.reason);
    if (framed.events.length === 0) return;
    // Events of one connection are handled in order; the socket waits meanwhile (backpressure).
    this.socket.pause();
    void (async () => {
      for (const xml of framed.events) {
        if (this.socket.destroyed || this.closing) break;
        await this.handle(xml).catch((err: unknown) => this.d.log.error({ err }, 'cot: event not handled'));
      }
      if (!this.socket.destroyed) this.socket.resume();
    })();
  }

  private clearIdentifyTimer(): void {
    if (this.identifyTimer) clearTimeout(this.identifyTimer);
    this.identifyTimer = null;
  }

  private drop(reason: string, detail: string): void {
    if (this.socket.destroyed) return;
    this.d.dropped(reason);
    this.d.log.warn({ address: this.address, uid: this.device?.id, reason: detail }, 'cot: connection dropped');
    this.socket.destroy();
  }

  private malformed(): void {
    this.d.count('malformed');
    if (++this.bad >= MAX_BAD_EVENTS) this.drop('garbage', `${this.bad} events that are not CoT`);
  }

  private async handle(xml: string): Promise<void> {
    // The library reports schema failures on the console: an event without a point is refused first.
    if (!xml.includes('<point')) return this.malformed();
    let cot;
    try {
      cot = new this.d.lib.CoT(xml);
    } catch {
      return this.malformed();
    }
    const event = inbound(cot);
    if (event.kind === 'ping') {
      this.d.count('ping');
      if (this.device) this.peer.send('takPong', cotXml(pongEvent(this.d.lib)));
    } else if (event.kind === 'position') {
      await this.position(event.uid, event.query);
    } else if (event.kind === 'emergency') {
      await this.emergency(event);
    } else {
      this.d.count('ignored');
    }
  }

  /**
   * An emergency of the device (raised or cancelled), from an identified connection only: its
   * point becomes a fix, with the alarm while the emergency is in force.
   */
  private async emergency(event: Extract<Inbound, { kind: 'emergency' }>): Promise<void> {
    if (!this.device) return this.d.count('emergency_unidentified');
    if (event.subject !== null && event.subject !== this.device.id) return this.d.count('other_uid');
    this.alarm = event.cancel ? null : event.alarm;
    this.d.log.warn(
      { uid: this.device.id, address: this.address, alarm: event.alarm, cancel: event.cancel },
      event.cancel ? 'cot: emergency cancelled' : 'cot: emergency raised',
    );
    await this.position(
      this.device.id,
      { ...event.query, id: this.device.id },
      event.cancel ? 'emergency_cancel' : 'emergency',
    );
  }

  private async position(uid: string, fields: Record<string, string>, outcome = 'position'): Promise<void> {
    if (this.device && uid !== this.device.id) return this.d.count('other_uid');
    if (this.certified && !this.certified.has(uid)) return this.d.notCertified(uid, this.certified, this.address);
    const query = this.alarm && this.device ? { ...fields, alarm: this.alarm } : fields;
    try {
      await this.d.live.ingest({ query, body: undefined, contentType: undefined, address: this.address });
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'INTERNAL';
      if (code === 'NOT_FOUND' || code === 'FORBIDDEN') {
        if (this.device) return this.revoke('position refused: device not registered to a unit');
        return this.d.unregistered(uid, this.address);
      }
      this.d.count(code === 'RATE_LIMITED' ? 'rate_limited' : 'refused');
      if (!(err instanceof AppError)) this.d.log.error({ err, uid }, 'cot: position not ingested');
      return;
    }
    this.d.count(outcome);
    if (this.closing) return;
    if (!this.device) {
      const device = this.d.live.devices.cached(uid);
      if (!device) return;
      this.d.log.info({ uid, address: this.address, station: device.stationId }, 'cot: TAK client identified');
      this.device = device;
      this.clearIdentifyTimer();
      await this.refresh(true);
    } else {
      await this.refresh(false);
    }
  }

  /** Follow the operations of the device's station (looked up again at most every 30 s). */
  private async refresh(force: boolean): Promise<void> {
    if (!this.device || (!force && Date.now() - this.refreshedAt < OPERATIONS_REFRESH_MS)) return;
    this.refreshedAt = Date.now();
    const device = this.d.live.devices.cached(this.device.id) ?? this.device;
    await this.follow(device, await this.d.operationsOf(device.stationId));
  }

  /** Speak for `device` and see exactly `operations`. */
  private async follow(device: Device, operations: readonly Operation[]): Promise<void> {
    if (this.closing || this.socket.destroyed) return;
    const before = this.peer.self;
    const self = device.unitId ? { stationId: device.stationId, unitId: device.unitId } : null;
    const moved = before !== null && (before.stationId !== self?.stationId || before.unitId !== self.unitId);
    this.device = device;
    this.refreshedAt = Date.now();
    this.peer.self = self;
    await this.d.picture.follow(this.peer, operations);
    if (this.closing || this.socket.destroyed) return;
    const now = Date.now();
    if (moved) {
      // Moved to another unit: its new unit is itself now (TAK draws itself), its old one is not.
      if (self) {
        const uid = unitUid(self.stationId, self.unitId);
        this.peer.send(uid, cotXml(deleteEvent(this.d.lib, uid)));
      }
      this.sentAllAt = now;
      this.d.picture.resend(this.peer);
    } else if (this.sentAllAt === 0) {
      this.sentAllAt = now;
    } else if (now - this.sentAllAt > SHAPE_STALE_MS / 2) {
      // Shapes go stale after a day: a long-lived connection gets them again before.
      this.sentAllAt = now;
      this.d.picture.resend(this.peer);
    }
  }

  /** The device lost its registration: what it was shown is deleted on its side, then it is closed. */
  private async revoke(reason: string): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.d.dropped('revoked');
    this.d.log.info({ uid: this.device?.id, address: this.address, reason }, 'cot: device revoked, connection closed');
    this.device = null;
    this.peer.self = null;
    await this.d.picture.follow(this.peer, []);
    this.peer.end(END_GRACE_MS);
  }
}
