/** Longest delay `setTimeout` accepts (2^31 − 1 ms, ~24.8 days); wall tokens live 30 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Call `fn` once at epoch ms `at` (at once, on a later turn, when that has passed). `setTimeout`
 * cannot wait longer than {@link MAX_TIMER_MS} (a longer delay fires immediately), so a far
 * deadline is reached in steps, each re-checking the clock. Returns the cancel; the timer does
 * not keep the process alive.
 */
export function callAt(at: number, fn: () => void, now: () => number = Date.now): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const left = at - now();
    timer = setTimeout(left > MAX_TIMER_MS ? arm : fn, Math.min(Math.max(left, 0), MAX_TIMER_MS));
    timer.unref?.();
  };
  arm();
  return () => clearTimeout(timer);
}
