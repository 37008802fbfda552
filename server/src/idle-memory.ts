import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/** How often the process looks whether it has gone quiet (ms). */
export const IDLE_CHECK_MS = 10_000;
/** Quiet: the event loop was busy less than this share of the last check period. */
const QUIET_UTILIZATION = 0.01;
/** A young generation committed beyond this (bytes) is worth giving back. */
const YOUNG_KEPT_BYTES = 2 * 1024 * 1024;
/** Old-generation memory committed beyond what its objects use (bytes) worth a full collection. */
const OLD_SLACK_BYTES = 8 * 1024 * 1024;

const isYoung = (space: v8.HeapSpaceInfo) => space.space_name.startsWith('new_');

/** Bytes V8 holds committed for its young generation. */
export function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** Bytes V8 holds committed for its other spaces beyond what their objects use. */
export function oldGenerationSlackBytes(): number {
  return v8
    .getHeapSpaceStatistics()
    .filter((s) => !isYoung(s))
    .reduce((sum, s) => sum + s.space_size - s.space_used_size, 0);
}

/**
 * Gives memory back once the server has gone quiet, and never while it is busy.
 *
 * Start-up (the demo seed, the first sync load) and any busy spell grow the young generation to
 * its limit (2 × 8 MiB under the launch settings), and V8 shrinks it only at a collection that runs
 * while little is being allocated: a server that then goes quiet allocates nothing, so no
 * collection runs, and it keeps 16 MiB of resident memory it does not use. The old generation
 * keeps the pages start-up garbage and busy spells left behind.
 *
 * Every {@link IDLE_CHECK_MS}, when the event loop was busy under 1 % of the period:
 * - once per quiet spell, a full collection if the old generation holds over 8 MiB it does not
 *   use (start-up garbage, or what a busy spell left);
 * - a young-generation collection if the young generation is above 2 MiB (well under a
 *   millisecond with nothing to copy), and V8 gives the space back.
 *
 * This stands in for V8's own memory reducer, which the launch settings switch off
 * (`scripts/server-launch.mjs`): that one starts compacting when it samples a low allocation rate,
 * which on a server happens while clients are syncing.
 *
 * The collections are V8's own `gc()`, reached through `--expose-gc` set at run time (the flag
 * applies to contexts created after it, hence the `vm` context). Returns the stop function, and a
 * no-op where that is not available.
 */
export function releaseMemoryWhenIdle(everyMs = IDLE_CHECK_MS): () => void {
  const gc = exposedGc();
  if (!gc) return () => undefined;
  let since = performance.eventLoopUtilization();
  let collectedThisSpell = false;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const quiet = performance.eventLoopUtilization(now, since).utilization < QUIET_UTILIZATION;
    since = now;
    if (!quiet) {
      collectedThisSpell = false;
      return;
    }
    if (!collectedThisSpell && oldGenerationSlackBytes() > OLD_SLACK_BYTES) {
      gc();
      collectedThisSpell = true;
    }
    if (youngGenerationBytes() > YOUNG_KEPT_BYTES) gc({ type: 'minor' });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** V8's `gc`: no argument is a full collection. */
type Gc = (options?: { type: 'minor' }) => void;

function exposedGc(): Gc | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as Gc | undefined;
    return typeof gc === 'function' ? gc : null;
  } catch {
    return null;
  }
}
