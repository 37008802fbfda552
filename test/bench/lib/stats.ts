/** Small statistics and formatting helpers for the benchmarks. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export function mean(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  let s = 0;
  for (const x of samples) s += x;
  return s / samples.length;
}

export const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 1 : 0)} ms` : '–');
export const mib = (bytes: number): string =>
  Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : '–';
export const kib = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : '–');
export const cores = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');

/** Print a table (Markdown pipe syntax, so it reads in a terminal and pastes into docs). */
export function printTable(title: string, rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  console.log(`\n${title}\n`);
  rows.forEach((row, i) => {
    console.log(line(row));
    if (i === 0)
      console.log(`| ${widths.map((w, j) => (j === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`);
  });
}

/** `actual` compared with `limit`: positive = how much worse, as a percentage of `limit`. */
export function overBy(actual: number, limit: number): string {
  return `${(((actual - limit) / limit) * 100).toFixed(0)} %`;
}
