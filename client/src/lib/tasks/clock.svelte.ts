import { createSubscriber } from 'svelte/reactivity';
import { i18n } from '../i18n/i18n.svelte.ts';
import { ageOf } from './task-age.ts';

const TICK_MS = 15_000;

/**
 * The current time for "3 分钟前" ages: readers re-run every 15 s while anything reads it, and the
 * timer stops when nothing does (so an idle page keeps no interval).
 */
class Clock {
  private readonly subscribe = createSubscriber((update) => {
    const timer = setInterval(update, TICK_MS);
    return () => clearInterval(timer);
  });

  get now(): number {
    this.subscribe();
    return Date.now();
  }
}

export const clock = new Clock();

/** "刚刚" / "3 分钟前" / "2 小时前", live: re-evaluated as the clock ticks. */
export function ageLabel(time: number): string {
  const age = ageOf(time, clock.now);
  return age.unit === 'now' ? i18n.t('tasks.age.now') : i18n.t(`tasks.age.${age.unit}`, { n: age.n });
}
