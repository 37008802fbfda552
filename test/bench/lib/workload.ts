import type { Annotation, Unit } from '@jointmap/shared';
import type { Rng } from './rng.ts';

/** The station document every server is benchmarked on (ours needs a real one). */
export const BENCH_DOC = 'demo-tricounty/deqing-yuyue';
export const BENCH_STATION = 'deqing-yuyue';
const AUTHOR = 'u-commander';
/** Around 禹越 (Deqing), WGS-84. */
const CENTRE: readonly [number, number] = [120.16, 30.55];
const COLORS = ['#d94841', '#2f7de1', '#e8a33d', '#3aa56b', '#8b5cf6', '#0f766e'];
const UNIT_KINDS = ['car', 'foot', 'motorbike', 'drone', 'dog', 'boat'] as const;
const UNIT_STATUS = ['available', 'en_route', 'on_scene', 'busy', 'off_duty'] as const;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** A closed, roughly circular polygon ring of 6–24 vertices somewhere within ~15 km of the centre. */
function polygonRing(rng: Rng): [number, number][] {
  const cx = CENTRE[0] + rng.range(-0.15, 0.15);
  const cy = CENTRE[1] + rng.range(-0.12, 0.12);
  const r = rng.range(0.0005, 0.01);
  const n = rng.int(6, 24);
  const ring: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = (i / n) * 2 * Math.PI;
    const rr = r * rng.range(0.7, 1.3);
    ring.push([round6(cx + rr * Math.cos(a)), round6(cy + rr * Math.sin(a))]);
  }
  ring.push([ring[0]![0], ring[0]![1]]);
  return ring;
}

/** A valid polygon annotation (shared/src/schema/annotation.ts). */
export function polygonAnnotation(rng: Rng, id: string, now: number, label = `区域 ${id}`): Annotation {
  return {
    id,
    kind: 'polygon',
    geometry: { type: 'Polygon', coordinates: [polygonRing(rng)] },
    label,
    color: rng.pick(COLORS),
    author: AUTHOR,
    createdAt: now,
    updatedAt: now,
  };
}

/** A valid unit record (shared/src/schema/unit.ts). */
export function unit(rng: Rng, id: string, now: number): Unit {
  const n = rng.int(1, 4);
  return {
    id,
    callsign: `禹越${id.slice(-3)}`,
    kind: rng.pick(UNIT_KINDS),
    stationId: BENCH_STATION,
    members: Array.from({ length: n }, (_, i) => `警员${rng.int(100, 999)}-${i}`),
    status: rng.pick(UNIT_STATUS),
    assignedTaskId: null,
    deviceIds: rng.next() < 0.5 ? [`dev-${id}`] : [],
    updatedAt: now,
  };
}

export const pad = (i: number, width = 5) => String(i).padStart(width, '0');
