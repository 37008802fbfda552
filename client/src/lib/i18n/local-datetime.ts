/**
 * Date-and-time fields written `YYYY-MM-DD HH:mm` (the order used in China, GB/T 7408, and
 * unambiguous in English), in the browser's time zone. The native `datetime-local` control is not
 * used: Chromium formats it from the browser's own locale whatever the page's language, so a
 * Chinese console on an English system showed `11/30/2026, 02:05 PM`.
 */
const pad = (n: number) => String(n).padStart(2, '0');

export function formatLocalMinute(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The instant a `YYYY-MM-DD HH:mm` text names (also `T` or `/` separated), or null if it names none. */
export function parseLocalMinute(text: string): number | null {
  const m = /^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[\sT]+(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi);
  const same =
    date.getFullYear() === y &&
    date.getMonth() === mo - 1 &&
    date.getDate() === d &&
    date.getHours() === h &&
    date.getMinutes() === mi;
  return same ? date.getTime() : null;
}
