import { AppError, operationDocNames, type Principal, type TaskTimeline, type TimelineEvent } from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';
import { replayTaskTimeline } from './task-timeline.ts';

/**
 * A task's timeline, replayed from the update log of every document of the operation, oldest
 * first. NOT_FOUND when the user may not see the operation, or when no document of it ever held
 * the task.
 */
export async function loadTaskTimeline(
  ctx: AppContext,
  user: Principal,
  operationId: string,
  taskId: string,
): Promise<TaskTimeline> {
  const op = await getVisibleOperation(ctx, user, operationId);
  const names = operationDocNames(op.id, op.stations);
  const logs = await Promise.all(names.map((n) => ctx.storage.readUpdateLog(n)));
  const userIds = new Set<string>();
  for (const log of logs) for (const u of log) if (u.userId !== null) userIds.add(u.userId);
  const userNames = new Map<string, string>();
  for (const id of userIds) {
    const account = await ctx.storage.getAccount(id);
    if (account) userNames.set(id, account.name);
  }
  const events = names.flatMap((name, i) => replayTaskTimeline(name, logs[i]!, taskId, userNames));
  if (!events.some((e) => e.type === 'task_raised')) {
    throw new AppError('NOT_FOUND', `no task ${taskId} in operation ${operationId}`);
  }
  // Stable: events of one millisecond keep their document order (command first) and log order,
  // except that a task is raised before anything else that happened to it in that millisecond.
  const raisedFirst = (e: TimelineEvent) => (e.type === 'task_raised' ? 0 : 1);
  events.sort((a, b) => a.time - b.time || raisedFirst(a) - raisedFirst(b));
  return { taskId, events };
}
