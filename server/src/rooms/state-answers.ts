import * as Y from 'yjs';
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
