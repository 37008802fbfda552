import { readFile } from 'node:fs/promises';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { FastifyBaseLogger } from 'fastify';
import { isDeviceId, type NamedDoc } from '@jointmap/shared';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LiveService } from '../live/live-service.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import type { Device, Operation, Storage } from '../storage/types.ts';
import { CotConnection } from './cot-connection.ts';
import { CotPicture } from './cot-picture.ts';
import { loadNodeCot, type NodeCot } from './node-cot.ts';

export interface CotBridgeOptions {
  port: number;
  host: string;
  /** PEM files: with cert and key the port speaks TLS; with ca too, client certificates are required. */
  tls: { cert: string; key: string; ca: string | null } | null;
  lostAfterMs: number;
  storage: Storage;
  rooms: Pick<RoomManager, 'get'>;
  live: LiveService;
  registry: Registry;
  log: FastifyBaseLogger;
  /** How often every identified connection is checked again against storage (default {@link COT_RECHECK_MS}). */
  recheckMs?: number;
  /** How long a connection may stay without identifying (default `IDENTIFY_MS`, 60 s). */
  identifyMs?: number;
  /** Connections that have not identified, from all addresses (default {@link MAX_UNIDENTIFIED}). */
  maxUnidentified?: number;
}

/**
 * How often every identified connection's registration and operations are read again from
 * storage: the backstop for a change whose message never came (a relay break). Changes made or
 * relayed here are acted on at once.
 */
export const COT_RECHECK_MS = 30_000;

export const MAX_CONNECTIONS = 1000;
/**
 * Connections from one address that have not yet identified (no position from a registered
 * device): more are closed at once. Without a client certificate anyone may connect, and each
 * connection that does not identify holds a slot until `IDENTIFY_MS` (60 s); this keeps one host
 * from taking many of them, while a station's clients behind one NAT address identify within
 * seconds of connecting.
 */
export const MAX_UNIDENTIFIED_PER_ADDRESS = 16;
/**
 * Connections that have not identified, from all addresses: well below {@link MAX_CONNECTIONS},
 * so that the connections of 16 addresses (or of 63, 16 each, before this and the identify deadline)
 * never fill the port. With as many open, a new one closes the oldest of them: a TAK client that
 * sends its position on connecting gets in, however many idle connections others hold.
 */
export const MAX_UNIDENTIFIED = 256;
/** Unregistered uids already logged (each once; forgotten when full). */
const MAX_LOGGED_UNKNOWN = 10_000;

/**
 * Cursor-on-Target over TCP (or TLS) for ATAK, WinTAK and iTAK. A client's own position events
 * enter the position pipeline as fixes of the device registered under its uid (the same
 * `LiveService.ingest` the OsmAnd route calls); once a registered uid has spoken, the connection
 * receives the live picture of the active operations of that device's station ({@link CotPicture}).
 * Until then it receives nothing. What a connection may see is checked again whenever it can
 * change: a device moved or released (here or on another instance), an operation closed, and every
 * {@link COT_RECHECK_MS}; a released device's connection is closed.
 */
export class CotBridge {
  private server: Server | null = null;
  private picture: CotPicture | null = null;
  private lib: NodeCot | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<CotConnection>();
  private recheckTimer: NodeJS.Timeout | null = null;
  private rechecking: Promise<void> | null = null;
  private recheckAgain = false;
  private closed = false;
  private readonly offDevices: () => void;
  private readonly logged = new Set<string>();
  private readonly metrics;

  constructor(private readonly o: CotBridgeOptions) {
    const registers = [o.registry];
    this.metrics = {
      connections: new Gauge({ name: 'jointmap_cot_connections', help: 'Open TAK (CoT) connections', registers }),
      received: new Counter({
        name: 'jointmap_cot_events_received_total',
        help: 'CoT events received from TAK clients, by outcome',
        labelNames: ['outcome'] as const,
        registers,
      }),
      dropped: new Counter({
        name: 'jointmap_cot_connections_dropped_total',
        help: 'TAK connections closed by the server, by reason',
        labelNames: ['reason'] as const,
        registers,
      }),
    };
    this.offDevices = o.live.onDeviceChanged((device) => this.deviceChanged(device));
  }

