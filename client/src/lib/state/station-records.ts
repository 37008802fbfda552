import type * as Y from 'yjs';
import type { AlertRule, DocKind } from '@jointmap/shared';

/**
 * The records of a station document that its station may speak for: those whose `stationId` is
 * the document's own station. The server refuses anything else, but a local copy written before
 * it did (IndexedDB) may still hold such records; they are ignored, never shown as that station's.
 */
export function ownRecords<T>(stationId: string, records: Iterable<T>): T[] {
  const out: T[] = [];
  for (const r of records) {
    if (r !== null && typeof r === 'object' && (r as { stationId?: unknown }).stationId === stationId) out.push(r);
  }
  return out;
}

/** A document of an operation as the record readers see it (a live `DocSync` or a replayed one). */
export interface RecordsDoc {
  readonly scope: string;
  readonly kind: DocKind;
  readonly doc: Y.Doc;
}

/**
 * Records of one kind across every station document (and, for `tasks`, the command document,
 * where commanders' tasks live), each with the scope holding it. A station document only speaks
 * for its own station: records naming another station are left out.
 */
export function scopedRecords<T>(
  docs: readonly RecordsDoc[],
  map: 'units' | 'tasks' | 'responses',
): Array<{ scope: string; record: T }> {
  return docs
    .filter((d) => d.kind === 'station' || map === 'tasks')
    .flatMap((d) => ownRecords(d.scope, d.doc.getMap<T>(map).values()).map((record) => ({ scope: d.scope, record })));
}

/** Alert rules of every document (the command document's operation-wide ones and each station's own). */
export function scopedRules(docs: readonly RecordsDoc[]): Array<{ scope: string; record: AlertRule }> {
  return docs.flatMap((d) =>
    ownRecords(d.scope, d.doc.getMap<AlertRule>('rules').values()).map((record) => ({ scope: d.scope, record })),
  );
}
