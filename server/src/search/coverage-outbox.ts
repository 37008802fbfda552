import type { CoverageMessage, SectorCoverage } from '@jointmap/shared';
import type { PendingTimer, PendingWork } from './pending-work.ts';

export interface CoverageOutboxOptions {
  operationId: string;
  /** Changes are sent at most once per this many ms. */
  flushMs: number;
  work: PendingWork;
  /** Whether the sector is still in the command document (a removed one is not sent). */
  hasSector(sectorId: string): boolean;
  emit(operationId: string, msg: CoverageMessage): void;
  now(): number;
}

/**
 * The coverage of an operation's sectors and what of it was sent: a change goes out in the next
 * flush (at most one per `flushMs`), holding only the sectors whose fraction changed since sent.
 */
export class CoverageOutbox {
  /** Coverage of every sector that belongs to a search; others are at 0. */
  private readonly values = new Map<string, SectorCoverage>();
  /** Fraction last sent per sector, so a flush sends only what changed. */
  private readonly sent = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private timer: PendingTimer | null = null;
  private closed = false;

  constructor(private readonly o: CoverageOutboxOptions) {}

  get(sectorId: string): SectorCoverage {
    return this.values.get(sectorId) ?? { sectorId, fraction: 0, updatedAt: null };
  }

  set(sectorId: string, fraction: number, updatedAt: number | null): void {
    this.values.set(sectorId, { sectorId, fraction, updatedAt });
    this.dirty.add(sectorId);
    if (this.timer || this.closed) return;
    this.timer = this.o.work.later(this.o.flushMs, () => {
      this.timer = null;
      this.flush();
    });
  }

  /** Forget the sectors no longer in the command document. */
  prune(): void {
    for (const id of [...this.values.keys()]) {
      if (this.o.hasSector(id)) continue;
      this.values.delete(id);
      this.sent.delete(id);
      this.dirty.delete(id);
    }
  }

  /** Send nothing more; a pending flush is dropped. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private flush(): void {
    const sectors: SectorCoverage[] = [];
    for (const id of [...this.dirty].sort()) {
      const value = this.values.get(id);
      if (!value || !this.o.hasSector(id) || this.sent.get(id) === value.fraction) continue;
      this.sent.set(id, value.fraction);
      sectors.push(value);
    }
    this.dirty.clear();
    const { operationId } = this.o;
    if (sectors.length) this.o.emit(operationId, { operationId, serverTime: this.o.now(), full: false, sectors });
  }
}
