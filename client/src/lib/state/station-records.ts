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
