import { describe, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import {
  applyChange,
  initDoc,
  META_OPERATION_KEY,
  META_SCHEMA_VERSION_KEY,
  type ChangeOrigin,
  type OperationMeta,
} from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { applyClientUpdate, type AppliedUpdate } from './update-guard.ts';

const SERVER: ChangeOrigin = { source: 'server' };
const SESSION: ChangeOrigin = { source: 'session', sessionId: 's-1', userId: 'u-cmd' };

/** A command document as the server holds it, and a commander's client in sync with it. */
function setup() {
  const server = new Y.Doc();
  initDoc(server, SERVER);
  const meta: OperationMeta = {
    id: 'op-1',
    name: '禹越搜寻',
    kind: 'search',
    status: 'active',
    stations: ['deqing-yuyue'],
    area: null,
    createdAt: 1,
    updatedAt: 1,
  };
  applyChange(server, 'command', { type: 'put', map: 'meta', key: META_OPERATION_KEY, value: meta }, SERVER);
  const client = new Y.Doc();
  const pull = () => Y.applyUpdate(client, Y.encodeStateAsUpdate(server, Y.encodeStateVector(client)));
  pull();
  /** The client's edit, applied by the server as a room does; the client then receives the repair. */
  const send = (edit: (doc: Y.Doc) => void): AppliedUpdate => {
    const before = Y.encodeStateVector(client);
    edit(client);
    const applied = applyClientUpdate(server, 'command', Y.encodeStateAsUpdate(client, before), SESSION);
    pull();
    return applied;
  };
  const operation = (doc: Y.Doc) => doc.getMap<OperationMeta>('meta').get(META_OPERATION_KEY)!;
  const setOperation = (doc: Y.Doc, change: Partial<OperationMeta>) =>
    doc.getMap('meta').set(META_OPERATION_KEY, { ...operation(doc), ...change });
  return { server, client, pull, send, operation, setOperation };
}

describe("applyClientUpdate keeps the server's meta", () => {
  test("a client's change to a field only the server writes is undone and reported", () => {
    const { server, client, send, operation, setOperation } = setup();
    const before = operation(server);
    const applied = send((d) => setOperation(d, { status: 'closed' }));
    expect(applied.problems).toEqual(['meta/operation: status is set by the server only']);
    expect(applied.whole).toBe(false);
    expect(operation(server)).toEqual(before);
    expect(operation(client)).toEqual(before);
  });

  test('nor may it remove the operation or change the schema version', () => {
    const { server, client, send, operation } = setup();
    const before = operation(server);
    const applied = send((d) => {
      d.getMap('meta').delete(META_OPERATION_KEY);
      d.getMap('meta').set(META_SCHEMA_VERSION_KEY, 999);
    });
    expect(applied.problems).toEqual(
      expect.arrayContaining([
        'meta/operation: only the server removes it',
        'meta/schemaVersion: set by the server only',
      ]),
    );
    expect(operation(server)).toEqual(before);
    expect(server.getMap('meta').get(META_SCHEMA_VERSION_KEY)).toBe(1);
    expect(client.getMap('meta').get(META_SCHEMA_VERSION_KEY)).toBe(1);
  });

  test('a change to a field clients may write passes whole', () => {
    const { server, send, operation, setOperation } = setup();
    const applied = send((d) => setOperation(d, { name: '禹越搜寻（二）' }));
    expect(applied).toMatchObject({ problems: [], whole: true });
    expect(operation(server).name).toBe('禹越搜寻（二）');
  });

  test('several writes of the meta in one update are judged by where they end', () => {
    const { server, send, operation, setOperation } = setup();
    const applied = send((d) => {
      setOperation(d, { status: 'closed' });
      setOperation(d, { status: 'active', name: '改名' });
    });
    expect(applied.problems).toEqual([]);
    expect(operation(server)).toMatchObject({ status: 'active', name: '改名' });
  });

  test('an update that does not touch the meta does not read it; a later one that does is judged by the meta as it is then', () => {
    const { server, pull, send, operation, setOperation } = setup();
    const meta = server.getMap('meta');
    const reads = [vi.spyOn(meta, 'entries'), vi.spyOn(meta, 'keys'), vi.spyOn(meta, 'get'), vi.spyOn(meta, 'forEach')];
    const drawn = send((d) => d.getMap('annotations').set('ann-lkp', fixtures.lastKnownPoint()));
    expect(drawn).toMatchObject({ problems: [], whole: true });
    for (const read of reads) expect(read).not.toHaveBeenCalled();
    for (const read of reads) read.mockRestore();

    // Meanwhile the server closes the operation (its own write); the client has it.
    applyChange(
      server,
      'command',
      { type: 'put', map: 'meta', key: META_OPERATION_KEY, value: { ...operation(server), status: 'closed' } },
      SERVER,
    );
    pull();
    const reopened = send((d) => setOperation(d, { status: 'active' }));
    expect(reopened.problems).toEqual(['meta/operation: status is set by the server only']);
    expect(operation(server).status).toBe('closed');
  });
});
