import { readFileSync } from 'node:fs';

/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; given `thread`
 * (a thread id of the process; the main thread's is the pid), that thread's alone.
 */
export function cpuSeconds(pid: number, thread?: number): number {
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
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

/** Busy and total CPU seconds of the whole machine so far, from /proc/stat. */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user/nice)
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = v[3]! + v[4]!;
  return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

/**
 * Cores used by everything on the machine during a phase, to tell how much other processes (other
 * test runs, a browser) competed with the benchmark.
 */
export class MachineSampler {
  private readonly start = machineCpuSeconds().busy;
  private readonly startWall = performance.now();
  stop(): number {
    return (machineCpuSeconds().busy - this.start) / ((performance.now() - this.startWall) / 1000);
  }
}

/**
 * Wait (at most `maxMs`) until the machine is nearly idle: less than `threshold` cores busy over
 * a 500 ms window. Returns the last measured load, in cores.
 */
export async function waitForQuiet(maxMs = 10_000, threshold = 0.3): Promise<number> {
  const deadline = performance.now() + maxMs;
  let load = Number.NaN;
  do {
    const m = new MachineSampler();
    await new Promise((r) => setTimeout(r, 500));
    load = m.stop();
    if (load < threshold) return load;
  } while (performance.now() < deadline);
  return load;
}
