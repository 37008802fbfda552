import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { applyChange, COMMAND_SCOPE, type ReplayEvent, type Search } from '@jointmap/shared';
import type { LoggedUpdate } from '../storage/types.ts';
import { LogWalker } from '../report/log-walk.ts';
import { WATCHED_MAPS } from './events-walk.ts';
import { eventOf, finishEvents } from './replay-events.ts';

const T0 = 1_780_000_000_000;
const MIN = 60_000;

const started: Search = {
  id: 's-t-lost01',
  taskId: 't-lost01',
  taskStationId: 'linping-yunhe',
  name: '走失老人协查',
  area: {
    type: 'Polygon',
    coordinates: [
      [
        [120.28, 30.51],
        [120.3, 30.51],
        [120.3, 30.53],
        [120.28, 30.51],
      ],
    ],
  },
  lastKnown: null,
  lastSeenAt: null,
  travelMode: null,
  status: 'active',
  found: null,
  createdBy: 'u-cmd',
  createdAt: T0,
  updatedAt: T0,
};

/** The command document's log of `writes`, each search record put by the commander at its own time. */
function commandLog(writes: ReadonlyArray<{ time: number; search: Search }>): LoggedUpdate[] {
  const doc = new Y.Doc();
  const out: LoggedUpdate[] = [];
  let time = 0;
  doc.on('update', (update: Uint8Array) =>
    out.push({ seq: out.length + 1, update, sessionId: 's1', userId: 'u-cmd', time }),
  );
  for (const w of writes) {
    time = w.time;
    const change = { type: 'put', map: 'searches', key: w.search.id, value: w.search } as const;
    applyChange(doc, 'command', change, { source: 'session', sessionId: 's1', userId: 'u-cmd' });
  }
  doc.destroy();
  return out;
}

/** The replay events of one command log, as the events walk makes them. */
async function eventsOf(log: readonly LoggedUpdate[]): Promise<ReplayEvent[]> {
  const events: ReplayEvent[] = [];
  const walker = new LogWalker(WATCHED_MAPS, (c) => {
    const e = eventOf({ ...c, scope: COMMAND_SCOPE });
    if (e) events.push(e);
  });
  try {
    await walker.advance(log, log.length);
  } finally {
    walker.destroy();
  }
  return finishEvents(events, new Map());
}

test('a search ended as found, resumed once its task was reopened, then closed: the resume is an event of its own', async () => {
  const found: Search = {
    ...started,
    status: 'found',
    found: {
      location: { type: 'Point', coordinates: [120.29, 30.52] },
      at: T0 + 20 * MIN,
      unitId: null,
      stationId: null,
      note: '',
    },
    updatedAt: T0 + 25 * MIN,
  };
  const resumed: Search = {
    ...started,
    pauses: [{ from: T0 + 25 * MIN, to: T0 + 40 * MIN }],
    updatedAt: T0 + 40 * MIN,
  };
  const renamed: Search = { ...resumed, name: '走失老人协查（二）', updatedAt: T0 + 45 * MIN };
  const closed: Search = { ...renamed, status: 'closed', updatedAt: T0 + 70 * MIN };
  const log = commandLog([
    { time: T0, search: started },
    { time: T0 + 25 * MIN, search: found },
    { time: T0 + 40 * MIN, search: resumed },
    { time: T0 + 45 * MIN, search: renamed },
    { time: T0 + 70 * MIN, search: closed },
  ]);
  const events = await eventsOf(log);
  expect(events.map((e) => [e.time - T0, e.kind, e.status])).toEqual([
    [0, 'search_started', 'active'],
    [25 * MIN, 'search_closed', 'found'],
    [40 * MIN, 'search_resumed', 'active'],
    [70 * MIN, 'search_closed', 'closed'],
  ]);
  expect(events[2]).toEqual({
    time: T0 + 40 * MIN,
    userId: 'u-cmd',
    kind: 'search_resumed',
    stationId: COMMAND_SCOPE,
    title: '走失老人协查',
    status: 'active',
    searchId: started.id,
    taskId: started.taskId,
    taskStationId: 'linping-yunhe',
  });
});
