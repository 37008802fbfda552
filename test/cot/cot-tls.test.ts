import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer, tempDir } from '../helpers/server.ts';
import { api, eventually, traccarQuery } from '../live/live-helpers.ts';
import { connectTak } from './tak-client.ts';

const TAK_UID = 'ANDROID-tls-0001';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(
  dir: string,
): Record<
  'caCert' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCa' | 'otherCert' | 'otherKey',
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
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
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
  return {
    caCert: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    otherCa: path('other-ca.crt'),
    otherCert: path('other.crt'),
    otherKey: path('other.key'),
  };
}

describe('Cursor-on-Target bridge over TLS', () => {
  it('requires a client certificate signed by COT_TLS_CA', async (t) => {
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
});
