/**
 * The coverage ramp of search sectors: red at 0 %, amber at 40 %, green from 80 % (a sector swept
 * that well is treated as searched). Colours are interpolated in RGB between the stops.
 */
export const COVERAGE_STOPS: ReadonlyArray<readonly [fraction: number, color: string]> = [
  [0, '#dc2626'],
  [0.4, '#f59e0b'],
  [0.8, '#16a34a'],
];

/** Coverage at or above this share counts as done (green). */
export const COVERAGE_DONE = 0.8;

const rgb = (hex: string): [number, number, number] => [
  parseInt(hex.slice(1, 3), 16),
  parseInt(hex.slice(3, 5), 16),
  parseInt(hex.slice(5, 7), 16),
];
const hex2 = (v: number) => Math.round(v).toString(16).padStart(2, '0');

/**
 * The fill colour of a sector whose swept share is `fraction` (0–1; out-of-range values are
 * clamped, null means no coverage known yet and draws as 0 %).
 *
 * @example
 * coverageColor(0); // '#dc2626'
 * coverageColor(0.9); // '#16a34a'
 */
export function coverageColor(fraction: number | null): string {
  const f = Math.min(1, Math.max(0, fraction ?? 0));
  for (let i = 1; i < COVERAGE_STOPS.length; i++) {
    const [f1, c1] = COVERAGE_STOPS[i]!;
    if (f > f1) continue;
    const [f0, c0] = COVERAGE_STOPS[i - 1]!;
    const t = (f - f0) / (f1 - f0);
    const a = rgb(c0);
    const b = rgb(c1);
    return `#${hex2(a[0] + (b[0] - a[0]) * t)}${hex2(a[1] + (b[1] - a[1]) * t)}${hex2(a[2] + (b[2] - a[2]) * t)}`;
  }
  return COVERAGE_STOPS[COVERAGE_STOPS.length - 1]![1];
}

/** Whole percent shown to users, rounded down so that "80 %" always means at least 80 %. */
export function coveragePercent(fraction: number | null): number {
  return Math.floor(Math.min(1, Math.max(0, fraction ?? 0)) * 100 + 1e-9);
}
