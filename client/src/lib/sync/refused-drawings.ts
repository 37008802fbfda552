import * as Y from 'yjs';
import type { Annotation } from '@jointmap/shared';

/**
 * The drawings of `doc` whose current version the server does not have (it announced
 * `serverVector` when the link came back): added or changed here since, as GeoJSON features for
 * the user to keep before the refused copy is dropped.
 *
 * The document as the server has it is rebuilt from a Yjs snapshot (the state it announced,
 * with what is deleted now): a drawing whose current version is newer is missing there, as its
 * older versions are deleted. A snapshot needs a copy that keeps deleted content; this one is
 * thrown away, and only made when the user exports.
 */
export function refusedDrawings(doc: Y.Doc, serverVector: Uint8Array): GeoJSON.Feature[] {
  const copy = new Y.Doc({ gc: false });
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  // What the server announced, within what this copy has (a snapshot past it cannot be built).
  const ours = Y.decodeStateVector(Y.encodeStateVector(copy));
  const known = new Map<number, number>();
  for (const [client, clock] of Y.decodeStateVector(serverVector))
    known.set(client, Math.min(clock, ours.get(client) ?? 0));
  const atServer = Y.createDocFromSnapshot(copy, Y.createSnapshot(Y.snapshot(copy).ds, known));
  const theirs = atServer.getMap<Annotation>('annotations');
  const out: GeoJSON.Feature[] = [];
  for (const [id, a] of doc.getMap<Annotation>('annotations').entries()) {
    if (theirs.has(id)) continue;
    out.push({ type: 'Feature', id, geometry: a.geometry, properties: { kind: a.kind, label: a.label } });
  }
  copy.destroy();
  atServer.destroy();
  return out.sort((x, y) => (String(x.id) < String(y.id) ? -1 : 1));
}
