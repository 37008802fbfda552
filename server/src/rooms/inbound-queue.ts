import { defaultConfig, type Config } from '../config.ts';
import { TokenBuckets } from '../live/token-bucket.ts';

/**
 * What one sync connection may ask of its room. The limits are settings (config.ts), but for the
 * presence size and rate (constants below); a connection over a queue or request limit is closed
 * with `RATE_LIMITED`, one over a presence limit only has those states ignored
 * (docs/decisions.md, "Limits per sync connection" and "Sync path hardening").
 */
export interface ConnectionLimits {
  /** Messages of one connection waiting in its room's queue; one more closes the connection. */
  queueMessages: number;
  /** Bytes of those waiting messages. */
  queueBytes: number;
  /**
   * Sync step 1 messages (each answered with an encoded state) and presence queries per minute;
   * a connection may use the whole minute's allowance at once.
   */
  stateRequestsPerMinute: number;
  /** Awareness client ids one connection may publish states for at the same time. */
  awarenessClients: number;
  /** Largest presence state (its JSON as sent, in bytes) a connection may publish; larger ones are ignored. */
  awarenessStateBytes: number;
  /**
   * Presence a connection may publish, in bytes a second (a bucket holding two seconds' worth;
   * each state costs its size plus `AWARENESS_STATE_COST_BYTES`). States over it are ignored.
   */
  awarenessBytesPerSecond: number;
}

/**
 * Defaults of the presence limits. Our client's state (a pointer, stamped with the user) is about
 * 200 bytes, sent at most ten times a second while the mouse moves (EditLayer) and renewed every
 * 15 s: 3 KiB a second, a sixth of the rate; a state 80 times ours still passes.
 */
export const AWARENESS_STATE_MAX_BYTES = 16 * 1024;
export const AWARENESS_BYTES_PER_SECOND = 16 * 1024;

/** The limits a server's settings give every connection. */
export function connectionLimits(
  config: Pick<
    Config,
    'syncQueueMaxMessages' | 'syncQueueMaxBytes' | 'syncStateRequestsPerMinute' | 'awarenessMaxClients'
  >,
): ConnectionLimits {
  return {
    queueMessages: config.syncQueueMaxMessages,
    queueBytes: config.syncQueueMaxBytes,
    stateRequestsPerMinute: config.syncStateRequestsPerMinute,
    awarenessClients: config.awarenessMaxClients,
    awarenessStateBytes: AWARENESS_STATE_MAX_BYTES,
    awarenessBytesPerSecond: AWARENESS_BYTES_PER_SECOND,
  };
}

/** The defaults of those settings (config.ts holds them once). */
export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = connectionLimits(defaultConfig());

/** Label of the `jointmap_sync_limited_total` metric. */
export type LimitName =
  | 'queue'
  | 'state_requests'
  | 'awareness_clients'
  | 'awareness_size'
  | 'awareness_rate'
  /** A presence message not sent to a connection that has too much waiting to go out. */
  | 'presence_backlog';

/**
 * One connection's share of its room: what it has waiting in the room's queue, and a token
 * bucket of state requests (full each minute, `stateRequestsPerMinute` tokens).
 */
export class InboundBudget {
  private messages = 0;
  private bytes = 0;
  private readonly stateRequests: TokenBuckets;

  constructor(
    readonly limits: Readonly<ConnectionLimits>,
    now: () => number = Date.now,
  ) {
    const perMinute = limits.stateRequestsPerMinute;
    this.stateRequests = new TokenBuckets(perMinute / 60, perMinute, now);
  }

  /** Count a message into the queue; false (nothing counted) when it would go over a limit. */
  admit(bytes: number): boolean {
    if (this.messages + 1 > this.limits.queueMessages || this.bytes + bytes > this.limits.queueBytes) return false;
    this.messages++;
    this.bytes += bytes;
    return true;
  }

  /** A message admitted earlier has been handled. */
  release(bytes: number): void {
    this.messages--;
    this.bytes -= bytes;
  }

  /** Messages and bytes waiting now. */
  get queued(): { messages: number; bytes: number } {
    return { messages: this.messages, bytes: this.bytes };
  }

  /** Take one state request from the bucket; false when it is empty. */
  takeStateRequest(): boolean {
    return this.stateRequests.take('');
  }
}

const ran = () => undefined;

/**
 * A room's work, one task at a time in arrival order: a joiner never sees state that is not yet
 * durable, and relayed updates keep their order. A task that throws goes to `onError` and the
 * queue goes on.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Run `task` after everything queued before it; resolves when it has run. */
  push(task: () => Promise<unknown>): Promise<void> {
    const next = this.tail.then(task).then(ran, this.failed);
    this.tail = next;
    return next;
  }

  private readonly failed = (err: unknown) => this.onError(err);

  /**
   * Queue a connection's message within its budget: false (nothing queued) when the connection
   * already has as much waiting as it may.
   */
  pushCounted(budget: InboundBudget, bytes: number, task: () => Promise<unknown>): boolean {
    if (!budget.admit(bytes)) return false;
    void this.push(async () => {
      try {
        await task();
      } finally {
        budget.release(bytes);
      }
    });
    return true;
  }

  /** Resolves once everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}
