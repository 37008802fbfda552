import type Database from 'better-sqlite3';
import type { Alert, AlertKind, AlertState } from '@jointmap/shared';
import type { AlertFilter, AlertStore } from './types.ts';

type Row = Record<string, unknown>;

/** The SQLite side of {@link AlertStore} (table `alerts`, migration "alerts" in sqlite-schema.ts). */
export class SqliteAlertStore implements AlertStore {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO alerts (id, operation_id, station_id, unit_id, rule_id, rule_scope, rule_name, kind, time,
           raised_at, lng, lat, evidence, state, acknowledged_by, acknowledged_at, resolved_by, resolved_at)
         VALUES (@id, @operationId, @stationId, @unitId, @ruleId, @ruleScope, @ruleName, @kind, @time,
           @raisedAt, @lng, @lat, @evidence, @state, @acknowledgedBy, @acknowledgedAt, @resolvedBy, @resolvedAt)`,
      ),
      get: db.prepare('SELECT * FROM alerts WHERE operation_id = ? AND id = ?'),
      update: db.prepare(
        `UPDATE alerts SET state = @state, acknowledged_by = @acknowledgedBy, acknowledged_at = @acknowledgedAt,
           resolved_by = @resolvedBy, resolved_at = @resolvedAt
         WHERE operation_id = @operationId AND id = @id AND state = @expected`,
      ),
      endPress: db.prepare(
        `UPDATE alerts SET evidence = json_set(evidence, '$.pressEndedAt', CAST(? AS INTEGER))
         WHERE operation_id = ? AND id = ? AND json_extract(evidence, '$.pressEndedAt') IS NULL`,
      ),
    };
  }

  async endSosPress(operationId: string, id: string, endedAt: number): Promise<void> {
    this.stmts.endPress.run(endedAt, operationId, id);
  }

  async insertAlert(alert: Alert): Promise<boolean> {
    return this.stmts.insert.run(toRow(alert)).changes > 0;
  }

  async getAlert(operationId: string, id: string): Promise<Alert | null> {
    const r = this.stmts.get.get(operationId, id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  async listAlerts(operationId: string, filter: AlertFilter): Promise<Alert[]> {
    const where = ['operation_id = ?'];
    const args: unknown[] = [operationId];
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      args.push(...filter.states);
    }
    if (filter.kind) {
      where.push('kind = ?');
      args.push(filter.kind);
    }
    if (filter.stationId) {
      where.push('station_id = ?');
      args.push(filter.stationId);
    }
    if (filter.unitId) {
      where.push('unit_id = ?');
      args.push(filter.unitId);
    }
    if (filter.raisedUntil !== undefined) {
      where.push('raised_at <= ?');
      args.push(filter.raisedUntil);
    }
    if (filter.after) {
      // The list's order is time DESC, id: after a page comes what is older, or as old with a greater id.
      where.push('(time < ? OR (time = ? AND id > ?))');
      args.push(filter.after.time, filter.after.time, filter.after.id);
    }
    args.push(filter.limit);
    const rows = this.db
      .prepare(`SELECT * FROM alerts WHERE ${where.join(' AND ')} ORDER BY time DESC, id LIMIT ?`)
      .all(...args) as Row[];
    return rows.map(fromRow);
  }

  async updateAlertIf(alert: Alert, expected: AlertState): Promise<boolean> {
    const row = toRow(alert);
    return (
      this.stmts.update.run({
        id: row.id,
        operationId: row.operationId,
        state: row.state,
        acknowledgedBy: row.acknowledgedBy,
        acknowledgedAt: row.acknowledgedAt,
        resolvedBy: row.resolvedBy,
        resolvedAt: row.resolvedAt,
        expected,
      }).changes > 0
    );
  }
}

function toRow(a: Alert) {
  return {
    id: a.id,
    operationId: a.operationId,
    stationId: a.stationId,
    unitId: a.unitId,
    ruleId: a.ruleId,
    ruleScope: a.ruleScope,
    ruleName: a.ruleName,
    kind: a.kind,
    time: a.time,
    raisedAt: a.raisedAt,
    lng: a.lngLat[0],
    lat: a.lngLat[1],
    evidence: JSON.stringify(a.evidence),
    state: a.state,
    acknowledgedBy: a.acknowledgedBy ? JSON.stringify(a.acknowledgedBy) : null,
    acknowledgedAt: a.acknowledgedAt,
    resolvedBy: a.resolvedBy ? JSON.stringify(a.resolvedBy) : null,
    resolvedAt: a.resolvedAt,
  };
}

function fromRow(r: Row): Alert {
  const person = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as { id: string; name: string }) : null);
  return {
    id: r.id as string,
    operationId: r.operation_id as string,
    stationId: r.station_id as string,
    unitId: r.unit_id as string,
    ruleId: (r.rule_id as string | null) ?? null,
    ruleScope: (r.rule_scope as string | null) ?? null,
    ruleName: r.rule_name as string,
    kind: r.kind as AlertKind,
    time: r.time as number,
    raisedAt: r.raised_at as number,
    lngLat: [r.lng as number, r.lat as number],
    evidence: JSON.parse(r.evidence as string) as Alert['evidence'],
    state: r.state as AlertState,
    acknowledgedBy: person(r.acknowledged_by),
    acknowledgedAt: (r.acknowledged_at as number | null) ?? null,
    resolvedBy: person(r.resolved_by),
    resolvedAt: (r.resolved_at as number | null) ?? null,
  };
}
