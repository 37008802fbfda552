import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyChange, responseKey, type Change } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { endedIn, taskRecords } from './ended-tasks.ts';

const LINPING = 'linping-yunhe';
const DEQING = 'deqing-yuyue';
const task = fixtures.missingPersonTask({ targetStations: [DEQING] });

const stationDoc = (stationId: string, change: Change) => {
  const doc = new Y.Doc();
  applyChange(doc, 'station', change, { source: 'server' }, stationId);
  return doc;
};

describe('taskRecords and endedIn', () => {
  it('gather the tasks and answers of every document, and a task ends by an answer in another one', () => {
    const raised = stationDoc(LINPING, { type: 'put', map: 'tasks', key: task.id, value: task });
    const answer = fixtures.response({ status: 'resolved' });
    const key = responseKey(answer.taskStationId, answer.taskId);
    const answered = stationDoc(DEQING, { type: 'put', map: 'responses', key, value: answer });
    // A document with neither (the command document of an operation with no command task).
    const command = new Y.Doc();
    expect(taskRecords([raised, answered, command])).toEqual({ tasks: [task], responses: [answer] });
    expect(endedIn([raised, command])).toEqual(new Set());
    expect(endedIn([raised, answered, command])).toEqual(new Set([task.id]));
  });
});
