// Test support, not a test (vitest runs `*.test.ts` only) and imported by tests only: the slow
// socket, answer reading and paced answers the state-answers tests share.
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { PacedAnswers, StateAnswers, type AnsweredSocket } from './state-answers.ts';

/** A socket whose messages go out only when the test says so (`goOut`), as behind a slow link. */
export class SlowSocket implements AnsweredSocket {
  isOpen = true;
  readonly sent: Uint8Array[] = [];
  private waiting: Array<() => void> = [];
  private pending = false;
  send(data: Uint8Array): void {
    this.sent.push(data);
    this.pending = true;
  }
  close(): void {
    this.isOpen = false;
  }
  whenSent(done: () => void): boolean {
    if (!this.pending) return false;
    this.waiting.push(done);
    return true;
  }
  /** Everything sent so far has gone out. */
  goOut(): void {
    this.pending = false;
    for (const done of this.waiting.splice(0)) done();
  }
}

/** The update a sync step 2 carries (null: another message). */
export function answerOf(message: Uint8Array): Uint8Array | null {
  const d = decoding.createDecoder(message);
  if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 1) return null;
  return decoding.readVarUint8Array(d);
}

/** `PacedAnswers` for `doc` whose queued tasks run only when the test says so (`run`). */
export function paced(doc: Y.Doc) {
  const tasks: Array<() => Promise<unknown>> = [];
  const answers = new PacedAnswers(doc, new StateAnswers(doc, null), (task) => void tasks.push(task));
  /** Run the queued tasks (the room's queue). */
  const run = async () => {
    for (const task of tasks.splice(0)) await task();
  };
  return { answers, run, tasks };
}

export const vectorOf = (doc: Y.Doc) => Y.encodeStateVector(doc);
