import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/** How often the process looks whether it has gone quiet (ms). */
export const IDLE_CHECK_MS = 10_000;
/** Quiet: the event loop was busy less than this share of the last check period. */
const QUIET_UTILIZATION = 0.01;
/** A young generation committed beyond this (bytes) is worth giving back. */
const YOUNG_KEPT_BYTES = 2 * 1024 * 1024;

/** Bytes V8 holds committed for its young generation. */
export function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Gives V8's young generation back once the server has gone quiet.
 *
 * Start-up (the demo seed, the first sync load) and any busy spell grow the young generation to
 * its limit (2 × 8 MiB under the launch settings), and V8 shrinks it only at a collection that runs
 * while little is being allocated: a server that then goes quiet allocates nothing, so no
 * collection runs, and it keeps 16 MiB of resident memory it does not use. Every
 * {@link IDLE_CHECK_MS}, when the event loop was busy under 1 % of the period and the young
 * generation is above 2 MiB, one young-generation collection runs (well under a millisecond with
 * nothing to copy), and V8 gives the space back. A busy server is never touched.
 *
 * The collection is V8's own `gc({ type: 'minor' })`, reached through `--expose-gc` set at run
 * time (the flag applies to contexts created after it, hence the `vm` context). Returns the stop
 * function, and a no-op where that is not available.
 */
export function releaseYoungGenerationWhenIdle(everyMs = IDLE_CHECK_MS): () => void {
  const collect = minorCollector();
  if (!collect) return () => undefined;
  let since = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const quiet = performance.eventLoopUtilization(now, since).utilization < QUIET_UTILIZATION;
    since = now;
    if (quiet && youngGenerationBytes() > YOUNG_KEPT_BYTES) collect();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

type Gc = (options: { type: 'minor' | 'major'; execution?: 'sync' }) => void;

function minorCollector(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as Gc | undefined;
    return typeof gc === 'function' ? () => gc({ type: 'minor' }) : null;
  } catch {
    return null;
  }
}
