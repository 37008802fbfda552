import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { compareFixes } from '@jointmap/shared';
import { newerFixSql } from './newest-sql.ts';

describe('newerFixSql', () => {
  it('agrees with compareFixes on every pair, including equal times, case and the same fix', () => {
    const fixes = [
      { time: 5, deviceId: 'phone' },
      { time: 7, deviceId: 'box' },
      { time: 7, deviceId: 'phone' },
      { time: 7, deviceId: 'Zeta' },
      { time: 7, deviceId: 'zz' },
      { time: 6, deviceId: 'zz' },
    ];
    const db = new Database(':memory:');
    try {
      db.exec('CREATE TABLE f (i INTEGER, time INTEGER, device_id TEXT)');
      const insert = db.prepare('INSERT INTO f VALUES (?, ?, ?)');
      fixes.forEach((f, i) => insert.run(i, f.time, f.deviceId));
      const rows = db
        .prepare(`SELECT c.i AS c, r.i AS r, ${newerFixSql('c', 'r')} AS newer FROM f AS c, f AS r`)
        .all() as Array<{ c: number; r: number; newer: number }>;
      expect(rows).toHaveLength(fixes.length ** 2);
      for (const row of rows) {
        expect([row.c, row.r, row.newer === 1]).toEqual([row.c, row.r, compareFixes(fixes[row.c]!, fixes[row.r]!) > 0]);
      }
    } finally {
      db.close();
    }
  });
});
