import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { fixtures } from '../fixtures/records.ts';
import type { DocKind } from '../schema/index.ts';
import { isEmptyUpdate, repairTransaction, type Repair } from './repair-transaction.ts';

/** A server document and a client that shares its state; `send` applies the client's edit like the room does. */
function setup(kind: DocKind = 'station', scope?: string) {
  const server = new Y.Doc();
  const client = new Y.Doc();
  const relayed: Uint8Array[] = [];
  server.on('update', (u: Uint8Array) => relayed.push(u));
  const repair = (edit: (doc: Y.Doc) => void): Repair => {
    const before = Y.encodeStateVector(client);
    edit(client);
    const update = Y.encodeStateAsUpdate(client, before);
    let found: Repair = { problems: [], issues: [] };
    server.transact((tr) => {
      Y.applyUpdate(server, update);
      found = repairTransaction(server, kind, tr, scope);
    }, 'remote');
    // The client receives what the server relays (including any repair).
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server, Y.encodeStateVector(client)));
    return found;
  };
  const send = (edit: (doc: Y.Doc) => void): string[] => repair(edit).problems;
  return { server, client, send, repair, relayed };
}

describe('repairTransaction', () => {
  test('valid records pass untouched', () => {
    const { server, send } = setup();
    expect(send((d) => d.getMap('annotations').set('ann-lkp', fixtures.lastKnownPoint()))).toEqual([]);
    expect(server.getMap('annotations').get('ann-lkp')).toEqual(fixtures.lastKnownPoint());
  });

  test('a new invalid record is removed, in the same transaction, and the client converges', () => {
    const { server, client, send, relayed } = setup();
    const seen: unknown[] = [];
    server.getMap('annotations').observe(() => seen.push(server.getMap('annotations').get('ann-lkp')));
    const problems = send((d) => d.getMap('annotations').set('ann-lkp', fixtures.lastKnownPoint({ color: 'blue' })));
    expect(problems[0]).toMatch(/color/);
    expect(server.getMap('annotations').has('ann-lkp')).toBe(false);
    expect(seen.every((v) => v === undefined)).toBe(true);
    expect(client.getMap('annotations').has('ann-lkp')).toBe(false);
    // The invalid content is not in what the server relays/stores.
    const text = new TextDecoder().decode(relayed[relayed.length - 1]);
    expect(text).not.toContain('blue');
  });

  test('an invalid overwrite restores the previous valid value', () => {
    const { server, client, send } = setup();
    send((d) => d.getMap('annotations').set('ann-lkp', fixtures.lastKnownPoint({ label: '原值' })));
    const problems = send((d) =>
      d.getMap('annotations').set('ann-lkp', fixtures.lastKnownPoint({ label: 'x'.repeat(500) })),
    );
    expect(problems[0]).toMatch(/label/);
    expect(server.getMap('annotations').get('ann-lkp')).toMatchObject({ label: '原值' });
    expect(client.getMap('annotations').get('ann-lkp')).toMatchObject({ label: '原值' });
  });

  test("the schema's findings come as structure too, each naming its entry and field", () => {
    const { server, repair } = setup('station', 'deqing-yuyue');
    const found = repair((d) => {
      d.getMap('units').set('unit-yuyue-01', fixtures.unit({ callsign: '长'.repeat(41) }));
      d.getMap('annotations').set('ann-lkp', fixtures.lastKnownPoint({ label: 'x'.repeat(201) }));
      // Refused beyond the schema (another station's unit): a sentence, no structure.
      d.getMap('units').set('unit-linping-01', fixtures.unit({ id: 'unit-linping-01', stationId: 'linping-yunhe' }));
    });
    expect(found.problems).toHaveLength(3);
    expect(found.problems).toContain('units/unit-yuyue-01/callsign: Expected string length less or equal to 40');
    expect(found.issues).toHaveLength(2);
    expect(found.issues).toContainEqual({
      entry: 'units/unit-yuyue-01',
      path: '/callsign',
      kind: 'maxLength',
      limit: 40,
      message: 'Expected string length less or equal to 40',
    });
    expect(found.issues).toContainEqual(
      expect.objectContaining({ entry: 'annotations/ann-lkp', path: '/label', kind: 'maxLength', limit: 200 }),
    );
    expect(server.getMap('units').size).toBe(0);
  });

  test('later valid edits of the same client still apply (no clock gap)', () => {
    const { server, send } = setup();
    send((d) => d.getMap('annotations').set('bad', { nonsense: true }));
    expect(send((d) => d.getMap('annotations').set('ann-lkp', fixtures.lastKnownPoint()))).toEqual([]);
    expect(server.getMap('annotations').has('ann-lkp')).toBe(true);
  });

  test('unknown maps, maps of the other kind, lists, text and nested types are removed', () => {
    const { server, send } = setup('command');
    expect(send((d) => d.getMap('evil').set('x', 1))[0]).toMatch(/not a collection/);
    expect(server.getMap('evil').size).toBe(0);
    expect(send((d) => d.getMap('units').set('unit-yuyue-01', fixtures.unit()))[0]).toMatch(/not a collection/);
    expect(send((d) => d.getMap('annotations').set('n', new Y.Map()))[0]).toMatch(/plain JSON/);
    expect(send((d) => d.getMap('annotations').set('t', new Y.Text('x')))[0]).toMatch(/plain JSON/);
    expect(server.getMap('annotations').size).toBe(0);
  });

  test('a station document speaks only for its station', () => {
    const { server, send } = setup('station', 'deqing-yuyue');
    expect(send((d) => d.getMap('units').set('unit-yuyue-01', fixtures.unit()))).toEqual([]);
    const forged = fixtures.response({ stationId: 'tongxiang-zhouquan', status: 'resolved' });
    expect(send((d) => d.getMap('responses').set('linping-yunhe:task-missing', forged))[0]).toMatch(
      /stationId "tongxiang-zhouquan" in the document of deqing-yuyue/,
    );
    expect(send((d) => d.getMap('tasks').set('task-missing', fixtures.missingPersonTask()))[0]).toMatch(
      /stationId "linping-yunhe"/,
    );
    expect(server.getMap('responses').size).toBe(0);
    expect(server.getMap('tasks').size).toBe(0);
    expect(send((d) => d.getMap('responses').set('linping-yunhe:task-missing', fixtures.response()))).toEqual([]);
  });

  test('content nested inside a record is removed and the previous value restored', () => {
    const { server, client, send } = setup();
    send((d) => d.getMap('annotations').set('ann-lkp', fixtures.lastKnownPoint({ label: '原值' })));
    const nested = new Y.Map<unknown>();
    const problems = send((d) => {
      d.getMap('annotations').set('ann-lkp', nested);
      nested.set('label', 'inside');
    });
    expect(problems.length).toBeGreaterThan(0);
    expect(server.getMap('annotations').get('ann-lkp')).toMatchObject({ label: '原值' });
    expect(client.getMap('annotations').get('ann-lkp')).toMatchObject({ label: '原值' });
    // A later edit inside the (now deleted) nested map changes nothing visible.
    expect(send(() => nested.set('label', 'again'))).toEqual([]);
    expect(server.getMap('annotations').get('ann-lkp')).toMatchObject({ label: '原值' });
  });

  test('list content in a record collection is removed', () => {
    const { server, send } = setup();
    expect(send((d) => d.getArray('annotations').push([1]))[0]).toMatch(/list content/);
    const map = server.getMap('annotations');
    let alive = 0;
    for (let item = map._start; item !== null; item = item.right) if (!item.deleted) alive++;
    expect(alive).toBe(0);
  });

  test('deletions are allowed', () => {
    const { server, send } = setup();
    send((d) => d.getMap('annotations').set('ann-lkp', fixtures.lastKnownPoint()));
    expect(send((d) => d.getMap('annotations').delete('ann-lkp'))).toEqual([]);
    expect(server.getMap('annotations').size).toBe(0);
  });

  test('empty updates are recognised', () => {
    expect(isEmptyUpdate(Y.encodeStateAsUpdate(new Y.Doc()))).toBe(true);
    const d = new Y.Doc();
    d.getMap('meta').set('schemaVersion', 1);
    expect(isEmptyUpdate(Y.encodeStateAsUpdate(d))).toBe(false);
  });
});
