import { expect, test } from 'vitest';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { editedUnit } from './roster.ts';

const form = { callsign: '禹越巡01', kind: 'car' as const, members: ['张三', '李四'] };

test('saving the unit editor keeps a dispatch made while it was open, unless another status was picked', () => {
  // Opened while available; a commander then sent the unit to a task; the dispatcher saves its members.
  const now = fixtures.unit({ id: 'car-01', status: 'en_route', assignedTaskId: 't-abcdefghij' });
  expect(editedUnit(now, 'available', { ...form, status: 'available' })).toMatchObject({
    status: 'en_route',
    assignedTaskId: 't-abcdefghij',
    members: ['张三', '李四'],
  });
  // Picked 到场 by hand: the unit stays on its task.
  expect(editedUnit(now, 'available', { ...form, status: 'on_scene' })).toMatchObject({
    status: 'on_scene',
    assignedTaskId: 't-abcdefghij',
  });
});

test('a status of available or off duty set in the editor takes the unit off its task', () => {
  const onTask = fixtures.unit({ id: 'car-01', status: 'en_route', assignedTaskId: 't-abcdefghij' });
  for (const status of ['available', 'off_duty'] as const)
    expect(editedUnit(onTask, 'en_route', { ...form, status })).toMatchObject({ status, assignedTaskId: null });
  expect(editedUnit(onTask, 'en_route', { ...form, status: 'busy' })).toMatchObject({
    status: 'busy',
    assignedTaskId: 't-abcdefghij',
  });
});
