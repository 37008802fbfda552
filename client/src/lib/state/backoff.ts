import { backoffDelay as sharedBackoffDelay, type Backoff } from '@jointmap/shared';

export type { Backoff };

/** 2 s, 4 s, 8 s … then once a minute: quick after a blip, light on a server that stays down for hours. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 2000, maxMs: 60_000 };

/**
 * The wait before the next attempt after `failures` failed ones in a row (0: the first retry), by
 * default {@link DEFAULT_BACKOFF}: the shared rule (`@jointmap/shared` `backoffDelay`).
 *
 * @example backoffDelay(0) === 2000; backoffDelay(5) === 60_000; backoffDelay(1, { baseMs: 1000, maxMs: 30_000 }) === 2000
 */
export function backoffDelay(failures: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  return sharedBackoffDelay(failures, backoff);
}

/**
 * Whether a failed request of our API may succeed if simply tried again: no answer at all (`fetch`
 * rejects with a TypeError when offline or the server is unreachable), a 5xx (e.g. 503
 * STORAGE_UNAVAILABLE), a timeout or rate limit. A refusal (400, 403, 404 …) stays a refusal;
 * a 401 has already ended the session.
 */
export function transientFailure(err: unknown): boolean {
  if (err instanceof TypeError) return true;
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status !== 'number') return false;
  return status >= 500 || status === 408 || status === 429;
}

export interface KeepTryingHandlers<T> {
  /** The task succeeded. */
  done: (value: T) => void;
  /** The task failed in a way trying again will not fix. */
  failed: (err: unknown) => void;
  /** The task failed for now; retry number `attempt` (1 for the first) starts in `delayMs`. */
  retrying?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Run `task` until it succeeds or fails for good (`transient` says which failures are worth another
 * try), waiting longer after each failure; the first attempt starts at once. Once the returned stop
 * function ran (the page or component is gone), no attempt starts and no handler is called.
 *
 * @example
 * const stop = keepTrying(() => session.get('/api/basemap/config'), { done: show, failed: () => {} });
 * onDestroy(stop);
 */
export function keepTrying<T>(
  task: () => Promise<T>,
  handlers: KeepTryingHandlers<T>,
  {
    backoff = DEFAULT_BACKOFF,
    transient = transientFailure,
  }: { backoff?: Backoff; transient?: (err: unknown) => boolean } = {},
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = (failures: number): void => {
    // A task that throws before returning its promise fails like one that rejects.
    new Promise<T>((resolve) => resolve(task())).then(
      (value) => {
        if (stopped) return;
        try {
          handlers.done(value);
        } catch (err) {
          handlers.failed(err); // using the result failed: that is not fixed by fetching it again
        }
      },
      (err: unknown) => {
        if (stopped) return;
        if (!transient(err)) return handlers.failed(err);
        const delayMs = backoffDelay(failures, backoff);
        handlers.retrying?.(err, failures + 1, delayMs);
        timer = setTimeout(() => attempt(failures + 1), delayMs);
      },
    );
  };
  attempt(0);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
