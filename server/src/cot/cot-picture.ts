import type { FastifyBaseLogger } from 'fastify';
import {
  isNewerFix,
  offerNewest,
  operationDocNames,
  parseDocName,
  type NamedDoc,
  readMap,
  unitKey,
  type Annotation,
  type Unit,
  type UnitKey,
  type UnitPosition,
} from '@jointmap/shared';
import type { LiveService } from '../live/live-service.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import { touchesAny } from '../rooms/room-options.ts';
import type { Operation, Storage } from '../storage/types.ts';
import { annotationEvent, annotationUid, cotXml, deleteEvent, unitEvent, unitUid } from './cot-encode.ts';
import type { CotEvent, NodeCot } from './node-cot.ts';

/** A TAK connection as the picture sees it. */
export interface CotPeer {
  /** Send an event; one not yet written with the same uid is replaced (the newest state wins). */
  send(uid: string, xml: string): void;
  /** The unit of the peer's own device: never sent back to it (TAK draws itself). */
  readonly self: UnitKey | null;
}

export interface CotPictureOptions {
  lib: NodeCot;
  storage: Pick<Storage, 'listStations'>;
  /** Documents are read through the loaded rooms. */
  rooms: Pick<RoomManager, 'get'>;
  live: Pick<LiveService, 'onFix' | 'snapshot'>;
  /** A unit's position event goes stale this long after its fix (the lost timeout); one already lost, shortly after it is sent. */
  lostAfterMs: number;
  log: Pick<FastifyBaseLogger, 'error'>;
  now?: () => number;
}

interface DocState {
  name: string;
  scope: string;
  /** Roster records by unit id, and their JSON (to see what changed). */
  units: Map<string, Unit>;
  unitJson: Map<string, string>;
  annotationJson: Map<string, string>;
  reading: Promise<void> | null;
  readAgain: boolean;
}

interface FollowedOp {
  id: string;
  stations: string[];
  stationNames: Map<string, string>;
  peers: Set<CotPeer>;
  docs: Map<string, DocState>;
  ready: Promise<void>;
}

/**
 * The live picture TAK clients see, per operation: every unit of its stations with a position
 * (roster callsign and status from the station documents) and every annotation of its
 * documents. Follows documents through the room manager's commit hook (like the coverage and
 * alert services) and positions through the live service's fix stream; holds an operation only
 * while a peer follows it.
 */
