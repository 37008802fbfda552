import type pg from 'pg';
import type { SeqUpdate } from '../rooms/relay-port.ts';
import { pgQuery } from '../storage/pg-pool.ts';

/**
 * The update log of a document after `seq`, in order: where an instance catches up on what the
 * relay did not bring it (a gap, or Redis down). Appends commit in sequence order (see
 * pg-docs.ts), so what this reads has no holes.
 */
export function pgUpdatesAfter(pool: pg.Pool): (doc: string, seq: number) => Promise<SeqUpdate[]> {
  return async (doc, seq) => {
    const { rows } = await pgQuery(
      pool,
      'SELECT seq, update_bytes FROM doc_updates WHERE doc = $1 AND seq > $2 ORDER BY seq',
      [doc, seq],
    );
    return rows.map((r) => ({ seq: r.seq as number, update: new Uint8Array(r.update_bytes as Buffer) }));
  };
}
