import { expect, test } from 'vitest';
import { fixtures } from '../fixtures/records.ts';
import { withStatus } from './dispatch.ts';

test('a status set by hand: available or off duty takes the unit off its task, any other keeps it there', () => {
  const onTask = fixtures.unit({ status: 'en_route', assignedTaskId: 't-abcdefghij' });
  expect(withStatus(onTask, 'available')).toEqual({ ...onTask, status: 'available', assignedTaskId: null });
  expect(withStatus(onTask, 'off_duty')).toEqual({ ...onTask, status: 'off_duty', assignedTaskId: null });
  for (const status of ['en_route', 'on_scene', 'busy'] as const)
    expect(withStatus(onTask, status)).toEqual({ ...onTask, status });
});
