import type { CoverageTracker, Search, Sector, UnitPosition } from '@jointmap/shared';
import { CoverageOutbox, type CoverageOutboxOptions } from './coverage-outbox.ts';
import type { PendingTimer } from './pending-work.ts';
import type { SearchInterest } from './search-sectors.ts';
import { TaskEndHistory } from './task-end-history.ts';
import { TaskEndsWalk, type TaskEndsWalkOptions } from './task-ends-walk.ts';
import { UnitTaskHistory } from './unit-task-history.ts';

/** One search of an operation and, while it is active, its tracker. */
export interface SearchCoverage {
  search: Search;
  signature: string;
  interest: SearchInterest;
  tracker: CoverageTracker | null;
  /** Fixes that arrived while the tracker was being rebuilt (null: no rebuild running). */
  buffer: UnitPosition[] | null;
  /** Bumped by every rebuild and freeze, so a superseded rebuild drops its result. */
  generation: number;
}

/** What the coverage service holds for one operation it follows. */
export interface OperationCoverage {
  id: string;
  /** The first attempt to read the command document (and the rebuilds it started). */
  ready: Promise<void>;
  /** The operation's stations, once their rosters were first read (null: not yet). */
  stations: Set<string> | null;
  units: UnitTaskHistory;
  tasks: TaskEndHistory;
  /** The walk of the stored logs that gives `tasks` the spells before the operation was followed. */
  taskEnds: TaskEndsWalk;
  sectors: Map<string, Sector>;
  searches: Map<string, SearchCoverage>;
  outbox: CoverageOutbox;
  reading: Promise<void> | null;
  readAgain: boolean;
  /** Reads that failed in a row, and the retry due after the last one. */
  failures: number;
  retry: PendingTimer | null;
}

/** An operation's coverage before its first read: nothing known, nothing sent. */
export function newOperationCoverage(
  id: string,
  outbox: Omit<CoverageOutboxOptions, 'operationId' | 'hasSector'>,
  taskEnds: TaskEndsWalkOptions,
): OperationCoverage {
  const op: OperationCoverage = {
    id,
    ready: Promise.resolve(),
    stations: null,
    units: new UnitTaskHistory(),
    tasks: new TaskEndHistory(),
    taskEnds: new TaskEndsWalk(taskEnds),
    sectors: new Map(),
    searches: new Map(),
    outbox: new CoverageOutbox({ ...outbox, operationId: id, hasSector: (sectorId) => op.sectors.has(sectorId) }),
    reading: null,
    readAgain: false,
    failures: 0,
    retry: null,
  };
  return op;
}
