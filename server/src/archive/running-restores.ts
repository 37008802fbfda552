import { randomUUID } from 'node:crypto';
import { AppError } from '@jointmap/shared';
import { isLiveMark, RESTORE_MARK_MAX_MS, type RestoreMark } from '../storage/restore-marks.ts';

/**
 * The restores this process runs, and the tag of this instance (its host and `DATA_DIR`) that
 * their marks' ids start with. A mark of an operation is one row: a second restore of it would
 * replace the first one's mark, and, failing, remove the only row and take back fixes the first
 * one counts as stored. So a restore is refused while a live mark of its operation exists, unless
 * that mark is this instance's and no restore here runs it: its process was stopped mid-way (a
 * crash, a restart), and the restore is simply run again.
 */
export class RunningRestores {
  private readonly running = new Set<string>();

  /** `instance`: the same for every process of this instance (ArchiveFiles.tag), unique among instances. */
  constructor(private readonly instance: string = randomUUID()) {}

  /** A new mark's id, of this instance. */
  newId(): string {
    return `${this.instance}/${randomUUID()}`;
  }

  begin(id: string): void {
    this.running.add(id);
  }

  end(id: string): void {
    this.running.delete(id);
  }

  /**
   * Refuse (`CONFLICT`) a restore of `operationId` at `now` while another restore of it may be
   * under way, on this instance or another, as `marks` (the store's, read now) tell.
   */
  refuseWhileUnderWay(marks: readonly RestoreMark[], operationId: string, now: number): void {
    const other = marks.find((m) => m.operationId === operationId && isLiveMark(m, now) && !this.leftHere(m));
    if (!other) return;
    const lapses = new Date(other.startedAt + RESTORE_MARK_MAX_MS).toISOString();
    throw new AppError(
      'CONFLICT',
      `a restore of operation ${operationId} is under way (begun ${new Date(other.startedAt).toISOString()}, ` +
        `on this or another instance): nothing restored; run this one once it has ended (one cut short on ` +
        `another instance by its server stopping holds the operation until ${lapses})`,
    );
  }

  /** Whether `mark` was left by a restore of this instance that no longer runs (its process stopped). */
  private leftHere(mark: RestoreMark): boolean {
    return mark.id !== undefined && mark.id.startsWith(`${this.instance}/`) && !this.running.has(mark.id);
  }
}
