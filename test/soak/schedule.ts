/**
 * When the soak disturbs the server: reconnect storms every few minutes and one SIGKILL + restart
 * per 10 minutes, compressed for short runs so that even a 1-minute run has one of each.
 */

export interface SoakEvent {
  atS: number;
  kind: 'storm' | 'kill';
}

const STORM_EVERY_S = 180;
const KILL_EVERY_S = 600;
/** No storm this close to a kill (the kill is a storm of its own). */
const STORM_KILL_GAP_S = 45;

/**
 * Runs of 20 minutes or more: a kill every 10 minutes (none in the last minute) and a storm every
 * 3 minutes. Shorter runs: one kill at 35 % of the run, storms at 20 % and 70 % (so the last
 * server life is the longest and the memory check has the most to look at).
 */
export function schedule(durationS: number): SoakEvent[] {
  const events: SoakEvent[] = [];
  if (durationS >= 20 * 60) {
    for (let t = KILL_EVERY_S; t < durationS - 60; t += KILL_EVERY_S) events.push({ atS: t, kind: 'kill' });
    for (let t = STORM_EVERY_S; t < durationS - 30; t += STORM_EVERY_S) {
      if (events.some((e) => e.kind === 'kill' && Math.abs(e.atS - t) < STORM_KILL_GAP_S)) continue;
      events.push({ atS: t, kind: 'storm' });
    }
  } else {
    events.push({ atS: 0.2 * durationS, kind: 'storm' });
    events.push({ atS: 0.35 * durationS, kind: 'kill' });
    events.push({ atS: 0.7 * durationS, kind: 'storm' });
  }
  return events.sort((a, b) => a.atS - b.atS);
}

/**
 * Time spans (epoch ms) during which the service was disturbed on purpose. A latency sample whose
 * send → receive span touches one (with a margin) is not "steady".
 */
export class Disruptions {
  private readonly spans: Array<{ from: number; to: number }> = [];
  private static readonly MARGIN_MS = 2_000;

  begin(): { end(): void } {
    const span = { from: Date.now(), to: Number.POSITIVE_INFINITY };
    this.spans.push(span);
    return { end: () => (span.to = Date.now()) };
  }

  overlaps(from: number, to: number): boolean {
    const m = Disruptions.MARGIN_MS;
    return this.spans.some((s) => from <= s.to + m && to >= s.from - m);
  }
}
