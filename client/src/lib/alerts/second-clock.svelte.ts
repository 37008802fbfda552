import { createSubscriber } from 'svelte/reactivity';

/**
 * The current time for ticking ages ("4:05"): readers re-run every second while anything reads it,
 * and the timer stops when nothing does.
 */
class SecondClock {
  private readonly subscribe = createSubscriber((update) => {
    const timer = setInterval(update, 1000);
    return () => clearInterval(timer);
  });

  get now(): number {
    this.subscribe();
    return Date.now();
  }
}

export const secondClock = new SecondClock();
