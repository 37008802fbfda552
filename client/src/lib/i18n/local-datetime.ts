import { CST_OFFSET_MS } from '@jointmap/shared';

/**
 * Date-and-time fields written `YYYY-MM-DD HH:mm` (the order used in China, GB/T 7408, and
 * unambiguous in English), in China time (`CHINA_TIME_ZONE`: UTC+8 all year), whatever the
 * browser's zone. The native `datetime-local` control is not used: Chromium formats it from the
 * browser's own locale whatever the page's language, so a Chinese console on an English system
 * showed `11/30/2026, 02:05 PM`.
 */
const pad = (n: number) => String(n).padStart(2, '0');

export function formatLocalMinute(ms: number): string {
  const d = new Date(ms + CST_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** The instant a `YYYY-MM-DD HH:mm` text names in China time (also `T` or `/` separated), or null if it names none. */
export function parseLocalMinute(text: string): number | null {
  const m = /^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[\sT]+(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi));
  const same =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi;
  return same ? date.getTime() - CST_OFFSET_MS : null;
}
