/**
 * The scripted drive of the demo's hazardous-goods truck (SCENARIOS 岱山 "智慧鱼山": overspeed,
 * route change, long stop, restricted zone), as legs in metres east/north of the route's start.
 * One loop takes about 20 minutes and shows each alert kind once: overspeed after ~1.5 min, a
 * detour off the route into the tank-farm zone after ~4 min, a 3-minute stop after ~7 min.
 */
export type Leg = { to: [number, number]; kmh: number } | { stayS: number };

/** The route the truck is bound to (its corridor), in metres from the start. */
export const HAZMAT_ROUTE_M: ReadonlyArray<[number, number]> = [
  [0, 0],
  [1200, 150],
  [2400, 0],
  [3600, -150],
  [4800, 0],
];

/** The restricted tank-farm zone (化工储罐区) beside the route: its centre and half-side, in metres. */
export const TANK_FARM_M = { centre: [2400, 420] as [number, number], halfM: 150 };

export const HAZMAT_LOOP: readonly Leg[] = [
  { to: [600, 75], kmh: 40 },
  // 超速: 80 km/h where the truck is limited to 60.
  { to: [1200, 150], kmh: 80 },
  { to: [2300, 8], kmh: 40 },
  // 偏离路线: a detour north off the route, into the tank farm, and back.
  { to: [2350, 250], kmh: 25 },
  { to: [2400, 420], kmh: 15 },
  { stayS: 20 },
  { to: [2450, 0], kmh: 25 },
  { to: [3000, -75], kmh: 40 },
  // 长时间停留: three minutes at the roadside (the limit is two).
  { stayS: 180 },
  { to: [3600, -150], kmh: 40 },
  { to: [4800, 0], kmh: 40 },
  { stayS: 30 },
  // Back to the start along the route, within every limit.
  { to: [3600, -150], kmh: 45 },
  { to: [2400, 0], kmh: 45 },
  { to: [1200, 150], kmh: 45 },
  { to: [0, 0], kmh: 45 },
  { stayS: 30 },
];

/** Where the truck is after `seconds` into a loop (metres) and how fast it goes (km/h). */
export class LegPlayer {
  private leg = 0;
  private position: [number, number];
  private stayLeft = 0;

  constructor(
    private readonly legs: readonly Leg[],
    start: [number, number] = [0, 0],
  ) {
    this.position = [...start];
  }

  /** Advance one second; returns the position (metres) and the speed over that second (km/h). */
  tick(): { at: [number, number]; kmh: number } {
    const leg = this.legs[this.leg]!;
    if ('stayS' in leg) {
      if (this.stayLeft === 0) this.stayLeft = leg.stayS;
      this.stayLeft--;
      if (this.stayLeft === 0) this.next();
      return { at: [...this.position], kmh: 0 };
    }
    const step = leg.kmh / 3.6;
    const dx = leg.to[0] - this.position[0];
    const dy = leg.to[1] - this.position[1];
    const d = Math.hypot(dx, dy);
    if (d <= step) {
      this.position = [...leg.to];
      this.next();
    } else {
      this.position = [this.position[0] + (dx / d) * step, this.position[1] + (dy / d) * step];
    }
    return { at: [...this.position], kmh: leg.kmh };
  }

  private next(): void {
    this.leg = (this.leg + 1) % this.legs.length;
    this.stayLeft = 0;
  }
}
