import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docName, type Alert, type Task } from '@jointmap/shared';
import { loadAccountsFile } from '@jointmap/server/seed/accounts-file';
import { CAR, send, storedAlerts } from '../alerts/alert-helpers.ts';
import { until } from '../cluster/live-pair.ts';
import { DEMO_OP, startServer, tempDir, type Teardown, type TestServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { DEQING, missingPersonTask } from '../helpers/tasks.ts';
import { archiveOp, call, closeOp, download, restore } from './archive-helpers.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** 王伟, a dispatcher of 禹越 whose username has a dot, from an accounts file. */
async function withDottedAccount(t: Teardown, server: TestServer): Promise<string> {
  const dir = tempDir('jointmap-accounts-');
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'accounts.json');
  writeFileSync(
    file,
    JSON.stringify({
      accounts: [
        { username: 'wang.wei', name: '王伟', role: 'dispatcher', stationId: DEQING, password: 'wang-wei-pass-1' },
      ],
    }),
  );
  await loadAccountsFile(server.ctx, file);
  return (await server.login('wang.wei', 'wang-wei-pass-1')).token;
}

async function archiveAndPurge(server: TestServer) {
  const commander = (await server.login('commander')).token;
  expect((await closeOp(server, commander)).status).toBe(200);
  const record = await archiveOp(server, commander);
  expect(record.status).toBe(201);
  const file = await download(server, commander, record.body);
  const purge = await call(server, commander, 'POST', `/api/operations/${DEMO_OP}/purge`, {
    archiveId: record.body.id,
    sha256: sha256(file),
  });
  return { commander, file, purge };
}

describe('an account whose username has a dot (wang.wei)', () => {
  it('raises a task, draws, and acknowledges an alert, and the operation archived, purged and restored keeps both', async (t) => {
    const server = await startServer(t);
    const token = await withDottedAccount(t, server);

    // A task raised from 王伟's console: the server takes it with his id as its author.
    const station = docName(DEMO_OP, DEQING);
    const client = await connectClient(t, server.wsUrl, station, token);
    const task: Task = missingPersonTask('t-wangwei', {
      stationId: DEQING,
      targetStations: ['linping-yunhe'],
      createdBy: 'u-wang.wei',
    });
    client.doc.transact(() => {
      client.doc.getMap('tasks').set(task.id, task);
      client.doc
        .getMap('annotations')
        .set('p-wangwei', pointAnnotation('p-wangwei', '可疑车辆', 120.3, 30.52, 'u-wang.wei'));
    });
    await until(
      async () => {
        const doc = (await server.ctx.rooms.get(station)).doc;
        return doc.getMap('tasks').has(task.id) && doc.getMap('annotations').has('p-wangwei');
      },
      5_000,
      'the task and the drawing on the server',
    );

    await send(server, CAR.deviceId, [{ time: Date.now() - 1_000, at: [120.3, 30.5], alarm: 'sos' }]);
    const [sos] = (await storedAlerts(server)).filter((a) => a.kind === 'sos');
    const ack = await call<{ alert: Alert }>(
      server,
      token,
      'POST',
      `/api/operations/${DEMO_OP}/alerts/${sos!.id}/acknowledge`,
    );
    expect([ack.status, ack.body.alert.acknowledgedBy]).toEqual([200, { id: 'u-wang.wei', name: '王伟' }]);
    client.provider.destroy();

    const { commander, file, purge } = await archiveAndPurge(server);
    expect(purge.status).toBe(200);
    const back = await restore(server, commander, file);
    expect([back.status, back.body.error]).toEqual([201, undefined]);
    const alerts = await server.ctx.storage.listAlerts(DEMO_OP, { limit: 100 });
    expect(alerts.find((a) => a.id === sos!.id)?.acknowledgedBy).toEqual({ id: 'u-wang.wei', name: '王伟' });
    const tasks = (await server.ctx.rooms.get(station)).doc.getMap<Task>('tasks');
    expect(tasks.get(task.id)?.createdBy).toBe('u-wang.wei');
  });

  it('a purge refuses an archive a restore would refuse, and deletes nothing', async (t) => {
    const server = await startServer(t);
    await send(server, CAR.deviceId, [{ time: Date.now() - 1_000, at: [120.3, 30.5], alarm: 'sos' }]);
    const [sos] = (await storedAlerts(server)).filter((a) => a.kind === 'sos');
    // An alert stored with an author no archive can hold (storage takes what it is given).
    await server.ctx.storage.insertAlert({
      ...sos!,
      id: `${sos!.id}-x`,
      state: 'acknowledged',
      acknowledgedBy: { id: `u-${'x'.repeat(90)}`, name: '某人' },
      acknowledgedAt: Date.now(),
    });
    const { purge } = await archiveAndPurge(server);
    expect([purge.status, (purge.body as { error: { code: string } }).error.code]).toEqual([422, 'ARCHIVE_INVALID']);
    expect((await server.ctx.storage.getOperation(DEMO_OP))!.purgedAt).toBeNull();
    expect((await server.ctx.storage.readUpdateLog(docName(DEMO_OP, DEQING))).length).toBeGreaterThan(0);
  });
});
