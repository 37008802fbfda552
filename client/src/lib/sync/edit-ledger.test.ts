import { describe, expect, it } from 'vitest';
import { EditLedger } from './edit-ledger.ts';
import { encodeSyncStep1 } from './sync-wire.ts';

/** A connection as the server sees it: the provider's step 1 on open, then the server's step 1. */
function online(l: EditLedger): void {
  l.connected();
  l.serverAsked();
}

describe('EditLedger: local edits count until the server has answered after them', () => {
  it('an edit made online is pending until the answer to a probe sent after it', () => {
    const l = new EditLedger();
    online(l);
    expect(l.answered()).toBe(false); // the answer to the provider's own step 1
    l.edit();
    expect(l.pending).toBe(1);
    expect(l.wantsProbe).toBe(true);
    l.probe();
    expect(l.wantsProbe).toBe(false);
    expect(l.pending).toBe(1); // no timer confirms anything
    expect(l.answered()).toBe(true);
    expect(l.pending).toBe(0);
  });

  it('edits made offline stay pending through the answer to the step 1 sent on reconnect', () => {
    const l = new EditLedger();
    l.edit();
    l.edit();
    expect(l.wantsProbe).toBe(false); // no socket: nothing to ask
    l.connected();
    // The answer to the provider's step 1 (sent on open, before our edits went out) confirms nothing.
    expect(l.answered()).toBe(false);
    expect(l.pending).toBe(2);
    expect(l.wantsProbe).toBe(false); // the server has not asked for our state yet
    l.serverAsked();
    l.probe();
    expect(l.answered()).toBe(true);
    expect(l.pending).toBe(0);
  });

  it('a probe in flight when the link drops confirms nothing; the edits wait for the next connection', () => {
    const l = new EditLedger();
    online(l);
    l.answered();
    l.edit();
    l.probe();
    l.disconnected();
    expect(l.answered()).toBe(false); // a stray answer after the drop (or from nobody) is ignored
    expect(l.pending).toBe(1);
    online(l);
    expect(l.answered()).toBe(false);
    expect(l.pending).toBe(1);
    l.probe();
    l.answered();
    expect(l.pending).toBe(0);
  });

  it('an answer confirms only the edits made before its probe', () => {
    const l = new EditLedger();
    online(l);
    l.answered();
    l.edit();
    l.probe();
    l.edit();
    l.edit();
    expect(l.wantsProbe).toBe(true); // the newest edits are not covered by the probe in flight
    l.answered();
    expect(l.pending).toBe(2);
    l.probe();
    l.answered();
    expect(l.pending).toBe(0);
  });

  it('edits left by an earlier page (a count) are confirmed after the server asked and answered', () => {
    const l = new EditLedger(3);
    expect(l.pending).toBe(3);
    l.connected();
    l.answered();
    expect(l.pending).toBe(3);
    l.serverAsked();
    expect(l.wantsProbe).toBe(true);
    l.probe();
    l.answered();
    expect(l.pending).toBe(0);
  });
});

describe('encodeSyncStep1', () => {
  it('writes the y-websocket sync step 1 frame with a varuint length', () => {
    expect([...encodeSyncStep1(Uint8Array.of(1, 2, 3))]).toEqual([0, 0, 3, 1, 2, 3]);
    const long = new Uint8Array(300).fill(7);
    const frame = encodeSyncStep1(long);
    expect([...frame.slice(0, 4)]).toEqual([0, 0, 0xac, 0x02]); // 300 = 0b10_0101100
    expect(frame.byteLength).toBe(4 + 300);
  });
});

describe('EditLedger: edits a read-only connection refused', () => {
  it('edits made offline and refused on reconnect (FORBIDDEN before the answer) count as refused, not confirmed', () => {
    const l = new EditLedger();
    l.edit();
    l.edit();
    online(l);
    l.answered();
    l.forbidden(); // the operation was closed meanwhile: the server admits us read-only
    l.probe();
    expect(l.answered()).toBe(true);
    expect(l.pending).toBe(0);
    expect(l.refused).toBe(2);
    // A later connection that accepts changes confirms its edits as before.
    l.disconnected();
    online(l);
    l.edit();
    l.probe();
    l.answered();
    expect(l.refused).toBe(2);
    l.clearRefused();
    expect(l.refused).toBe(0);
  });

  it('edits left by an earlier page are refused on a read-only connection; the count of refused ones is restored', () => {
    const l = new EditLedger(1, 3);
    expect(l.refused).toBe(3);
    online(l);
    l.answered(); // the answer to the provider's own step 1
    l.forbidden();
    l.probe();
    l.answered();
    expect([l.pending, l.refused]).toEqual([0, 4]);
  });

  it('restored edits held in a stored copy not loaded yet: no answer confirms them, not even one to a probe sent before they went out', () => {
    const l = new EditLedger(2, 0, true);
    online(l);
    expect(l.answered()).toBe(false);
    expect(l.wantsProbe).toBe(false); // only held edits wait
    l.edit(); // a new edit made meanwhile: confirmable
    expect(l.wantsProbe).toBe(true);
    l.probe();
    l.restoredOut(); // the stored copy loaded after that probe went out
    expect(l.answered()).toBe(true);
    expect(l.pending).toBe(2); // the new edit confirmed, the two restored ones not
    expect(l.wantsProbe).toBe(true);
    l.probe();
    expect(l.answered()).toBe(true);
    expect(l.pending).toBe(0);
  });
});
