import type { Annotation } from '@jointmap/shared';
import { DEMO_OP, type TestServer } from '../helpers/server.ts';

/** What the import route answers, as far as the tests look at it. */
export interface ImportBody {
  format: string;
  applied: boolean;
  annotations: Annotation[];
  skipped: Record<string, number>;
  simplified: number;
  /** WGS-84 [west, south, east, north] of what is imported. */
  bbox: [number, number, number, number] | null;
  error?: { code: string; message: string };
}

/** POST a file to the import route of the demo operation. */
export async function uploadFile(server: TestServer, token: string, file: Uint8Array, query: Record<string, string>) {
  const res = await fetch(`${server.url}/api/operations/${DEMO_OP}/import?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: Buffer.from(file),
  });
  return { status: res.status, body: (await res.json()) as ImportBody };
}

/** A KML document around the given placemarks (and other features). */
export const kmlOf = (inner: string) =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>${inner}</Document></kml>`,
  );

/**
 * `tracks` KML line placemarks of `points` positions each (a drone or phone log per placemark),
 * at longitude `lng0` onwards: 2,000 × 250 is 13.6 MiB.
 */
export function manyTracks(tracks: number, points: number, lng0 = 120.2): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < tracks; i++) {
    const c: string[] = [];
    for (let j = 0; j < points; j++)
      c.push(`${(lng0 + i * 1e-4 + j * 1e-5).toFixed(7)},${(30.5 + j * 1e-5 + Math.sin(j) * 1e-5).toFixed(7)},12.5`);
    parts.push(
      `<Placemark><name>航迹 ${i}</name><styleUrl>#s</styleUrl><LineString><tessellate>1</tessellate><coordinates>${c.join(' ')}</coordinates></LineString></Placemark>`,
    );
  }
  return kmlOf(
    `<Style id="s"><LineStyle><color>ff0000ff</color></LineStyle></Style><Folder>${parts.join('')}</Folder>`,
  );
}
