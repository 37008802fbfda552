import { defaultConfig, type Config } from '../config.ts';
import { TokenBuckets } from '../live/token-bucket.ts';

/**
 * What one sync connection may ask of its room. Every limit is a setting (config.ts); a
 * connection over a queue or request limit is closed with `RATE_LIMITED`, one over the presence
 * limit only has its extra client ids ignored (docs/decisions.md, "Limits per sync connection").
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
}

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
  };
}

/** The defaults of those settings (config.ts holds them once). */
export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = connectionLimits(defaultConfig());

/** Label of the `jointmap_sync_limited_total` metric. */
export type LimitName = 'queue' | 'state_requests' | 'awareness_clients';

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
    const next = this.tail.then(task).then(
      () => undefined,
      (err: unknown) => this.onError(err),
    );
    this.tail = next;
    return next;
  }

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
