import { readFileSync } from 'node:fs';

/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are at index 11 and 12 once pid and comm are dropped.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident set size in bytes, from /proc/<pid>/status (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

export interface PhaseUsage {
  /** Average cores used over the phase (CPU seconds / wall seconds). */
  cores: number;
  cpuSeconds: number;
  wallSeconds: number;
  peakRss: number;
  endRss: number;
}

/**
 * Samples a process while a phase runs: CPU from /proc/<pid>/stat at start and end, RSS every
 * `intervalMs` for the peak.
 */
export class ProcessSampler {
  private readonly startCpu: number;
  private readonly startWall = performance.now();
  private peak: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 200,
  ) {
    this.startCpu = cpuSeconds(pid);
    this.peak = rssBytes(pid);
    this.timer = setInterval(() => {
      this.peak = Math.max(this.peak, rssBytes(this.pid));
    }, intervalMs);
  }

  stop(): PhaseUsage {
    clearInterval(this.timer);
    const cpu = cpuSeconds(this.pid) - this.startCpu;
    const wall = (performance.now() - this.startWall) / 1000;
    const endRss = rssBytes(this.pid);
    this.peak = Math.max(this.peak, endRss);
    return { cores: cpu / wall, cpuSeconds: cpu, wallSeconds: wall, peakRss: this.peak, endRss };
  }
}
