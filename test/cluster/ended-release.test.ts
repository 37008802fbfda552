import { expect, test } from 'vitest';
import { dispatchChanges, type Task } from '@jointmap/shared';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import { newTaskId, OperationConsole, type ConsoleServer } from '../helpers/op-console.ts';
import type { ServerProcess } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';
import { DEQING, LINPING, missingPersonTask, raise } from '../helpers/tasks.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function on(cluster: Cluster, instance: ServerProcess): ConsoleServer {
  return { url: instance.url, wsUrl: instance.wsUrl, login: (username) => cluster.login(instance, username) };
}

test('Redis away while 临平 closes a task on one instance and 德清 sends a unit to it on another: the unit is released once Redis is back', async (t) => {
  const cluster = await startCluster(t, 2);
  const [a, b] = cluster.instances;
  const linping = await OperationConsole.open(t, on(cluster, a!), 'linping');
  const commander = await OperationConsole.open(t, on(cluster, a!), 'commander');
  const deqing = await OperationConsole.open(t, on(cluster, b!), 'deqing');
  const task = raise(linping, missingPersonTask(newTaskId()));
  await eventually(() => !!deqing.task(LINPING, task.id), 10_000, '德清 to see the task');

  await cluster.redis.kill();
  const closed: Task = { ...task, state: 'closed', updatedAt: Date.now() };
  raise(linping, closed);
  // Each instance looks now and finds nothing to release: A has not seen the dispatch, B not the close.
  await sleep(800);
  expect(deqing.task(LINPING, task.id)?.state).toBe('open');
  const unit = deqing.unit('yuyue-car-01')!;
  deqing.write(DEQING, dispatchChanges([unit], task.id, Date.now()).get(DEQING)!);
  await sleep(800);
  expect(deqing.unit('yuyue-car-01')?.assignedTaskId).toBe(task.id);
  expect(commander.unit('yuyue-car-01')?.assignedTaskId).toBeNull(); // not relayed to A yet

  await cluster.redis.start();
  await eventually(
    () => deqing.unit('yuyue-car-01')?.assignedTaskId === null && deqing.task(LINPING, task.id)?.state === 'closed',
    30_000,
    '德清 to see the task closed and its unit released',
  );
  expect(deqing.unit('yuyue-car-01')?.status).toBe('available');
  // The commander, on the other instance, holds the same release.
  await eventually(
    () => JSON.stringify(commander.unit('yuyue-car-01')) === JSON.stringify(deqing.unit('yuyue-car-01')),
    10_000,
    'the commander to hold the same unit record',
  );
});
