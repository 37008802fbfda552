import { randomUUID } from 'node:crypto';
import { AppError } from '@jointmap/shared';
import { isLiveMark, RESTORE_MARK_MAX_MS, type RestoreMark } from '../storage/restore-marks.ts';

/**
 * The restores this process runs, and the tag of this instance (its host and `DATA_DIR`) that
 * their marks' ids start with. A mark of an operation is one row: a second restore of it would
 * replace the first one's mark, and, failing, remove the only row and take back fixes the first
 * one counts as stored. So a restore is refused while this process restores the operation, or a
 * live mark of it exists, unless that mark is this instance's and no restore runs it: its process
 * was stopped mid-way (a crash, a restart), and the restore is simply run again. The store then
 * takes the new mark only over exactly that one (`Storage.markRestore`), so of two restores that
 * looked at once, on two instances, one marks and the other is refused.
 */
export class RunningRestores {
  /** The operations a restore of this process has claimed ({@link claim}) and not yet released. */
  private readonly operations = new Set<string>();
  /** The ids of the marks this process stored and has not seen removed (one whose removal failed stays). */
  private readonly made = new Set<string>();

  /**
   * `instance`: the same for every process of this instance (ArchiveFiles.tag), unique among
   * instances. `startedAt`: when this process started; a mark of this instance's tag begun since
   * then is of a restore another process with the same tag runs now (two servers on one host and
   * `DATA_DIR`, which PostgreSQL lets share it), unless this process made it.
   */
  constructor(
    private readonly instance: string = randomUUID(),
    private readonly startedAt: number = Date.now(),
  ) {}

  /** A new mark's id, of this instance. */
  newId(): string {
    const id = `${this.instance}/${randomUUID()}`;
    this.made.add(id);
    return id;
  }

  /**
   * Claim `operationId` for a restore at `now`, or refuse (`CONFLICT`) while another restore of it
   * may be under way: in this process (claimed), or on this instance or another, as `marks` (the
   * store's, read just before) tell. One synchronous step, so no other restore of this process
   * looks between the check and the claim. Returns the mark the new one is to replace (one this
   * instance left when a stop cut its restore short), null when none is; the caller
   * {@link release}s the claim once its restore has ended and its mark is removed.
   */
  claim(marks: readonly RestoreMark[], operationId: string, now: number): RestoreMark | null {
    if (this.operations.has(operationId))
      throw new AppError(
        'CONFLICT',
        `a restore of operation ${operationId} is under way (on this instance): nothing restored; ` +
          'run this one once it has ended',
      );
    const live = marks.find((m) => m.operationId === operationId && isLiveMark(m, now));
    if (live && !this.leftHere(live)) throw underWay(operationId, live.startedAt);
    this.operations.add(operationId);
    return live ?? null;
  }

  /** The restore that claimed `operationId` ended (and removed its mark, when it stored one). */
  release(operationId: string): void {
    this.operations.delete(operationId);
  }

  /** The mark `id` is removed from the store. */
  unmarked(id: string): void {
    this.made.delete(id);
  }

  /**
   * Whether `mark` was left by a restore of this instance that no longer runs: its tag is this
   * instance's, and either it was begun before this process started (a stop cut it short) or this
   * process made it (its removal failed). Asked only for an operation no restore here has claimed.
   */
  private leftHere(mark: RestoreMark): boolean {
    if (mark.id === undefined || !mark.id.startsWith(`${this.instance}/`)) return false;
    return mark.startedAt < this.startedAt || this.made.has(mark.id);
  }
}

/** The refusal of a restore while another one of its operation holds a live mark begun at `startedAt`. */
export function underWay(operationId: string, startedAt: number): AppError {
  const lapses = new Date(startedAt + RESTORE_MARK_MAX_MS).toISOString();
  return new AppError(
    'CONFLICT',
    `a restore of operation ${operationId} is under way (begun ${new Date(startedAt).toISOString()}, ` +
      `on this or another instance): nothing restored; run this one once it has ended (one cut short on ` +
      `another instance by its server stopping holds the operation until ${lapses})`,
  );
}
