/** How long ago something happened, in the largest whole unit that fits. */
export type Age = { unit: 'now' } | { unit: 'minutes' | 'hours' | 'days'; n: number };

/**
 * The age of a time for "3 分钟前" / "3 min ago": under a minute is `now`; a time slightly in the
 * future (another machine's clock) counts as now too.
 */
export function ageOf(time: number, now: number): Age {
  const minutes = Math.floor((now - time) / 60_000);
  if (minutes < 1) return { unit: 'now' };
  if (minutes < 60) return { unit: 'minutes', n: minutes };
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return { unit: 'hours', n: hours };
  return { unit: 'days', n: Math.floor(hours / 24) };
}