export class CotPicture {
  private readonly ops = new Map<string, FollowedOp>();
  private readonly following = new Map<CotPeer, Set<string>>();
  /** Newest fix sent per unit (`unitKey`), so a late fix never moves a marker backwards. */
  private readonly shown = new Map<string, UnitPosition>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly unsubscribe: () => void;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly o: CotPictureOptions) {
    this.now = o.now ?? Date.now;
    this.unsubscribe = o.live.onFix((pos) => this.onFix(pos));
  }

  /**
   * Make `peer` see exactly these operations: the full picture of each new one is sent, and the
   * items of each one it no longer sees are deleted on its side.
   */
  async follow(peer: CotPeer, operations: readonly Operation[]): Promise<void> {
    if (this.closed) return;
    const before = this.following.get(peer) ?? new Set<string>();
    const after = new Set(operations.map((op) => op.id));
    this.following.set(peer, after);
    for (const id of before) if (!after.has(id)) this.leave(peer, id, after);
    const added = operations.filter((op) => !before.has(op.id));
    await Promise.all(
      added.map(async (operation) => {
        const op = this.operation(operation);
        op.peers.add(peer);
        await op.ready;
        if (op.peers.has(peer)) this.sendAll(peer, op);
      }),
    );
  }

  /** Everything the peer follows, sent again (shapes before they go stale). */
  resend(peer: CotPeer): void {
    for (const id of this.following.get(peer) ?? []) {
      const op = this.ops.get(id);
      if (op) this.sendAll(peer, op);
    }
  }

  /** The peer is gone: nothing more is sent to it. */
  unfollow(peer: CotPeer): void {
    for (const id of this.following.get(peer) ?? []) this.detach(peer, id);
    this.following.delete(peer);
  }

  /** Room manager hook: a document's update was committed here or on another instance (`roots`: the maps it changed). */
  onCommitted(changed: NamedDoc, roots?: ReadonlySet<string>): void {
    if (this.closed || !touchesAny(roots, ['annotations', 'units'])) return;
    const op = this.ops.get(changed.operationId);
    const doc = op?.docs.get(changed.name);
    if (op && doc) void this.scheduleRead(op, doc);
  }

  /** Changes made on other instances may have been missed (a break in the link): read every followed document again. */
  resync(): void {
    if (this.closed) return;
    for (const op of this.ops.values()) for (const doc of op.docs.values()) void this.scheduleRead(op, doc);
  }

  /** Resolves when no document read is running (tests; shutdown). */
  async whenIdle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.whenIdle();
  }

  private operation(operation: Operation): FollowedOp {
    let op = this.ops.get(operation.id);
    if (op) return op;
    const created: FollowedOp = {
      id: operation.id,
      stations: [...operation.stations],
      stationNames: new Map(),
      peers: new Set(),
      docs: new Map(),
      ready: Promise.resolve(),
    };
    op = created;
    for (const name of operationDocNames(op.id, op.stations)) {
      const scope = parseDocName(name)!.scope;
      op.docs.set(name, {
        name,
        scope,
        units: new Map(),
        unitJson: new Map(),
        annotationJson: new Map(),
        reading: null,
        readAgain: false,
      });
    }
    for (const p of this.o.live.snapshot(op.stations)) offerNewest(this.shown, p);
    this.ops.set(op.id, op);
    op.ready = (async () => {
      try {
        for (const s of await this.o.storage.listStations()) created.stationNames.set(s.id, s.name);
      } catch (err) {
        this.o.log.error({ err, operation: created.id }, 'cot: stations could not be read');
      }
      await Promise.all([...created.docs.values()].map((doc) => this.scheduleRead(created, doc)));
    })();
    return op;
  }

  private leave(peer: CotPeer, operationId: string, remaining: ReadonlySet<string>): void {
    const op = this.ops.get(operationId);
    if (!op) return;
    this.detach(peer, operationId);
    const stillSeen = new Set<string>();
    for (const id of remaining) for (const s of this.ops.get(id)?.stations ?? []) stillSeen.add(s);
    for (const doc of op.docs.values())
      for (const id of doc.annotationJson.keys())
        this.sendTo(peer, deleteEvent(this.o.lib, annotationUid(op.id, doc.scope, id)));
    for (const p of this.o.live.snapshot(op.stations.filter((s) => !stillSeen.has(s))))
      this.sendTo(peer, deleteEvent(this.o.lib, unitUid(p.stationId, p.unitId)));
  }

  private detach(peer: CotPeer, operationId: string): void {
    const op = this.ops.get(operationId);
    if (!op) return;
    op.peers.delete(peer);
    if (op.peers.size === 0) this.ops.delete(operationId);
  }

  /** Every unit position and annotation of the operation, to one peer. */
  private sendAll(peer: CotPeer, op: FollowedOp): void {
    for (const p of this.o.live.snapshot(op.stations)) {
      const held = this.shown.get(unitKey(p.stationId, p.unitId));
      const pos = held && isNewerFix(held, p) ? held : p;
      if (isSelf(peer, pos)) continue;
      const event = this.unitEventOf(op, pos);
      if (event) this.sendTo(peer, event);
    }
    for (const doc of op.docs.values()) {
      for (const json of doc.annotationJson.values()) {
        const event = this.annotationEventOf(op, doc, JSON.parse(json) as Annotation);
        if (event) this.sendTo(peer, event);
      }
    }
  }

  private onFix(pos: UnitPosition): void {
    if (this.closed) return;
    if (!offerNewest(this.shown, pos)) return;
    for (const op of this.ops.values()) {
      if (!op.stations.includes(pos.stationId) || op.peers.size === 0) continue;
      const event = this.unitEventOf(op, pos);
      if (event) this.broadcast(op, event, pos);
    }
  }

  /** Re-read a document; reads of one document run one at a time, coalesced. */
  private scheduleRead(op: FollowedOp, doc: DocState): Promise<void> {
    if (doc.reading) {
      doc.readAgain = true;
      return doc.reading;
    }
    const run = async () => {
      do {
        doc.readAgain = false;
        await this.read(op, doc);
      } while (doc.readAgain && !this.closed);
    };
    const reading = run()
      .catch((err: unknown) => this.o.log.error({ err, doc: doc.name }, 'cot: document read failed'))
      .finally(() => (doc.reading = null));
    doc.reading = reading;
    this.pending.add(reading);
    void reading.finally(() => this.pending.delete(reading));
    return reading;
  }

  private async read(op: FollowedOp, doc: DocState): Promise<void> {
    if (this.closed) return;
    const room = await this.o.rooms.get(doc.name);
    if (this.closed) return;
    const annotations = readMap<Annotation>(room.doc, 'annotations');
    for (const id of [...doc.annotationJson.keys()]) {
      if (annotations.has(id)) continue;
      doc.annotationJson.delete(id);
      this.broadcast(op, deleteEvent(this.o.lib, annotationUid(op.id, doc.scope, id)));
    }
    for (const [id, a] of annotations) {
      const json = JSON.stringify(a);
      if (doc.annotationJson.get(id) === json) continue;
      doc.annotationJson.set(id, json);
      const event = this.annotationEventOf(op, doc, a);
      if (event) this.broadcast(op, event);
    }
    const units = readMap<Unit>(room.doc, 'units');
    const changed: string[] = [];
    for (const id of [...doc.units.keys()]) if (!units.has(id)) changed.push(id);
    for (const [id, u] of units) if (doc.unitJson.get(id) !== JSON.stringify(u)) changed.push(id);
    doc.units = units;
    doc.unitJson = new Map([...units].map(([id, u]) => [id, JSON.stringify(u)]));
    // A roster change (callsign, status) shows on the unit's marker at once.
    for (const id of changed) {
      const pos = this.shown.get(unitKey(doc.scope, id));
      const event = pos && this.unitEventOf(op, pos);
      if (pos && event) this.broadcast(op, event, pos);
    }
  }

  private unitEventOf(op: FollowedOp, pos: UnitPosition): CotEvent | null {
    const unit = op.docs.get(`${op.id}/${pos.stationId}`)?.units.get(pos.unitId);
    try {
      return unitEvent(this.o.lib, pos, unit, op.stationNames.get(pos.stationId), this.o.lostAfterMs, this.now());
    } catch (err) {
      this.o.log.error({ err, unit: pos.unitId }, 'cot: unit not encoded');
      return null;
    }
  }

  private annotationEventOf(op: FollowedOp, doc: DocState, a: Annotation): CotEvent | null {
    try {
      return annotationEvent(this.o.lib, op.id, doc.scope, a, this.now());
    } catch (err) {
      this.o.log.error({ err, doc: doc.name, annotation: a.id }, 'cot: annotation not encoded');
      return null;
    }
  }

  private broadcast(op: FollowedOp, event: CotEvent, unit?: UnitPosition): void {
    const xml = cotXml(event);
    const uid = event.uid();
    for (const peer of op.peers) if (!unit || !isSelf(peer, unit)) peer.send(uid, xml);
  }

  private sendTo(peer: CotPeer, event: CotEvent): void {
    peer.send(event.uid(), cotXml(event));
  }
}

const isSelf = (peer: CotPeer, pos: UnitKey): boolean =>
  peer.self !== null && peer.self.stationId === pos.stationId && peer.self.unitId === pos.unitId;
