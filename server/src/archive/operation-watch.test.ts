import { describe, expect, it } from 'vitest';
import type { AppContext } from '../services/context.ts';
import type { Operation } from '../storage/types.ts';
import { OperationWatch } from './operation-watch.ts';

/** A watch over rooms of three operations, with the stored rows given; records what it did. */
function watchOver(rows: Record<string, Partial<Operation> | null>, viewed: string[] = []) {
  const names = ['op-active/command', 'op-active/s1', 'op-closed/command', 'op-closed/s1', 'op-purged/s1'];
  const did: string[] = [];
  const ctx = {
    storage: { getOperation: async (id: string) => (rows[id] === null ? null : ({ id, ...rows[id] } as Operation)) },
    rooms: {
      names: () => names,
      evict: async (n: string) => void did.push(`evict ${n}`),
      evictWriters: async (ns: readonly string[]) => void did.push(`writers ${ns.join(',')}`),
    },
    log: { warn: () => undefined },
  } as unknown as Pick<AppContext, 'storage' | 'rooms' | 'log'>;
  const watch = new OperationWatch(ctx, { forget: (id) => void did.push(`forget ${id}`) }, 3_600_000, () => viewed);
  return { watch, did };
}

describe('operation watch', () => {
  it('a sweep unloads the writers of closed operations and everything of purged ones, and leaves active ones', async () => {
    const { watch, did } = watchOver({
      'op-active': { status: 'active', purgedAt: null },
      'op-closed': { status: 'closed', purgedAt: null },
      'op-purged': { status: 'closed', purgedAt: 5 },
    });
    await watch.sweep();
    watch.close();
    expect(did.sort()).toEqual([
      'evict op-purged/s1',
      'forget op-closed',
      'forget op-purged',
      'writers op-closed/command,op-closed/s1',
    ]);
  });

  it("a command document's meta change checks its operation at once; other changes do not", async () => {
    const { watch, did } = watchOver({ 'op-closed': { status: 'closed', purgedAt: null } });
    const doc = { operationId: 'op-closed', kind: 'command' as const };
    watch.onCommitted({ ...doc, scope: 'command', name: 'op-closed/command' }, new Set(['annotations']));
    watch.onCommitted({ ...doc, scope: 's1', kind: 'station', name: 'op-closed/s1' } as never, new Set(['meta']));
    await new Promise((r) => setTimeout(r, 10));
    expect(did).toEqual([]);
    watch.onCommitted({ ...doc, scope: 'command', name: 'op-closed/command' }, new Set(['meta']));
    await watch.check('op-closed');
    watch.close();
    expect(did).toEqual(['writers op-closed/command,op-closed/s1', 'forget op-closed']);
  });

  it('a sweep also checks operations that have only live viewers here (no room loaded), and narrows them once closed', async () => {
    const { watch, did } = watchOver(
      {
        'op-active': { status: 'active', purgedAt: null },
        'op-closed': { status: 'closed', purgedAt: null },
        'op-purged': { status: 'closed', purgedAt: 5 },
        'op-viewed': { status: 'closed', purgedAt: null },
        'op-live': { status: 'active', purgedAt: null },
      },
      ['op-viewed', 'op-live', 'op-active'],
    );
    await watch.sweep();
    watch.close();
    expect(did.filter((d) => d.startsWith('forget')).sort()).toEqual([
      'forget op-closed',
      'forget op-purged',
      'forget op-viewed',
    ]);
  });
});
