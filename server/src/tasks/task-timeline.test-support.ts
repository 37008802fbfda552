import * as Y from 'yjs';
import { applyChange, initDoc, type Change, type DocKind, type TimelineEvent } from '@jointmap/shared';
import type { LoggedUpdate } from '../storage/types.ts';
import { replayTaskTimeline } from './task-timeline.ts';

export const TASK = 'task-missing';
export const NAMES = new Map([
  ['u-linping', '运河值班民警'],
  ['u-deqing', '禹越值班民警'],
  ['u-tongxiang', '洲泉值班民警'],
  ['u-commander', '联合指挥长'],
]);

export interface Author {
  userId: string | null;
  sessionId: string | null;
}
export const server: Author = { userId: null, sessionId: null };
export const as = (user: string, session = `s-${user}`): Author => ({ userId: `u-${user}`, sessionId: session });

/** A document written change by change the way a room stores it: one logged update per commit. */
export class ScriptedDoc {
  readonly doc = new Y.Doc();
  readonly log: LoggedUpdate[] = [];

  constructor(
    readonly name: string,
    private readonly kind: DocKind,
  ) {
    this.commit(server, 1, () => initDoc(this.doc, { source: 'server' }));
  }

  write(change: Change, who: Author, time: number): this {
    return this.commit(who, time, () => applyChange(this.doc, this.kind, change, { source: 'server' }, this.scope()));
  }

  /**
   * A console's copy of the document as it stands now, writing as Yjs client `clientId` (of two
   * concurrent writes to one key, the higher client id's wins).
   */
  console(clientId: number): ConsoleCopy {
    const copy = new Y.Doc();
    copy.clientID = clientId;
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(this.doc));
    return {
      write: (change) => {
        const before = Y.encodeStateVector(copy);
        applyChange(copy, this.kind, change, { source: 'server' }, this.scope());
        return Y.encodeStateAsUpdate(copy, before);
      },
    };
  }

  /** A console's update reaching the room over sync: one logged update. */
  receive(update: Uint8Array, who: Author, time: number): this {
    return this.commit(who, time, () => Y.applyUpdate(this.doc, update));
  }

  replay(taskId = TASK): TimelineEvent[] {
    return replayTaskTimeline(this.name, this.log, taskId, NAMES);
  }

  private scope(): string | undefined {
    return this.kind === 'station' ? this.name.split('/')[1] : undefined;
  }

  private commit(who: Author, time: number, apply: () => void): this {
    const parts: Uint8Array[] = [];
    const capture = (u: Uint8Array) => parts.push(u);
    this.doc.on('update', capture);
    apply();
    this.doc.off('update', capture);
    this.log.push({ seq: this.log.length + 1, update: Y.mergeUpdates(parts), time, ...who });
    return this;
  }
}

/** A console's own copy of a document: each write returns the update it sends. */
export interface ConsoleCopy {
  write(change: Change): Uint8Array;
}

export const put = <T extends { id: string }>(map: string, value: T): Change => ({
  type: 'put',
  map,
  key: value.id,
  value,
});

/** The who and when every event of one logged update carries. */
export const at = (time: number, seq: number, scope: string, who: Author) => ({
  time,
  seq,
  scope,
  userId: who.userId,
  userName: who.userId === null ? null : (NAMES.get(who.userId) ?? null),
  sessionId: who.sessionId,
});
