import { describe, expect, it } from 'vitest';
import { CAR } from '../alerts/alert-helpers.ts';
import { startServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';

describe('a unit’s track as a file', () => {
  it('is named after the window’s start in Beijing time (UTC+8), the day included', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    const name = async (from: number, format: string) => {
      const res = await fetch(
        `${server.url}/api/units/${CAR.unitId}/track?stationId=${DEQING}&from=${from}&to=${from + 60_000}&format=${format}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      return res.headers.get('content-disposition');
    };
    // 2026-12-02 12:13 UTC is 20:13 in Beijing.
    const gpx = `track-${DEQING}-${CAR.unitId}-20261202-2013_UTC8.gpx`;
    expect(await name(Date.UTC(2026, 11, 2, 12, 13, 40), 'gpx')).toBe(
      `attachment; filename="${gpx}"; filename*=UTF-8''${encodeURIComponent(gpx)}`,
    );
    // 17:30 UTC is already the next day in Beijing.
    const kml = `track-${DEQING}-${CAR.unitId}-20261203-0130_UTC8.kml`;
    expect(await name(Date.UTC(2026, 11, 2, 17, 30), 'kml')).toBe(
      `attachment; filename="${kml}"; filename*=UTF-8''${encodeURIComponent(kml)}`,
    );
  });
});
