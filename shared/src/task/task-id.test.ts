import { expect, test } from 'vitest';
import { Id, compile } from '@jointmap/shared';
import { newTaskId } from './task-id.ts';

test('task ids are t- and 10 url-safe characters, valid record ids, and differ', () => {
  const isId = compile(Id);
  const ids = Array.from({ length: 200 }, () => newTaskId());
  for (const id of ids) {
    expect(id).toMatch(/^t-[A-Za-z0-9_-]{10}$/);
    expect(isId.check(id)).toBe(true);
  }
  expect(new Set(ids).size).toBe(ids.length);
});

test('each random byte picks one symbol from its low six bits', () => {
  const id = newTaskId((b) => b.map((_, i) => [0, 25, 26, 51, 52, 61, 62, 63, 64, 255][i]!));
  expect(id).toBe('t-AZaz09_-A-');
});
