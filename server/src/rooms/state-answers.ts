import * as Y from 'yjs';
import type { RoomSocket } from './room-connection.ts';
import { encodeSyncStep2, isEmptyStateVector } from './sync-messages.ts';

/**
 * A room's answers to sync step 1: its state since the asker's state vector. The answer for an
 * asker that has nothing (every fresh joiner) is kept until the document changes.
 */
export class StateAnswers {
  private full: Uint8Array | null;

  /** `snapshot`: a stored state known to be the document's whole current state, if any. */
  constructor(
    private readonly doc: Y.Doc,
    snapshot: Uint8Array | null,
  ) {
    this.full = snapshot ? encodeSyncStep2(snapshot) : null;
  }

  /** The encoded sync step 2 for `stateVector`; throws when the state vector is malformed. */
  answer(stateVector: Uint8Array): Uint8Array {
    if (isEmptyStateVector(stateVector)) return (this.full ??= encodeSyncStep2(Y.encodeStateAsUpdate(this.doc)));
    return encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector));
  }

  /** The document changed: the kept answer is stale. */
  changed(): void {
    this.full = null;
  }

  /** `state` (a snapshot just written) is the document's whole current state. */
  snapshotted(state: Uint8Array): void {
    this.full = encodeSyncStep2(state);
  }
}

/** A socket that can tell when what was sent to it has gone out (`RouteSocket.whenSent`). */
export type AnsweredSocket = RoomSocket & {
  /**
   * Run `done` once every message sent so far has gone out (none waits behind a message under
   * way); false, and `done` never runs, when none waits now. Never runs once the socket closes.
   */
  whenSent?(done: () => void): boolean;
};

/** A sync step 2 with nothing in it: the answer to an ask folded into the one before. */
const EMPTY_ANSWER = encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc()));

/** What the room knows of one connection's asks. */
interface Asker {
  /**
   * What the client holds once what it was sent arrives: each client's clock, the highest of its
   * asks' state vectors and of the room's state vectors when it was answered.
   */
  known: Map<number, number>;
  /** The last answer has not gone out yet: asks wait for it (`owed`). */
  underWay: boolean;
  /** Asks waiting to be answered once the answer under way has gone out. */
  owed: number;
}

/**
 * One connection's answers to its sync step 1s, at most one of them waiting to go out at a time.
 *
 * A client asks again while a large answer goes out slowly (our client probes after an edit to have
 * its edits confirmed, at most every 4 s); its state vector then lacks all of the answer, and every
 * answer would be the whole document again, each waiting behind the one before: on a slow link
 * they piled up past `SYNC_SEND_BACKLOG_MAX_BYTES` and the connection was closed, for ever while
 * someone drew. So an ask that comes while the connection's last answer has not gone out yet is
 * owed: once that answer has gone out, one answer is made for all asks owed, then, and one empty
 * answer for each further one (a client counts one answer per ask: `EditLedger`). Every answer is
 * made since what the client holds once what it was sent arrives (`Asker.known`), not its state
 * vector alone: a probe sent before the last answer arrived is answered with what came since.
 * Each owed ask ran in the room's queue after what its connection sent before it, so the answer
 * confirms all of that.
 */
export class PacedAnswers {
  private readonly askers = new WeakMap<AnsweredSocket, Asker>();

  constructor(
    private readonly doc: Y.Doc,
    private readonly answers: StateAnswers,
    /** Queue a task that serves the document once every change before it is durable. */
    private readonly run: (task: () => Promise<unknown>) => void,
  ) {}

  /**
   * `socket`'s step 1, in the room's queue with every change before it durable: answered now, or
   * owed. False when `stateVector` is malformed (nothing is answered).
   */
  ask(socket: AnsweredSocket, stateVector: Uint8Array): boolean {
    let asked: Map<number, number>;
    try {
      asked = Y.decodeStateVector(stateVector);
    } catch {
      return false;
    }
    const asker = this.askers.get(socket);
    if (asker && (asker.underWay || asker.owed > 0)) {
      mergeInto(asker.known, asked);
      asker.owed++;
      return true;
    }
    if (!asker) {
      // A first ask: `known` is its state vector, as sent (not encoded again).
      this.answer(socket, asked, 1, stateVector);
      return true;
    }
    mergeInto(asker.known, asked);
    this.answer(socket, asker.known, 1);
    return true;
  }

  /**
   * Answer `count` asks of `socket` with the document since `known` (`encoded`: `known` as the
   * client sent it, when it is just that).
   */
  private answer(socket: AnsweredSocket, known: Map<number, number>, count: number, encoded?: Uint8Array): void {
    if (!socket.isOpen) return;
    socket.send(this.answers.answer(encoded ?? Y.encodeStateVector(known)));
    for (let i = 1; i < count && socket.isOpen; i++) socket.send(EMPTY_ANSWER);
    raiseToDocument(known, this.doc);
    const asker: Asker = this.askers.get(socket) ?? { known, underWay: false, owed: 0 };
    asker.known = known;
    this.askers.set(socket, asker);
    asker.underWay = socket.whenSent?.(() => this.wentOut(socket, asker)) ?? false;
  }

  /** The answer under way went out: what was owed meanwhile is answered, in the room's queue. */
  private wentOut(socket: AnsweredSocket, asker: Asker): void {
    asker.underWay = false;
    if (asker.owed === 0) return;
    this.run(async () => {
      const count = asker.owed;
      asker.owed = 0;
      this.answer(socket, asker.known, count);
    });
  }
}

/** Raise `into`'s clocks to `from`'s. */
function mergeInto(into: Map<number, number>, from: Map<number, number>): void {
  for (const [client, clock] of from) if ((into.get(client) ?? 0) < clock) into.set(client, clock);
}

/**
 * Raise `into`'s clocks to `doc`'s state vector, read from its store: encoding the state vector and
 * decoding it again took three times as long as the answer itself to a client lacking little, with
 * a thousand clients in the document.
 */
function raiseToDocument(into: Map<number, number>, doc: Y.Doc): void {
  for (const client of doc.store.clients.keys()) {
    const clock = Y.getState(doc.store, client);
    if ((into.get(client) ?? 0) < clock) into.set(client, clock);
  }
}