  /** Load the library, open the port. */
  async listen(): Promise<AddressInfo> {
    const lib = await loadNodeCot();
    this.lib = lib;
    this.picture = new CotPicture({
      lib,
      storage: this.o.storage,
      rooms: this.o.rooms,
      live: this.o.live,
      lostAfterMs: this.o.lostAfterMs,
      log: this.o.log,
    });
    const server = this.o.tls
      ? createTlsServer({
          cert: await readFile(this.o.tls.cert),
          key: await readFile(this.o.tls.key),
          ...(this.o.tls.ca ? { ca: await readFile(this.o.tls.ca), requestCert: true, rejectUnauthorized: true } : {}),
          minVersion: 'TLSv1.2',
        })
      : createTcpServer();
    server.maxConnections = MAX_CONNECTIONS;
    server.on(this.o.tls ? 'secureConnection' : 'connection', (socket: Socket) => this.accept(socket));
    server.on('tlsClientError', (err: Error, socket: Socket) => {
      this.metrics.dropped.inc({ reason: 'tls' });
      this.o.log.warn({ err: err.message, address: socket.remoteAddress }, 'cot: TLS handshake refused');
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.recheckTimer = setInterval(() => void this.recheck(), this.o.recheckMs ?? COT_RECHECK_MS);
    this.recheckTimer.unref();
    const address = server.address() as AddressInfo;
    this.o.log.info({ port: address.port, tls: Boolean(this.o.tls) }, 'CoT bridge listening');
    return address;
  }

  /** Changes made on other instances may have been missed: the pictures read their documents again. */
  resync(): void {
    this.picture?.resync();
  }

  /** The bound address (null before listening). */
  address(): AddressInfo | null {
    return (this.server?.address() as AddressInfo | null) ?? null;
  }

  /** Room manager hook: follow document changes (`roots`: the maps the commit changed). */
  onCommitted(doc: NamedDoc, roots?: ReadonlySet<string>): void {
    this.picture?.onCommitted(doc, roots);
  }

  /** Resolves when no document read of the picture is running (tests). */
  whenIdle(): Promise<void> {
    return this.picture?.whenIdle() ?? Promise.resolve();
  }

  /** An operation was closed or purged, here or on another instance: its TAK clients no longer see it. */
  operationClosed(): Promise<void> {
    return this.recheck();
  }

  /**
   * Read every registration and the active operations from storage, and make each identified
   * connection follow what its device may see now: a connection of a released device is closed,
   * one of a device moved follows its new unit's operations, none sees a closed operation. Calls
   * during a run are coalesced into one more run. Never rejects (a failed read is logged; the
   * next change or tick reads again).
   */
  recheck(): Promise<void> {
    if (this.rechecking) {
      this.recheckAgain = true;
      return this.rechecking;
    }
    this.rechecking = this.runRechecks();
    return this.rechecking;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.offDevices();
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    const server = this.server;
    this.server = null;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const s of this.sockets) s.destroy();
    await closed;
    await this.rechecking;
    await this.picture?.close();
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    const unidentified = [...this.connections].filter((c) => c.deviceId === null && c.open);
    if (unidentified.filter((c) => c.address === address).length >= MAX_UNIDENTIFIED_PER_ADDRESS) {
      this.metrics.dropped.inc({ reason: 'unidentified' });
      this.o.log.warn({ address }, 'cot: too many connections from one address that have not identified');
      socket.destroy();
      return;
    }
    // The set keeps the order of connecting: the first is the oldest.
    if (unidentified.length >= (this.o.maxUnidentified ?? MAX_UNIDENTIFIED))
      unidentified[0]!.evict('unidentified_pool', 'the oldest of too many connections that have not identified');
    this.sockets.add(socket);
    this.metrics.connections.inc();
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.connections.delete(connection);
      this.metrics.connections.dec();
    });
    const connection = new CotConnection(socket, {
      lib: this.lib!,
      picture: this.picture!,
      live: this.o.live,
      operationsOf: async (stationId) => activeOperationsOf(await this.o.storage.listOperations(), stationId),
      count: (outcome) => this.metrics.received.inc({ outcome }),
      unregistered: (uid, address) => this.unregistered(uid, address),
      notCertified: (uid, names, address) => this.notCertified(uid, names, address),
      dropped: (reason) => this.metrics.dropped.inc({ reason }),
      ...(this.o.identifyMs !== undefined ? { identifyMs: this.o.identifyMs } : {}),
      log: this.o.log,
    });
    this.connections.add(connection);
  }

  /** A registration changed here or on another instance (null: all were read again). */
  private deviceChanged(device: Device | null): void {
    for (const c of this.connections)
      if (c.deviceId !== null && (device === null || c.deviceId === device.id)) return void this.recheck();
  }

  private async runRechecks(): Promise<void> {
    try {
      do {
        this.recheckAgain = false;
        await this.recheckOnce().catch((err: unknown) =>
          this.o.log.warn(
            { err },
            'cot: registrations not read again; connections keep their picture until the next try',
          ),
        );
      } while (this.recheckAgain && !this.closed);
    } finally {
      // In the same turn as the last check of `recheckAgain`: no call in between is lost.
      this.rechecking = null;
    }
  }

  private async recheckOnce(): Promise<void> {
    // Those identified before the reads; one identified meanwhile was checked by its own position.
    const identified = [...this.connections].flatMap((c) => (c.deviceId === null ? [] : [{ c, id: c.deviceId }]));
    if (this.closed || identified.length === 0) return;
    const [devices, operations] = await Promise.all([this.o.storage.listDevices(), this.o.storage.listOperations()]);
    const byId = new Map(devices.map((d) => [d.id, d]));
    await Promise.all(
      identified.map(({ c, id }) => c.recheck(byId.get(id), (stationId) => activeOperationsOf(operations, stationId))),
    );
  }

  private unregistered(uid: string, address: string): void {
    this.metrics.received.inc({ outcome: 'unregistered' });
    if (this.firstTime(uid))
      this.o.log.warn({ uid, address }, 'cot: position from an unregistered uid ignored (register it as a device)');
  }

  private notCertified(uid: string, names: ReadonlySet<string>, address: string): void {
    this.metrics.received.inc({ outcome: 'not_certified' });
    // Logged once per uid that could be a device id (any other is only counted: a certificate
    // holder must not fill the log, or this memory, with made-up uids).
    if (!isDeviceId(uid)) return;
    const certified = [...names].map((n) => n.slice(0, 128));
    if (this.firstTime(`${uid}\n${certified.join('\n')}`))
      this.o.log.warn(
        { uid, certified, address },
        "cot: position ignored: the client's certificate does not name its uid (issue it with CN=<uid>)",
      );
  }

  /** True the first time `key` is seen (a bounded memory of what was logged). */
  private firstTime(key: string): boolean {
    if (this.logged.has(key)) return false;
    if (this.logged.size >= MAX_LOGGED_UNKNOWN) this.logged.clear();
    this.logged.add(key);
    return true;
  }
}

/** The operations a station's TAK clients see: active ones it takes part in. */
const activeOperationsOf = (operations: readonly Operation[], stationId: string): Operation[] =>
  operations.filter((op) => op.status === 'active' && op.purgedAt == null && op.stations.includes(stationId));
