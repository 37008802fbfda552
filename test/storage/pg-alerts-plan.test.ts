import { expect, test } from 'vitest';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { createTestSchema } from '../helpers/pg-schema.ts';

/**
 * PostgreSQL's side of the query-plan check in server/src/storage/sqlite-alerts.test.ts: the
 * storage on a fresh schema; `lists` gets every alert list statement it runs (text and values).
 */
async function store(t: { onTestFinished(fn: () => unknown): void }) {
  const schema = await createTestSchema(t);
  const storage = await PgStorage.open(schema.url);
  t.onTestFinished(() => storage.close());
  const lists: Array<{ text: string; values: unknown[] }> = [];
  const query = storage.pool.query.bind(storage.pool) as (text: string, values?: unknown[]) => Promise<unknown>;
  storage.pool.query = ((text: string, values: unknown[] = []) => {
    if (typeof text === 'string' && text.startsWith('SELECT * FROM alerts WHERE')) lists.push({ text, values });
    return query(text, values);
  }) as typeof storage.pool.query;
  /** The plan PostgreSQL picks for `list`, a scan of the whole table ruled out (a table this small is cheaper read whole). */
  const plan = async (list: { text: string; values: unknown[] }): Promise<string> => {
    const client = await storage.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${list.text}`, list.values);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  };
  return { storage, lists, plan };
}

test("one unit's SOS alerts, newest first, are read through the index on the unit, kind and time, a page after a page", async (t) => {
  const { storage, lists, plan } = await store(t);
  for (let i = 0; i < 50; i++) {
    const unitId = `car-${i % 5}`;
    const kind = i % 2 ? ('sos' as const) : ('overspeed' as const);
    await storage.insertAlert(fixtures.sosAlert(`a-${i}`, 'op-1', 1_000 + i, { stationId: 's1', unitId, kind }));
  }
  const unit = { kind: 'sos', stationId: 's1', unitId: 'car-1' } as const;
  const first = await storage.listAlerts('op-1', { ...unit, limit: 2 });
  expect(first.map((a) => a.id)).toEqual(['a-41', 'a-31']);
  const next = await storage.listAlerts('op-1', { ...unit, after: { time: 1_031, id: 'a-31' }, limit: 2 });
  expect(next.map((a) => a.id)).toEqual(['a-21', 'a-11']);
  expect(lists).toHaveLength(2);
  for (const list of lists) {
    const text = await plan(list);
    expect(text).toContain('using alerts_unit_kind_time on alerts');
    // The index gives the list's order: nothing is sorted.
    expect(text).not.toMatch(/Sort/);
  }
});
