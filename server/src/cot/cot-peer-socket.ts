import type { Socket } from 'node:net';
import type { UnitKey } from '@jointmap/shared';
import type { CotPeer } from './cot-picture.ts';

/**
 * The sending side of one TAK connection. Events are coalesced per uid until the socket can take
 * them: a slow client gets the newest state of each item, never a growing backlog.
 */
export class CotPeerSocket implements CotPeer {
  self: UnitKey | null = null;
  private readonly pending = new Map<string, string>();
  private scheduled = false;
  private waitingDrain = false;
  private ended = false;

  constructor(private readonly socket: Socket) {}

  send(uid: string, xml: string): void {
    if (this.socket.destroyed || this.ended) return;
    // Re-inserted so the order on the wire follows the order of the newest states.
    this.pending.delete(uid);
    this.pending.set(uid, xml);
    this.schedule();
  }

  /**
   * Write what is waiting, then close; nothing sent after is written. A client that does not read
   * it within `graceMs` is cut off.
   */
  end(graceMs: number): void {
    if (this.socket.destroyed || this.ended) return;
    this.ended = true;
    const text = [...this.pending.values()].join('');
    this.pending.clear();
    this.socket.end(text);
    setTimeout(() => this.socket.destroy(), graceMs).unref();
  }

  /** Items waiting to be written. */
  get backlog(): number {
    return this.pending.size;
  }

  private schedule(): void {
    if (this.scheduled || this.waitingDrain) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.socket.destroyed || this.ended || this.pending.size === 0) return;
    const text = [...this.pending.values()].join('');
    this.pending.clear();
    if (this.socket.write(text)) return;
    this.waitingDrain = true;
    this.socket.once('drain', () => {
      this.waitingDrain = false;
      this.flush();
    });
  }
}
