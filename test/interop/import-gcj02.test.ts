import { describe, expect, it } from 'vitest';
import { wgs84ToGcj02 } from '@jointmap/shared/geo/gcj02';
import { startServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';
import { uploadFile } from './import-helpers.ts';

/** GCJ-02 points where gcoord's inverse never returns: just inside its box of China. */
const LOOPING: number[][] = [
  [72.51, 0.83],
  [72.005, 1],
];

/** 德清 centre in WGS-84. */
const DEQING_WGS = [119.9775123, 30.5443987] as const;

const pointsFile = (coordinates: number[][]) =>
  Buffer.from(
    JSON.stringify({
      type: 'FeatureCollection',
      features: coordinates.map((c, i) => ({
        type: 'Feature',
        properties: { name: `p${i}` },
        geometry: { type: 'Point', coordinates: c },
      })),
    }),
  );

describe('importing GCJ-02', () => {
  // On gcoord's inverse these held an import worker for its full 60 s, then the file was refused
  // as "took more than 60 s to read"; two such uploads took both import slots.
  it(
    'points just inside the box of China, where gcoord’s inverse loops forever, are converted at once, each near where it was',
    { timeout: 20_000 },
    async (t) => {
      const server = await startServer(t);
      const { token } = await server.login('deqing');
      const started = Date.now();
      const res = await uploadFile(server, token, pointsFile(LOOPING), { scope: DEQING, crs: 'gcj02' });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect([res.status, res.body.error]).toEqual([200, undefined]);
      const got = res.body.annotations.map((a) => a.geometry.coordinates as number[]);
      expect(got).toHaveLength(LOOPING.length);
      got.forEach((c, i) => {
        expect(Math.abs(c[0]! - LOOPING[i]![0]!)).toBeLessThan(0.01);
        expect(Math.abs(c[1]! - LOOPING[i]![1]!)).toBeLessThan(0.01);
      });
    },
  );

  it(
    'a point in Zhejiang in the same file comes back to WGS-84 within 2 cm (7 decimals) of where it was',
    { timeout: 20_000 },
    async (t) => {
      const server = await startServer(t);
      const { token } = await server.login('deqing');
      const gcj = wgs84ToGcj02(...DEQING_WGS);
      const res = await uploadFile(server, token, pointsFile([gcj, ...LOOPING]), { scope: DEQING, crs: 'gcj02' });
      expect(res.status).toBe(200);
      const [deqing] = res.body.annotations.map((a) => a.geometry.coordinates as number[]);
      const metres = Math.hypot((deqing![0]! - DEQING_WGS[0]) * 96_000, (deqing![1]! - DEQING_WGS[1]) * 111_000);
      expect(metres).toBeLessThan(0.02);
    },
  );
});
