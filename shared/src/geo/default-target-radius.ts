/**
 * Default target stations of a new task: every station whose jurisdiction lies within this many
 * metres of it (`defaultTargetStations`). The server's `TASK_TARGET_RADIUS_M` defaults to it and
 * sends its setting in the operation view; clients fall back to it until that arrives.
 */
export const DEFAULT_TARGET_RADIUS_M = 3000;
