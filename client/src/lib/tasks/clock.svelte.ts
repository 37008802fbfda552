import { createSubscriber } from 'svelte/reactivity';
import { i18n } from '../i18n/i18n.svelte.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { serverNow } from '../state/server-clock.ts';
import { ageOf } from './task-age.ts';

const TICK_MS = 15_000;

/**
 * The current time for "3 分钟前" ages: the server's clock (`serverNow`), which stamps the tasks,
 * so a PC running minutes slow or fast ages them right. Readers re-run every 15 s while anything
 * reads it, and the timer stops when nothing does (so an idle page keeps no interval).
 */
class Clock {
  private readonly subscribe = createSubscriber((update) => {
    const timer = setInterval(update, TICK_MS);
    return () => clearInterval(timer);
  });

  now(session: Pick<OperationSession, 'live'>): number {
    this.subscribe();
    return serverNow(session);
  }
}

export const clock = new Clock();

/** "刚刚" / "3 分钟前" / "2 小时前" of a server-clock `time`, live: re-evaluated as the clock ticks. */
export function ageLabel(session: Pick<OperationSession, 'live'>, time: number): string {
  const age = ageOf(time, clock.now(session));
  return age.unit === 'now' ? i18n.t('tasks.age.now') : i18n.t(`tasks.age.${age.unit}`, { n: age.n });
}
