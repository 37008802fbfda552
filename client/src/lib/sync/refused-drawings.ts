import * as Y from 'yjs';
import type { Annotation } from '@jointmap/shared';

/**
 * The drawings of `doc` whose current version the server does not have (it announced
 * `serverVector` when the link came back): added or changed here since, as GeoJSON features for
 * the user to keep before the refused copy is dropped.
 */
export function refusedDrawings(doc: Y.Doc, serverVector: Uint8Array): GeoJSON.Feature[] {
  const known = Y.decodeStateVector(serverVector);
  const annotations = doc.getMap<Annotation>('annotations');
  const out: GeoJSON.Feature[] = [];
  for (const [id, a] of annotations.entries()) {
    // The entry's current item (`_map`, public in Yjs's types; a decoded update cannot tell: an
    // overwrite names its key through the item it replaces, not by name): written after the
    // server's state when its clock is past what the server has of its client.
    const item = annotations._map.get(id);
    if (!item || item.id.clock < (known.get(item.id.client) ?? 0)) continue;
    out.push({ type: 'Feature', id, geometry: a.geometry, properties: { kind: a.kind, label: a.label } });
  }
  return out.sort((x, y) => (String(x.id) < String(y.id) ? -1 : 1));
}
