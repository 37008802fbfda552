/**
 * Everything the server has stored, read from its data dir while it is stopped: every table's
 * rows, and each document's visible content (rebuilt from its snapshot and update log). Two reads
 * around the fuzz must be identical, and no file may contain the fuzzer's MARKER.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as Y from 'yjs';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { docFromStored } from '@jointmap/server/storage/stored-doc';
import { canonicalJson } from '../helpers/canonical-json.ts';

export interface StoredState {
  /** Rows of every table but the document log, canonical JSON, sorted. */
  tables: Record<string, string[]>;
  /** Visible content of each document (canonical JSON). */
  docs: Record<string, string>;
  /** Length of each document's update log (informational: a repair appends one). */
  logLength: Record<string, number>;
}

/** Tables holding the documents: compared by content, not by rows. */
const DOC_TABLES = new Set(['doc_updates', 'doc_snapshots']);

export async function readState(dataDir: string): Promise<StoredState> {
  const storage = new SqliteStorage(dataDir);
  try {
    const db = storage.db;
    const tables: Record<string, string[]> = {};
    const names = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string }>;
    for (const { name } of names) {
      if (DOC_TABLES.has(name)) continue;
      const rows = db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>;
      tables[name] = rows
        .map((row) =>
          canonicalJson(
            Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v])),
          ),
        )
        .sort();
    }
    const docs: Record<string, string> = {};
    const logLength: Record<string, number> = {};
    const docNames = db
      .prepare('SELECT doc FROM doc_updates UNION SELECT doc FROM doc_snapshots ORDER BY doc')
      .all() as Array<{ doc: string }>;
    for (const { doc: name } of docNames) {
      const stored = await storage.loadDoc(name);
      const doc = docFromStored(stored);
      docs[name] = docContent(doc);
      logLength[name] = stored.lastSeq;
      doc.destroy();
    }
    return { tables, docs, logLength };
  } finally {
    await storage.close();
  }
}

/**
 * Every root's map entries and any visible list content (a document should have none). Roots with
 * nothing visible are left out: a refused entry leaves its root behind as a tombstone's parent
 * (found by the marker scan, see {@link markerInLog}), but no visible content.
 */
function docContent(doc: Y.Doc): string {
  const roots: Record<string, unknown> = {};
  for (const name of [...doc.share.keys()].sort()) {
    const list: unknown[] = [];
    for (let item = doc.share.get(name)!._start; item !== null; item = item.right)
      if (!item.deleted) list.push(...item.content.getContent());
    const map = doc.getMap(name).toJSON();
    if (list.length || Object.keys(map).length) roots[name] = { map, list };
  }
  return canonicalJson(roots);
}

/**
 * Where the marker sits in stored document updates and snapshots: in the name of a root type, in
 * a map key (both kept by Yjs for deleted entries, whose content is garbage-collected), or in
 * content. Counts of structs, summed over the log.
 */
export async function markerInLog(
  dataDir: string,
  marker: string,
): Promise<{
  rootNames: number;
  keys: number;
  content: number;
  updates: number;
  snapshots: number;
  maxKeyLength: number;
}> {
  const storage = new SqliteStorage(dataDir);
  const found = { rootNames: 0, keys: 0, content: 0, updates: 0, snapshots: 0, maxKeyLength: 0 };
  const needle = Buffer.from(marker);
  const classify = (bytes: Uint8Array) => {
    for (const st of Y.decodeUpdate(bytes).structs) {
      if (!(st instanceof Y.Item)) continue;
      // In a decoded update, an item's parent is its root's name (a string) or the id of its parent item.
      const parent = st.parent as unknown;
      if (typeof parent === 'string' && parent.includes(marker)) found.rootNames++;
      if (st.parentSub?.includes(marker)) {
        found.keys++;
        found.maxKeyLength = Math.max(found.maxKeyLength, st.parentSub.length);
      }
      try {
        if (JSON.stringify(st.content.getContent()).includes(marker)) found.content++;
      } catch {
        found.content++; // a nested shared type as content: stored content either way
      }
    }
  };
  try {
    for (const row of storage.db.prepare('SELECT update_bytes FROM doc_updates').iterate() as Iterable<{
      update_bytes: Buffer;
    }>) {
      if (!row.update_bytes.includes(needle)) continue;
      found.updates++;
      classify(new Uint8Array(row.update_bytes));
    }
    for (const row of storage.db.prepare('SELECT state FROM doc_snapshots').iterate() as Iterable<{ state: Buffer }>) {
      if (!row.state.includes(needle)) continue;
      found.snapshots++;
      classify(new Uint8Array(row.state));
    }
    return found;
  } finally {
    await storage.close();
  }
}

/** Differences between two reads, as readable lines. */
export function diffStates(before: StoredState, after: StoredState): string[] {
  const out: string[] = [];
  for (const t of new Set([...Object.keys(before.tables), ...Object.keys(after.tables)])) {
    const a = new Set(before.tables[t] ?? []);
    const b = new Set(after.tables[t] ?? []);
    for (const row of b) if (!a.has(row)) out.push(`table ${t}: new or changed row ${row.slice(0, 300)}`);
    for (const row of a) if (!b.has(row)) out.push(`table ${t}: row gone or changed ${row.slice(0, 300)}`);
  }
  for (const d of new Set([...Object.keys(before.docs), ...Object.keys(after.docs)])) {
    if (before.docs[d] !== after.docs[d])
      out.push(`document ${d}: content changed (${before.docs[d]?.length ?? 0} → ${after.docs[d]?.length ?? 0} chars)`);
  }
  return out;
}

/** Files in the data dir that contain the marker, with how often. */
export function scanForMarker(dataDir: string, marker: string): Array<{ file: string; hits: number }> {
  const needle = Buffer.from(marker);
  const found: Array<{ file: string; hits: number }> = [];
  for (const file of readdirSync(dataDir, { recursive: true, withFileTypes: true })) {
    if (!file.isFile()) continue;
    const path = join(file.parentPath, file.name);
    const bytes = readFileSync(path);
    let hits = 0;
    for (let i = bytes.indexOf(needle); i !== -1; i = bytes.indexOf(needle, i + needle.length)) hits++;
    if (hits) found.push({ file: path, hits });
  }
  return found;
}
