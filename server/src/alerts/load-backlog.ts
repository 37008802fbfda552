import type { UnitPosition } from '@jointmap/shared';

/**
 * What reached an operation while the alert engine was loading it: fixes, in the order they
 * arrived, and commits to its documents that may have changed its rules or roster, with the time
 * each was seen. Drained in the order of those times, so that a fix received before a rule was
 * written is judged without it and one received after with it, as a restart's replay judges
 * them (by each fix's `receivedAt` and the rule's time on the update log). Applying every fix
 * first and reading the rules after would judge none of them by the new rule, and the replay
 * after the next restart would raise what the live engine never did.
 */
export class LoadBacklog {
  private readonly fixes: UnitPosition[] = [];
  private readonly reads: Array<{ scope: string; at: number }> = [];

  fix(pos: UnitPosition): void {
    this.fixes.push(pos);
  }

  /** A document of the operation (`scope`) committed a change at `at` (server clock). */
  committed(scope: string, at: number): void {
    this.reads.push({ scope, at });
  }

  /**
   * Hand everything over in time order: `read` a document again (as it stands now, its rules
   * taking `at` as the time they changed), `apply` a fix. What arrives meanwhile is handed over
   * too; resolves once nothing is left (the caller then stops filling the backlog, synchronously).
   */
  async drain(apply: (pos: UnitPosition) => void, read: (scope: string, at: number) => Promise<void>): Promise<void> {
    let f = 0;
    let r = 0;
    for (;;) {
      const fix = this.fixes[f];
      const next = this.reads[r];
      if (next && (!fix || next.at <= fix.receivedAt)) {
        r++;
        await read(next.scope, next.at);
      } else if (fix) {
        f++;
        apply(fix);
      } else return;
    }
  }
}
