import Fastify from 'fastify';
import { AppError } from '@jointmap/shared';
import { expect, test } from 'vitest';
import { registerErrorHandler } from './errors.ts';

test('an AppError’s issues reach the body; errors without them add none', async () => {
  const app = Fastify({ logger: false });
  registerErrorHandler(app);
  const issue = { path: '/members/3', kind: 'maxLength', limit: 40, message: 'too long' };
  app.get('/record', () => {
    throw new AppError('INVALID_PAYLOAD', 'units/car-01/members/3: too long', [issue]);
  });
  app.get('/beyond', () => {
    throw new AppError('INVALID_PAYLOAD', 'sectors/s-1: polygon ring not closed', []);
  });
  app.get('/conflict', () => {
    throw new AppError('CONFLICT', 'taken');
  });
  const body = async (url: string) => (await app.inject({ url })).json<{ error: Record<string, unknown> }>().error;
  expect(await body('/record')).toEqual({
    code: 'INVALID_PAYLOAD',
    message: 'units/car-01/members/3: too long',
    issues: [issue],
  });
  expect((await body('/beyond')).issues).toEqual([]);
  expect(await body('/conflict')).toEqual({ code: 'CONFLICT', message: 'taken' });
  await app.close();
});
