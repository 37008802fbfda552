import { SERVER_TIME_HEADER } from '@jointmap/shared';

const SAMPLES = 20;

/**
 * The server's clock as this tab's answers of our API show it (the `x-server-time` header of
 * sign-in and every `Session.get`): the first estimate there is, before the live channel of an
 * operation sends anything (`LivePositions.now` uses it until its own samples come), and the
 * one to go by where no operation is open.
 *
 * A sample is the server's time corrected by half the round trip (the middle of the exchange),
 * and the largest of the recent samples is the estimate, as for the live channel: an answer taken
 * from the browser's cache (the counties are kept an hour) carries an old server time, which only
 * makes its sample smaller.
 */
export class HttpClock {
  /** The estimated offset of the server's clock from this PC's (ms), or null before any answer stated it. */
  offsetMs: number | null = null;
  private offsets: number[] = [];

  /**
   * Note the server time an answer states: `sentAt` is `Date.now()` when the request went,
   * `receivedAt` when the answer's headers came. Answers without the header (an old server, a
   * proxy's error page) are ignored.
   */
  sample(res: Pick<Response, 'headers'>, sentAt: number, receivedAt = Date.now()): void {
    const stated = res.headers.get(SERVER_TIME_HEADER);
    const serverTime = stated ? Number(stated) : NaN;
    if (!Number.isFinite(serverTime) || receivedAt < sentAt) return;
    // Whole milliseconds: records store their stamps as integers.
    this.offsets.push(Math.round(serverTime - (sentAt + receivedAt) / 2));
    if (this.offsets.length > SAMPLES) this.offsets.shift();
    this.offsetMs = Math.max(...this.offsets);
  }

  /** The server's clock now (epoch ms) by the answers so far; this PC's before any. */
  now(): number {
    return Date.now() + (this.offsetMs ?? 0);
  }
}

/** This tab's estimate from its answers of our API. */
export const httpClock = new HttpClock();
