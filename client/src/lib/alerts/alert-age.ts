/** An alert's age split for a ticking "12:05" / "1:02:05" display. */
export interface AlertAge {
  hours: number;
  minutes: number;
  seconds: number;
}

/** How long ago `time` was at `now` (both epoch ms); a time in the future counts as zero. */
export function alertAge(time: number, now: number): AlertAge {
  const total = Math.max(0, Math.floor((now - time) / 1000));
  return { hours: Math.floor(total / 3600), minutes: Math.floor((total % 3600) / 60), seconds: total % 60 };
}

/** "0:42", "12:05", "1:02:05": the wall's ticking age, the same in every language. */
export function formatAlertAge(time: number, now: number): string {
  const { hours, minutes, seconds } = alertAge(time, now);
  const ss = String(seconds).padStart(2, '0');
  if (hours === 0) return `${minutes}:${ss}`;
  return `${hours}:${String(minutes).padStart(2, '0')}:${ss}`;
}
