import { expect, test, vi } from 'vitest';
import type { Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { liveServerAhead } from '../../state/live-server-harness.test-support.ts';
import { offlineSession } from '../../state/offline-session-harness.test-support.ts';
import { releaseFromTask, sendUnits } from './dispatch-actions.ts';

const SLOW_MS = 15 * 60_000;

test('a station PC 15 minutes slow stamps the units it sends and releases with the server’s clock', async () => {
  const wsBase = await liveServerAhead(SLOW_MS);
  const session = offlineSession(
    { id: 'u-deqing', name: '德清', role: 'dispatcher', stationId: 'deqing-yuyue' },
    ['deqing-yuyue'],
    wsBase,
  );
  await vi.waitFor(() => expect(session.live.now() - Date.now()).toBeGreaterThan(SLOW_MS - 5_000), {
    timeout: 10_000,
  });
  const near = (t: number | undefined) => Math.abs((t ?? 0) - (Date.now() + SLOW_MS)) < 5_000;
  const units = () => session.doc('deqing-yuyue')!.doc.getMap<Unit>('units');
  const unit = fixtures.unit();
  session.write('deqing-yuyue', { type: 'put', map: 'units', key: unit.id, value: unit });

  // Sent: its status change sorts among other stations' by the server's time.
  expect(sendUnits(session, [unit], 'task-missing')).toEqual([]);
  const sent = units().get(unit.id)!;
  expect({ status: sent.status, taskId: sent.assignedTaskId, stamped: near(sent.updatedAt) }).toEqual({
    status: 'en_route',
    taskId: 'task-missing',
    stamped: true,
  });

  // Released: available again, stamped by the server's clock too.
  releaseFromTask(session, sent);
  const released = units().get(unit.id)!;
  expect({ status: released.status, taskId: released.assignedTaskId, stamped: near(released.updatedAt) }).toEqual({
    status: 'available',
    taskId: null,
    stamped: true,
  });
});
