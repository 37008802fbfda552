import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer, tempDir, type Teardown } from '../helpers/server.ts';
import { api, eventually, traccarQuery } from '../live/live-helpers.ts';
import { connectTak } from './tak-client.ts';

const TAK_UID = 'ANDROID-tls-0001';

/** Another device's uid, whose holder must not speak for {@link TAK_UID}. */
const OTHER_UID = 'ANDROID-tls-0002';
/** A uid named only by a DNS subjectAltName; the certificate's CN is a person's name. */
const SAN_UID = 'ANDROID-tls-0003';

/**
 * A CA, a server certificate for 127.0.0.1 and client certificates, made with openssl: `client`
 * names TAK_UID, `other` names it too but comes from another CA, `peer` (this CA) names OTHER_UID,
 * and `san` (this CA) names SAN_UID in a subjectAltName under the CN 王警官.
 */
function makeCertificates(
  dir: string,
): Record<
  | 'caCert'
  | 'serverCert'
  | 'serverKey'
  | 'clientCert'
  | 'clientKey'
  | 'otherCa'
  | 'otherCert'
  | 'otherKey'
  | 'peerCert'
  | 'peerKey'
  | 'sanCert'
  | 'sanKey',
  string
> {
  const path = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string, cn: string) =>
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
    );
  const signed = (name: string, cn: string, caName: string, ext: string) => {
    writeFileSync(path(`${name}.ext`), ext);
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-utf8',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${caName}.crt`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  ca('ca', 'JointMap test CA');
  ca('other-ca', 'Someone else');
  signed('server', 'localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed('client', TAK_UID, 'ca', 'extendedKeyUsage=clientAuth\n');
  signed('other', TAK_UID, 'other-ca', 'extendedKeyUsage=clientAuth\n');
  signed('peer', OTHER_UID, 'ca', 'extendedKeyUsage=clientAuth\n');
  signed('san', '王警官', 'ca', `subjectAltName=DNS:${SAN_UID}\nextendedKeyUsage=clientAuth\n`);
  return {
    caCert: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    otherCa: path('other-ca.crt'),
    otherCert: path('other.crt'),
    otherKey: path('other.key'),
    peerCert: path('peer.crt'),
    peerKey: path('peer.key'),
    sanCert: path('san.crt'),
    sanKey: path('san.key'),
  };
}

/** A server whose CoT port speaks TLS and asks for a client certificate of the test CA; a commander's token. */
async function tlsServer(t: Teardown) {
  const dir = tempDir('jointmap-cot-tls-');
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const files = makeCertificates(dir);
  const server = await startServer(t, {
    cotPort: 0,
    cotTlsCert: files.serverCert,
    cotTlsKey: files.serverKey,
    cotTlsCa: files.caCert,
  });
  const port = server.app.cotBridge!.address()!.port;
  const { token } = await server.login('commander');
  return { files, server, port, token };
}

describe('Cursor-on-Target bridge over TLS', () => {
  it('requires a client certificate signed by COT_TLS_CA', async (t) => {
    const { files, server, port, token } = await tlsServer(t);
    expect(
      (
        await api(server, token, 'POST', '/api/devices', {
          id: TAK_UID,
          stationId: 'deqing-yuyue',
          unitId: 'yuyue-car-01',
        })
      ).status,
    ).toBe(201);
    expect((await traccarQuery(server.url, { id: 'demo-yunhe-01', lat: 30.41, lon: 120.28 })).status).toBe(200);
    const ca = readFileSync(files.caCert);

    // Without a certificate, and with one from another CA: refused, nothing received or stored.
    for (const client of [{ ca }, { ca, cert: readFileSync(files.otherCert), key: readFileSync(files.otherKey) }]) {
      const refused = await connectTak(t, port, client);
      if (!refused.isClosed()) refused.sendPosition(TAK_UID, { lng: 120.2, lat: 30.2 });
      await refused.closed;
      expect(refused.bytes).toBe(0);
    }
    expect(await server.ctx.storage.latestPosition('deqing-yuyue', 'yuyue-car-01')).toBeNull();

    // With one: its position is stored and it is answered.
    const tak = await connectTak(t, port, {
      ca,
      cert: readFileSync(files.clientCert),
      key: readFileSync(files.clientKey),
    });
    tak.sendPosition(TAK_UID, { lng: 120.301, lat: 30.521 });
    tak.send(tak.lib.CoT.ping());
    await eventually(() => tak.events.some((e) => e.raw.event._attributes.type === 't-x-c-t-r'), 5_000, 'pong');
    await eventually(
      () => tak.events.some((e) => e.uid() === 'jointmap.unit.linping-yunhe.yunhe-car-01'),
      5_000,
      'units',
    );
    expect(await server.ctx.storage.latestPosition('deqing-yuyue', 'yuyue-car-01')).toMatchObject({
      deviceId: TAK_UID,
      lat: 30.521,
      lng: 120.301,
    });
  });

  it('a client certificate speaks only for the uid it names, in its CN or a subjectAltName', async (t) => {
    const { files, server, port, token } = await tlsServer(t);
    for (const [id, unitId] of [
      [TAK_UID, 'yuyue-car-01'],
      [OTHER_UID, 'yuyue-foot-02'],
      [SAN_UID, 'zhouquan-car-01'],
    ] as const) {
      const stationId = unitId.startsWith('yuyue') ? 'deqing-yuyue' : 'tongxiang-zhouquan';
      expect((await api(server, token, 'POST', '/api/devices', { id, stationId, unitId })).status).toBe(201);
    }
    const ca = readFileSync(files.caCert);
    const pong = (c: { events: { raw: { event: { _attributes: { type: string } } } }[] }) =>
      c.events.some((e) => e.raw.event._attributes.type === 't-x-c-t-r');

    // A valid certificate for OTHER_UID: its position as TAK_UID is ignored, its own is taken. The
    // connection handles events in order, so once it is answered the first was already refused.
    const peer = await connectTak(t, port, {
      ca,
      cert: readFileSync(files.peerCert),
      key: readFileSync(files.peerKey),
    });
    peer.sendPosition(TAK_UID, { lng: 120.111, lat: 30.111 });
    peer.sendPosition(OTHER_UID, { lng: 120.222, lat: 30.222 });
    peer.send(peer.lib.CoT.ping());
    await eventually(() => pong(peer), 5_000, 'pong to the peer');
    expect(await server.ctx.storage.latestPosition('deqing-yuyue', 'yuyue-car-01')).toBeNull();
    expect(await server.ctx.storage.latestPosition('deqing-yuyue', 'yuyue-foot-02')).toMatchObject({
      deviceId: OTHER_UID,
      lat: 30.222,
    });
    const received = await server.ctx.metrics.registry.getSingleMetricAsString('jointmap_cot_events_received_total');
    expect(received).toContain('outcome="not_certified"} 1');

    // The uid in a DNS subjectAltName, under a CN that is no uid: taken.
    const san = await connectTak(t, port, { ca, cert: readFileSync(files.sanCert), key: readFileSync(files.sanKey) });
    san.sendPosition(SAN_UID, { lng: 120.333, lat: 30.333 });
    san.send(san.lib.CoT.ping());
    await eventually(() => pong(san), 5_000, 'pong to the subjectAltName client');
    const car = await server.ctx.storage.latestPosition('tongxiang-zhouquan', 'zhouquan-car-01');
    expect(car).toMatchObject({ deviceId: SAN_UID, lat: 30.333 });
  });
});
