import { createSubscriber } from 'svelte/reactivity';
import { LiveEvent, parseCoverageMessage, type SectorCoverage } from '@jointmap/shared';
import type { LivePositions } from '../live/live-positions.svelte.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';

/** The part of the live channel coverage needs (LivePositions gives it; tests can give a fake). */
export type CoverageChannel = Pick<LivePositions, 'listen' | 'operationId'>;

/**
 * Search-sector coverage of one operation as the server computes it from unit tracks
 * (`live:coverage`: every sector on join / reconnect, then the ones that changed). Inbound
 * messages are validated; a message for another operation or a malformed one is ignored.
 *
 * Map layers listen with {@link onChange} (raw: they coalesce per frame); Svelte components read
 * {@link version}, which changes at most once a frame.
 */
export class CoverageView {
  private readonly sectors = new Map<string, SectorCoverage>();
  private readonly listeners = new Set<(changed: ReadonlySet<string> | 'all') => void>();
  private readonly off: () => void;
  private readonly subscribe: () => void;
  private uiTick: (() => void) | null = null;
  private frame = 0;
  private uiVersion = 0;
  /** Messages dropped as malformed (kept for diagnosis in the console). */
  rejected = 0;

  constructor(channel: CoverageChannel) {
    this.off = channel.listen(LiveEvent.coverage, (raw) => {
      const parsed = parseCoverageMessage(raw);
      if (!parsed.ok) {
        this.rejected++;
        return;
      }
      const m = parsed.value;
      if (m.operationId !== channel.operationId) return;
      if (m.full) this.sectors.clear();
      for (const s of m.sectors) this.sectors.set(s.sectorId, s);
      this.emit(m.full ? 'all' : new Set(m.sectors.map((s) => s.sectorId)));
    });
    this.subscribe = createSubscriber((update) => {
      this.uiTick = update;
      return () => (this.uiTick = null);
    });
  }

  /** Swept share (0–1) of a sector, or null when the server has reported nothing for it. */
  fractionOf(sectorId: string): number | null {
    return this.sectors.get(sectorId)?.fraction ?? null;
  }

  /** Server time of the fix that last changed a sector's coverage, or null. */
  updatedAtOf(sectorId: string): number | null {
    return this.sectors.get(sectorId)?.updatedAt ?? null;
  }

  /** Changes when coverage changed (at most once a frame): read it in Svelte to re-derive. */
  get version(): number {
    this.subscribe();
    return this.uiVersion;
  }

  /** Raw change feed for map layers; returns the unsubscribe function. */
  onChange(fn: (changed: ReadonlySet<string> | 'all') => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  destroy(): void {
    this.off();
    if (this.frame) cancelAnimationFrame(this.frame);
    this.listeners.clear();
  }

  private emit(changed: ReadonlySet<string> | 'all'): void {
    for (const fn of this.listeners) fn(changed);
    if (this.frame || !this.uiTick) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.uiVersion++;
      this.uiTick?.();
    });
  }
}

const views = new WeakMap<OperationSession, CoverageView>();

/**
 * The coverage view of an open operation, created on first use. Pages call it as soon as the
 * session exists, so the full coverage the server sends on join is never missed; its listener goes
 * with the session's live connection.
 */
export function coverageOf(session: OperationSession): CoverageView {
  let view = views.get(session);
  if (!view) views.set(session, (view = new CoverageView(session.live)));
  return view;
}
