/** Small statistics and formatting helpers for the benchmarks. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/**
 * Latency histogram with 1 ms buckets up to `maxMs` (larger values land in the last bucket): a
 * fixed few hundred KiB whatever the number of samples, for runs too long to keep every sample.
 */
export class Histogram {
  private readonly counts: Uint32Array;
  n = 0;
  constructor(maxMs = 120_000) {
    this.counts = new Uint32Array(maxMs + 1);
  }
  add(msValue: number): void {
    this.counts[Math.min(this.counts.length - 1, Math.max(0, Math.round(msValue)))]!++;
    this.n++;
  }
  /** Nearest-rank percentile (p in 0..100) in whole ms; NaN when empty. */
  percentile(p: number): number {
    if (this.n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i;
    }
    return Number.NaN;
  }
  max(): number {
    for (let i = this.counts.length - 1; i >= 0; i--) if (this.counts[i]) return i;
    return Number.NaN;
  }
  summary(): { n: number; p50: number; p99: number; max: number } {
    return { n: this.n, p50: this.percentile(50), p99: this.percentile(99), max: this.max() };
  }
}

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
export const cores = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 1 ? 3 : 2) : '–');

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
