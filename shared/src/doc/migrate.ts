import type * as Y from 'yjs';
import { DOC_SCHEMA_VERSION, META_SCHEMA_VERSION_KEY, RECORD_KINDS, type DocKind } from '../schema/index.ts';
import type { RecordKind } from '../schema/record-kind.ts';
import type { RecordChange } from './apply-change.ts';

/**
 * Bring a loaded document up to `targetVersion`: for every version step, each record kind's
 * migration for that step rewrites its records (as the server), then the version is stamped.
 * Returns the number of records rewritten.
 */
export function migrateDoc(
  doc: Y.Doc,
  docKind: DocKind,
  targetVersion = DOC_SCHEMA_VERSION,
  kinds: Readonly<Record<string, RecordKind<unknown>>> = RECORD_KINDS[docKind],
): number {
  const meta = doc.getMap('meta');
  const stored = meta.get(META_SCHEMA_VERSION_KEY);
  if (typeof stored !== 'number' || stored >= targetVersion) return 0;
  const changes: RecordChange[] = [];
  for (const kind of Object.values(kinds)) {
    const steps: Array<(old: unknown) => unknown> = [];
    for (let from = stored; from < targetVersion; from++) {
      const step = kind.migrations[from];
      if (step) steps.push(step);
    }
    if (steps.length === 0) continue;
    for (const [key, value] of doc.getMap(kind.map).entries()) {
      const migrated = steps.reduce((v, step) => step(v), value as unknown);
      const problem = kind.validator.explain(migrated);
      if (problem)
        throw new Error(`migrating ${kind.map}/${key} to version ${targetVersion} gave an invalid record: ${problem}`);
      changes.push({ type: 'put', map: kind.map, key, value: migrated });
    }
  }
  doc.transact(
    () => {
      for (const c of changes) if (c.type === 'put') doc.getMap(c.map).set(c.key, c.value);
      meta.set(META_SCHEMA_VERSION_KEY, targetVersion);
    },
    { source: 'server' },
  );
  return changes.length;
}
