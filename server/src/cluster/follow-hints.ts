import { parseDocName, type NamedDoc } from '@jointmap/shared';
import type { DocChangeHints } from './doc-change-hints.ts';

/** What {@link followHints} tells of other instances' commits. */
export interface HintFollower {
  /** Whether this instance holds the document's room (its relayed commits then tell already). */
  held(doc: string): boolean;
  /** A document changed elsewhere in `roots`: read it again. */
  changed(doc: NamedDoc, roots: ReadonlySet<string>): void;
  /** Hints may have been lost (a break of the link): read again all that is followed. */
  lost(): void;
}

/**
 * Follow the hints of documents changed on other instances whose rooms are not held here: the
 * alert engine, the coverage and the TAK pictures read them again. A room still loading may have
 * read the change with its state: its relay then skips it, so the hint is what tells the others.
 * Returns the unsubscribe.
 */
export function followHints(hints: DocChangeHints, follower: HintFollower): () => void {
  return hints.subscribe((changes) => {
    if (changes === null) return follower.lost();
    for (const { doc, roots } of changes) {
      const named = parseDocName(doc);
      if (named && !follower.held(doc)) follower.changed({ ...named, name: doc }, new Set(roots));
    }
  });
}
