import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { deletionsUpdate, replaceWithGc, scanUpdate, type UpdateScan } from './update-scan.ts';

/** What Yjs's own decoder reads from an update, in the shape of a scan. */
function viaYjs(update: Uint8Array): Omit<UpdateScan, 'rootEntries'> & { rootEntries: unknown[] } {
  const { structs, ds } = Y.decodeUpdate(update);
  const scan = {
    rootEntries: [] as unknown[],
    nestedItems: 0,
    ends: new Map<number, number>(),
    deletes: [] as UpdateScan['deletes'],
  };
  for (const s of structs) {
    if (s instanceof Y.Skip) continue;
    const { client, clock } = s.id;
    scan.ends.set(client, Math.max(scan.ends.get(client) ?? 0, clock + s.length));
    if (!(s instanceof Y.Item)) continue;
    if (typeof s.parent === 'string')
      scan.rootEntries.push({ root: s.parent, key: s.parentSub, client, clock, length: s.length });
    else if (s.parent instanceof Y.ID) scan.nestedItems++;
  }
  for (const [client, ranges] of ds.clients)
    for (const r of ranges) scan.deletes.push({ client, clock: r.clock, len: r.len });
  return scan;
}

function rootEntriesOf(scan: UpdateScan) {
  return scan.rootEntries.map(({ root, key, client, clock, length }) => ({ root, key, client, clock, length }));
}

