import { DEMO_OP, startServer, type Teardown, type TestServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';

/** 德清's desk on a server of the test's own: signed in, its annotations exported. */

/** A server with the demo seeded, and a sign-in of 德清's desk to it. */
export async function startAsDeqing(t: Teardown): Promise<{ server: TestServer; token: string }> {
  const server = await startServer(t);
  const { token } = await server.login('deqing');
  return { server, token };
}

/**
 * 德清's annotations exported as GeoJSON and as KML, once the GeoJSON holds `text`: the export
 * reads the stored document, which a client's write reaches a moment later (polled for 10 s).
 */
export async function exportOnceStored(
  server: TestServer,
  token: string,
  text: string,
): Promise<{ geojson: string; kml: string }> {
  const base = `${server.url}/api/operations/${DEMO_OP}/export?what=annotations&scope=${DEQING}`;
  const get = async (format: string) =>
    (await fetch(`${base}&format=${format}`, { headers: { authorization: `Bearer ${token}` } })).text();
  let geojson = '';
  for (let i = 0; i < 100 && !geojson.includes(text); i++) {
    if (i) await new Promise((r) => setTimeout(r, 100));
    geojson = await get('geojson');
  }
  return { geojson, kml: await get('kml') };
}
