import { expect, it } from 'vitest';
import { docName, META_OPERATION_KEY, type OperationMeta } from '@jointmap/shared';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { call, closeOp } from './archive-helpers.ts';

it("a close whose write of the operation's meta failed is completed by closing again, not refused as done", async (t) => {
  const server = await startServer(t);
  const commander = (await server.login('commander')).token;
  const command = docName(DEMO_OP, 'command');
  const metaStatus = async () =>
    (await server.ctx.rooms.get(command)).doc.getMap<OperationMeta>('meta').get(META_OPERATION_KEY)?.status;

  // The command document cannot be loaded for the meta's write (the disk is full, say), for as long
  // as the first close runs: a background load of it meanwhile (the demo's services) fails too,
  // instead of taking the one failure meant for the close.
  const rooms = server.ctx.rooms;
  const get = rooms.get.bind(rooms);
  let fail = true;
  rooms.get = async (name) => {
    if (fail && name === command) throw new Error('disk full');
    return get(name);
  };
  t.onTestFinished(() => {
    rooms.get = get;
  });
  expect((await closeOp(server, commander)).status).toBe(500);
  fail = false;
  expect((await server.ctx.storage.getOperation(DEMO_OP))!.status).toBe('closed');
  expect(await metaStatus()).toBe('active');

  const again = await closeOp(server, commander);
  expect([again.status, again.body.operation.status]).toEqual([200, 'closed']);
  expect(await metaStatus()).toBe('closed');
  // Once both say closed, a close is refused as before.
  const third = await call<{ error: { code: string } }>(server, commander, 'POST', `/api/operations/${DEMO_OP}/close`);
  expect([third.status, third.body.error.code]).toEqual([409, 'CONFLICT']);
});
