import { COMMAND_SCOPE, parseDocName, type NamedDoc } from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';

/** How often an instance over Redis re-reads the status of the operations it has rooms for (ms). */
export const OPERATION_WATCH_MS = 10_000;

/** What follows an operation's close or purge: its alerts forgotten, its live viewers narrowed. */
export interface ClosedListener {
  forget(operationId: string): void | Promise<void>;
}

/**
 * Keeps this instance in step with operations closed or purged on another instance (several
 * instances over Redis). The instance that closes an operation unloads its own rooms, so their
 * connections come back read-only; the others' connections were admitted with write access too,
 * and would keep it, and their alert engines would keep raising alerts for a finished record.
 *
 * Here, the close's change to the command document's `meta` (relayed to every instance holding the
 * document) and, in case that instance does not hold it or missed the message, a re-read of the
 * status every {@link OPERATION_WATCH_MS} for the operations with rooms loaded here or live viewers
 * here, take storage's word: for an operation no longer active, the rooms with writers are unloaded
 * (their clients reconnect and are admitted read-only; after a purge, refused), and its alerts are
 * forgotten and its live viewers narrowed (`closed`). A live viewer's socket need not be on an
 * instance that holds any of its operation's rooms (a balancer may spread the two), so its
 * operation is checked for it alone.
 */
export class OperationWatch {
  private readonly timer: NodeJS.Timeout;
  private readonly checking = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: Pick<AppContext, 'storage' | 'rooms' | 'log'>,
    private readonly closed: ClosedListener | null,
    everyMs = OPERATION_WATCH_MS,
    /** Operations with live viewers on this instance. */
    private readonly viewed: () => Iterable<string> = () => [],
  ) {
    this.timer = setInterval(() => void this.sweep(), everyMs);
    this.timer.unref();
  }

  /** Room hook (local and relayed commits): a command document's `meta` changed. */
  onCommitted(doc: NamedDoc, roots: ReadonlySet<string>): void {
    if (doc.scope === COMMAND_SCOPE && roots.has('meta')) void this.check(doc.operationId);
  }

  /** Check every operation with a room in memory or a live viewer here. */
  async sweep(): Promise<void> {
    const ops = new Set([...this.ctx.rooms.names().map((n) => parseDocName(n)?.operationId), ...this.viewed()]);
    await Promise.all([...ops].map((id) => (id ? this.check(id) : undefined)));
  }

  /** Act on the operation's stored status (one check at a time per operation). */
  check(operationId: string): Promise<void> {
    const running = this.checking.get(operationId);
    if (running) return running;
    const done = this.apply(operationId)
      .catch((err: unknown) => this.ctx.log.warn({ err, operation: operationId }, 'operation status not read'))
      .finally(() => this.checking.delete(operationId));
    this.checking.set(operationId, done);
    return done;
  }

  private async apply(operationId: string): Promise<void> {
    const op = await this.ctx.storage.getOperation(operationId);
    if (op && op.status === 'active' && op.purgedAt == null) return;
    const names = this.ctx.rooms.names().filter((n) => parseDocName(n)?.operationId === operationId);
    if (!op || op.purgedAt != null) await Promise.all(names.map((n) => this.ctx.rooms.evict(n)));
    else await this.ctx.rooms.evictWriters(names);
    await this.closed?.forget(operationId);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