/** A document edited every way Yjs allows: maps, lists, text, nested types, deletions, several clients. */
function editedDocs(seed: number): { a: Y.Doc; b: Y.Doc; updates: Uint8Array[] } {
  let state = seed;
  const rand = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.clientID = 11;
  b.clientID = 2 ** 31 + 7;
  const updates: Uint8Array[] = [];
  a.on('update', (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < 60; i++) {
    const doc = rand(2) ? a : b;
    const key = `k-${rand(8)}`;
    switch (rand(9)) {
      case 0:
        doc.getMap('annotations').set(key, {
          id: key,
          label: '标注'.repeat(rand(5)),
          // Every kind of value lib0 encodes: varint, float32, float64, big and negative numbers, …
          n: [rand(1000), 0.5, 0.1, 2 ** 40, -5, Number.NaN, -0],
          ok: true,
          no: false,
          nil: null,
          gone: undefined,
          bytes: new Uint8Array([rand(256), 7]),
        });
        doc.getMap('units').set(`${key}-big`, BigInt(rand(1000)) * 10n ** 20n);
        break;
      case 1:
        doc.getMap('units').delete(key);
        break;
      case 2:
        doc.getArray(`list-${rand(2)}`).insert(0, [1, 'two', { three: [3] }, null]);
        break;
      case 3:
        doc.getText('text').insert(0, `😀 text ${rand(100)}`);
        break;
      case 4: {
        const inner = new Y.Map();
        doc.getMap('annotations').set(key, inner);
        inner.set('nested', new Uint8Array([1, 2, 3]));
        break;
      }
      case 5: {
        const list = doc.getArray('list-0');
        if (list.length > 1) list.delete(0, Math.min(list.length, 1 + rand(3)));
        break;
      }
      case 6:
        doc.getMap('meta').set('schemaVersion', rand(3));
        break;
      case 7:
        doc.getText('text').format(0, 1, { bold: true });
        break;
      default:
        Y.applyUpdate(doc === a ? b : a, Y.encodeStateAsUpdate(doc));
    }
  }
  return { a, b, updates };
}

describe('scanUpdate reads what Yjs reads', () => {
  test.each([1, 2, 3, 4, 5])('seed %i: whole states, diffs, single updates and merged updates', (seed) => {
    const { a, b, updates } = editedDocs(seed);
    const half = Y.encodeStateVector(new Y.Doc());
    const samples = [
      Y.encodeStateAsUpdate(a),
      Y.encodeStateAsUpdate(b),
      Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)),
      Y.encodeStateAsUpdate(a, half),
      Y.mergeUpdates(updates.filter((_, i) => i % 3 !== 1)), // with gaps: Skip structs
      ...updates,
    ];
    for (const u of samples) {
      const scan = scanUpdate(u);
      const yjs = viaYjs(u);
      expect(rootEntriesOf(scan)).toEqual(yjs.rootEntries);
      expect(scan.nestedItems).toBe(yjs.nestedItems);
      expect(scan.ends).toEqual(yjs.ends);
      expect(scan.deletes).toEqual(yjs.deletes);
    }
  });

  test('truncated or unknown structs are refused, as Yjs refuses them', () => {
    const doc = new Y.Doc();
    doc.getMap('annotations').set('a', { id: 'a' });
    const whole = Y.encodeStateAsUpdate(doc);
    for (let n = 0; n < whole.length; n++) expect(() => scanUpdate(whole.slice(0, n))).toThrow();
    expect(() => scanUpdate(new Uint8Array([1, 1, 5, 0, 128 | 11, 1, 0]))).toThrow(/content reference 11/);
  });

  test('strings, keys, binary and names of every length are stepped over as Yjs reads them; a cut one is refused', () => {
    const doc = new Y.Doc();
    doc.clientID = 9;
    // Around each length where the varuint before a string takes one more byte.
    const lengths = [0, 1, 127, 128, 16_383, 16_384];
    doc.transact(() => {
      for (const n of lengths) {
        const value = { id: '字'.repeat(n), ['k'.repeat(n)]: 'v'.repeat(n), bytes: new Uint8Array(n).fill(7) };
        doc.getMap('annotations').set(`a-${n}`, value);
        doc.getMap('units').set(`b-${n}`, new Uint8Array(n).fill(9)); // ContentBinary
        doc.getXmlFragment('xml').insert(0, [new Y.XmlElement(`n${'x'.repeat(n)}`)]); // a named type
        doc.getText('text').insert(0, `t${'文'.repeat(n)}`, { ['f'.repeat(n + 1)]: 'w'.repeat(n) }); // format
      }
    });
    const update = Y.encodeStateAsUpdate(doc);
    const scan = scanUpdate(update);
    const yjs = viaYjs(update);
    expect(rootEntriesOf(scan)).toEqual(yjs.rootEntries);
    expect(scan.ends).toEqual(yjs.ends);
    for (const entry of scan.rootEntries) expect(entry.end).toBeGreaterThan(entry.start);
    for (let n = 0; n < update.length; n += 89) expect(() => scanUpdate(update.subarray(0, n))).toThrow();
  });

  test('replaceWithGc leaves the ids and drops the names, keys and content', () => {
    const doc = new Y.Doc();
    doc.clientID = 5;
    doc.transact(() => {
      doc.getMap('annotations').set('ok', { id: 'ok' });
      doc.getMap('zq-root').set('x', 'secret-1');
      doc.getMap('annotations').set('zq'.repeat(300), { id: 'secret-2' });
      doc.getMap('annotations').set('ok2', { id: 'ok2' });
    });
    const update = Y.encodeStateAsUpdate(doc);
    const scan = scanUpdate(update);
    const bad = scan.rootEntries.filter((e) => e.root !== 'annotations' || e.key!.length > 10);
    expect(bad).toHaveLength(2);
    const cleaned = replaceWithGc(update, bad);
    expect(Buffer.from(cleaned).includes('zq')).toBe(false);
    expect(Buffer.from(cleaned).includes('secret')).toBe(false);
    const server = new Y.Doc();
    Y.applyUpdate(server, cleaned);
    expect(server.getMap('annotations').toJSON()).toEqual({ ok: { id: 'ok' }, ok2: { id: 'ok2' } });
    expect(Y.encodeStateVector(server)).toEqual(Y.encodeStateVector(doc));
    expect([...server.share.keys()]).toEqual(['annotations']);

    // The sender applies the deletions and converges.
    Y.applyUpdate(doc, deletionsUpdate(bad));
    expect(doc.getMap('annotations').toJSON()).toEqual(server.getMap('annotations').toJSON());
    expect(doc.getMap('zq-root').size).toBe(0);
  });
});
