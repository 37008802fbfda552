/** What a y-websocket server answers to a client's sync step 1 of an empty document: an empty step 2. */
const EMPTY_STEP_2 = Uint8Array.of(0, 1, 2, 0, 0);

/**
 * Document sockets that play a server holding nothing: each opens at once and answers the
 * provider's sync step 1, so its document is in sync, until the test has the server close it
 * (`closeBy`). Give `Socket` to `offlineSession`; `sockets` lists those opened so far.
 */
export function syncingSockets() {
  const sockets: SyncingSocket[] = [];
  class SyncingSocket extends EventTarget {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    readyState = 0;
    binaryType = 'arraybuffer';
    onopen: (() => void) | null = null;
    onclose: ((e: { code: number; reason: string }) => void) | null = null;
    onmessage: ((e: { data: ArrayBuffer }) => void) | null = null;
    onerror: (() => void) | null = null;
    constructor(readonly url: string) {
      super();
      sockets.push(this);
      setTimeout(() => {
        if (this.readyState !== 0) return;
        this.readyState = 1;
        this.onopen?.();
      }, 0);
    }
    send(data: Uint8Array): void {
      // Sync (0), step 1 (0): answered with everything the server has, nothing.
      if (data[0] === 0 && data[1] === 0) setTimeout(() => this.onmessage?.({ data: EMPTY_STEP_2.slice().buffer }), 0);
    }
    close(): void {
      this.readyState = 3;
    }
  }
  return {
    Socket: SyncingSocket,
    sockets,
    /** The server closes the open socket of the document named `docName` with `code` and `reason`. */
    closeBy(docName: string, code: number, reason: string): void {
      const socket = sockets.find((s) => s.readyState === 1 && new URL(s.url).pathname.endsWith(`/sync/${docName}`));
      if (!socket) throw new Error(`no open socket of ${docName}`);
      socket.readyState = 3;
      socket.onclose?.({ code, reason });
    },
  };
}
