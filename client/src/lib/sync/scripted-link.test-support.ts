import { vi } from 'vitest';
import * as Y from 'yjs';
import { memoryStorage } from '../state/memory-storage.test-support.ts';

/** `[messageSync=0, sub, varUint8Array(body)]`: a sync step 1 (sub 0) or step 2 (sub 1) frame. */
export function syncFrame(sub: 0 | 1, body: Uint8Array): Uint8Array {
  const head = [0, sub];
  for (let n = body.length; ; n = Math.floor(n / 128)) {
    if (n <= 0x7f) {
      head.push(n);
      break;
    }
    head.push(0x80 | (n & 0x7f));
  }
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** What a server holding `doc` says: its step 1 (what it has) and a step 2 (an answer: nothing we lack). */
export const serverStep1 = (doc: Y.Doc) => syncFrame(0, Y.encodeStateVector(doc));
export const serverStep2 = () => syncFrame(1, Y.encodeStateAsUpdate(new Y.Doc()));

/**
 * Document sockets the test plays the server of: each waits until the test opens it, records
 * what the page sends, and hands the page the frames the test gives it.
 */
export function scriptedSockets() {
  const sockets: ScriptedSocket[] = [];
  class ScriptedSocket extends EventTarget {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    readyState = 0;
    binaryType = 'arraybuffer';
    onopen: (() => void) | null = null;
    onclose: ((e: { code: number; reason: string }) => void) | null = null;
    onmessage: ((e: { data: ArrayBuffer }) => void) | null = null;
    onerror: (() => void) | null = null;
    readonly sent: Uint8Array[] = [];
    constructor(readonly url: string) {
      super();
      sockets.push(this);
    }
    get closed(): boolean {
      return this.readyState === 3;
    }
    open(): void {
      this.readyState = 1;
      this.onopen?.();
    }
    receive(frame: Uint8Array): void {
      this.onmessage?.({ data: frame.slice().buffer });
    }
    /** Sync step 1 frames the page sent (its own on open, then its probes). */
    get step1s(): number {
      return this.sent.filter((f) => f[0] === 0 && f[1] === 0).length;
    }
    send(data: Uint8Array): void {
      this.sent.push(new Uint8Array(data));
    }
    close(): void {
      this.readyState = 3;
    }
  }
  return { Socket: ScriptedSocket, sockets, last: () => sockets[sockets.length - 1] };
}

/**
 * The browser globals a `DocSync` needs, as stand-ins (made now: with fake timers, the fake ones),
 * with `socket` as WebSocket and `storage` as the localStorage its tabs share.
 */
export function stubPage(socket: new (url: string) => unknown, storage: Storage = memoryStorage()): Storage {
  const timers = { setTimeout, clearTimeout, setInterval, clearInterval };
  vi.stubGlobal('window', Object.assign(new EventTarget(), timers));
  vi.stubGlobal('navigator', { onLine: true });
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('WebSocket', socket);
  return storage;
}
