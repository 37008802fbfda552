import { expect, test } from 'vitest';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { SqliteAlertStore } from './sqlite-alerts.ts';
import { migratedMemoryDb } from './sqlite-memory.test-support.ts';

/** The alert store on a migrated database in memory; `plans` gets the query plan of every list read. */
function store() {
  const db = migratedMemoryDb();
  const alerts = new SqliteAlertStore(db);
  const plans: string[][] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const stmt = prepare(sql);
    if (!sql.startsWith('SELECT * FROM alerts WHERE')) return stmt;
    return {
      all: (...args: unknown[]) => {
        const plan = prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as Array<{ detail: string }>;
        plans.push(plan.map((r) => r.detail));
        return stmt.all(...args);
      },
    };
  }) as typeof db.prepare;
  return { alerts, plans };
}

test("one unit's SOS alerts, newest first, are read through the index on the unit, kind and time, a page after a page", async () => {
  const { alerts, plans } = store();
  for (let i = 0; i < 50; i++) {
    const unitId = `car-${i % 5}`;
    const kind = i % 2 ? ('sos' as const) : ('overspeed' as const);
    await alerts.insertAlert(fixtures.sosAlert(`a-${i}`, 'op-1', 1_000 + i, { stationId: 's1', unitId, kind }));
  }
  const unit = { kind: 'sos', stationId: 's1', unitId: 'car-1' } as const;
  const first = await alerts.listAlerts('op-1', { ...unit, limit: 2 });
  expect(first.map((a) => a.id)).toEqual(['a-41', 'a-31']);
  const next = await alerts.listAlerts('op-1', { ...unit, after: { time: 1_031, id: 'a-31' }, limit: 2 });
  expect(next.map((a) => a.id)).toEqual(['a-21', 'a-11']);
  expect(plans).toHaveLength(2);
  for (const plan of plans) {
    expect(plan.join('; ')).toContain('USING INDEX alerts_unit_kind_time');
    // The index gives the list's order: nothing is sorted.
    expect(plan.join('; ')).not.toContain('TEMP B-TREE');
  }
});
