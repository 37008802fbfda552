import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { loadNodeCot, type CotEvent, type NodeCot } from '@jointmap/server/cot/node-cot';
import type { Teardown } from '../helpers/server.ts';

/** A TAK client made of the same CoT library as the bridge, over a real socket. */
export interface TakClient {
  lib: NodeCot;
  socket: Socket;
  /** Every event received, in order. */
  events: CotEvent[];
  /** Bytes received in all. */
  bytes: number;
  /** The newest event received for a uid. */
  latest(uid: string): CotEvent | undefined;
  send(event: CotEvent): void;
  /** Send the position event a TAK client sends about itself (its situational awareness). */
  sendPosition(uid: string, p: { lng: number; lat: number; time?: number; speedMps?: number; course?: number }): void;
  /** Resolves when the connection has closed. */
  closed: Promise<void>;
  isClosed(): boolean;
}

export interface TakTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export async function connectTak(t: Teardown, port: number, tls?: TakTls): Promise<TakClient> {
  const lib = await loadNodeCot();
  const socket: Socket = tls
    ? tlsConnect({ host: '127.0.0.1', port, ca: tls.ca, cert: tls.cert, key: tls.key, servername: 'localhost' })
    : netConnect({ host: '127.0.0.1', port });
  let closed = false;
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  socket.on('error', () => undefined);
  t.onTestFinished(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve) => {
    socket.once(tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('close', () => resolve());
  });
  const client: TakClient = {
    lib,
    socket,
    events: [],
    bytes: 0,
    latest: (uid) => client.events.findLast((e) => e.uid() === uid),
    send: (event) => void socket.write(event.to_xml()),
    sendPosition(uid, p) {
      const time = new Date(p.time ?? Date.now()).toISOString();
      client.send(
        lib.CoT.from_geojson({
          id: uid,
          type: 'Feature',
          properties: {
            type: 'a-f-G-U-C',
            how: 'm-g',
            callsign: 'ATAK 1',
            time,
            start: time,
            stale: 120_000,
            ...(p.course !== undefined ? { course: p.course } : {}),
            ...(p.speedMps !== undefined ? { speed: p.speedMps } : {}),
          },
          geometry: { type: 'Point', coordinates: [p.lng, p.lat, 12] },
        }),
      );
    },
    closed: closedPromise,
    isClosed: () => closed,
  };
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    client.bytes += Buffer.byteLength(chunk);
    text += chunk;
    for (let end = text.indexOf('</event>'); end >= 0; end = text.indexOf('</event>')) {
      client.events.push(new lib.CoT(text.slice(0, end + '</event>'.length)));
      text = text.slice(end + '</event>'.length);
    }
  });
  return client;
}

/** The `<point>` of an event as numbers. */
export function pointOf(event: CotEvent): { lat: number; lon: number } {
  const p = event.raw.event.point?._attributes ?? {};
  return { lat: Number(p.lat), lon: Number(p.lon) };
}

/** The callsign in an event's `<contact>`. */
export function callsignOf(event: CotEvent): string | undefined {
  const contact = event.raw.event.detail?.contact as { _attributes?: { callsign?: string } } | undefined;
  return contact?._attributes?.callsign;
}
