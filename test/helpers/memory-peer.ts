import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { Room, RoomSession, RoomSocket } from '@jointmap/server/rooms/room';

const REMOTE = Symbol('remote');

/**
 * A y-websocket peer over an in-memory transport whose queues the test flushes one message at a
 * time (Yjs TestConnector style). Speaks the same messages as the stock WebsocketProvider.
 */
export class MemoryPeer {
  readonly doc = new Y.Doc();
  /** server → peer */
  readonly inbox: Uint8Array[] = [];
  /** peer → server */
  readonly outbox: Uint8Array[] = [];
  readonly rejections: string[] = [];
  private conn: { receive(data: Uint8Array): void; close(): void } | null = null;
  private socket: (RoomSocket & { open: boolean }) | null = null;

  constructor(
    readonly name: string,
    readonly session: RoomSession,
  ) {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE || !this.connected) return;
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.writeUpdate(e, update);
      this.outbox.push(encoding.toUint8Array(e));
    });
  }

  get connected(): boolean {
    return this.socket?.open ?? false;
  }

  connect(room: Room): void {
    const socket = {
      open: true,
      send: (data: Uint8Array) => {
        if (socket.open) this.inbox.push(data);
      },
      close: () => {
        socket.open = false;
      },
      get isOpen() {
        return socket.open;
      },
    };
    this.socket = socket;
    this.conn = room.connect(socket, this.session);
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    syncProtocol.writeSyncStep1(e, this.doc);
    this.outbox.push(encoding.toUint8Array(e));
  }

  disconnect(): void {
    if (this.socket) this.socket.open = false;
    this.conn?.close();
    this.conn = null;
    this.inbox.length = 0;
    this.outbox.length = 0;
  }

  /** Deliver one queued message to the server. */
  flushOut(): boolean {
    const msg = this.outbox.shift();
    if (!msg || !this.conn) return false;
    this.conn.receive(msg);
    return true;
  }

  /** Handle one queued message from the server, as the stock provider does. */
  flushIn(): boolean {
    const msg = this.inbox.shift();
    if (!msg) return false;
    const d = decoding.createDecoder(msg);
    const type = decoding.readVarUint(d);
    if (type === 0) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      syncProtocol.readSyncMessage(d, e, this.doc, REMOTE);
      if (encoding.length(e) > 1 && this.connected) this.outbox.push(encoding.toUint8Array(e));
    } else if (type === 2) {
      decoding.readVarUint(d);
      this.rejections.push(decoding.readVarString(d));
    }
    return true;
  }
}
