import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '@jointmap/shared';
import type { LiveService } from '../live/live-service.ts';
import type { Device, Operation } from '../storage/types.ts';
import { cotXml, inbound, pongEvent, SHAPE_STALE_MS } from './cot-encode.ts';
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
/** An identified client's operations are looked up again at most this often (on its positions). */
const OPERATIONS_REFRESH_MS = 30_000;

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
  /** The connection is being closed by us, and why (counted by the bridge). */
  dropped(reason: string): void;
  log: FastifyBaseLogger;
}

/**
 * One TAK client. Until a position event of a registered uid has been stored it receives nothing;
 * from then on it speaks for that device (positions of other uids are ignored) and follows the
 * picture of the active operations of the device's station. Losing the registration (the device
 * moved off its unit) deletes everything it was shown.
 */
export class CotConnection {
  private readonly peer: CotPeerSocket;
  private readonly framer = new CotFramer({ maxEventBytes: MAX_EVENT_CHARS });
  private readonly address: string;
  private device: Device | null = null;
  private refreshedAt = 0;
  private sentAllAt = 0;
  private bad = 0;

  constructor(
    private readonly socket: Socket,
    private readonly d: CotConnectionDeps,
  ) {
    this.peer = new CotPeerSocket(socket);
    this.address = socket.remoteAddress ?? 'unknown';
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_MS, () => this.drop('idle', 'silent too long'));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => d.picture.unfollow(this.peer));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    const framed = this.framer.push(chunk);
    if (!framed.ok) return this.drop('garbage', framed.reason);
    if (framed.events.length === 0) return;
    // Events of one connection are handled in order; the socket waits meanwhile (backpressure).
    this.socket.pause();
    void (async () => {
      for (const xml of framed.events) {
        if (this.socket.destroyed) return;
        await this.handle(xml).catch((err: unknown) => this.d.log.error({ err }, 'cot: event not handled'));
      }
      if (!this.socket.destroyed) this.socket.resume();
    })();
  }

  private drop(reason: string, detail: string): void {
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
    } else {
      this.d.count('ignored');
    }
  }

  private async position(uid: string, query: Record<string, string>): Promise<void> {
    if (this.device && uid !== this.device.id) return this.d.count('other_uid');
    try {
      await this.d.live.ingest({ query, body: undefined, contentType: undefined, address: this.address });
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'INTERNAL';
      if (code === 'NOT_FOUND' || code === 'FORBIDDEN') {
        if (this.device) return this.revoke();
        return this.d.unregistered(uid, this.address);
      }
      this.d.count(code === 'RATE_LIMITED' ? 'rate_limited' : 'refused');
      if (!(err instanceof AppError)) this.d.log.error({ err, uid }, 'cot: position not ingested');
      return;
    }
    this.d.count('position');
    if (!this.device) {
      this.device = this.d.live.devices.cached(uid) ?? null;
      if (!this.device) return;
      this.d.log.info({ uid, address: this.address, station: this.device.stationId }, 'cot: TAK client identified');
      await this.refresh(true);
    } else {
      await this.refresh(false);
    }
  }

  /** Follow the operations of the device's station (again, after a registration change). */
  private async refresh(force: boolean): Promise<void> {
    const now = Date.now();
    if (!this.device || (!force && now - this.refreshedAt < OPERATIONS_REFRESH_MS)) return;
    this.refreshedAt = now;
    const device = this.d.live.devices.cached(this.device.id) ?? this.device;
    this.device = device;
    this.peer.self = device.unitId ? { stationId: device.stationId, unitId: device.unitId } : null;
    const ops = await this.d.operationsOf(device.stationId);
    if (this.socket.destroyed) return;
    await this.d.picture.follow(this.peer, ops);
    // Shapes go stale after a day: a long-lived connection gets them again before.
    if (this.sentAllAt === 0) this.sentAllAt = now;
    else if (now - this.sentAllAt > SHAPE_STALE_MS / 2) {
      this.sentAllAt = now;
      this.d.picture.resend(this.peer);
    }
  }

  private async revoke(): Promise<void> {
    this.d.log.info({ uid: this.device?.id, address: this.address }, 'cot: device no longer registered to a unit');
    this.device = null;
    this.peer.self = null;
    await this.d.picture.follow(this.peer, []);
  }
}
