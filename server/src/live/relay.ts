import type { UnitPosition } from '@jointmap/shared';

/**
 * Carries stored positions to every instance's fan-out. In-process now; the scale-out issue puts
 * Redis pub/sub behind the same interface, so each instance's latest cache and viewers see fixes
 * ingested anywhere. Publishers also receive their own messages.
 */
export interface PositionRelay {
  publish(pos: UnitPosition): void;
  subscribe(handler: (pos: UnitPosition) => void): () => void;
  close(): Promise<void>;
}

/** Single-process relay: delivers synchronously to local subscribers. */
export class LocalRelay implements PositionRelay {
  private readonly handlers = new Set<(pos: UnitPosition) => void>();

  publish(pos: UnitPosition): void {
    for (const h of this.handlers) h(pos);
  }

  subscribe(handler: (pos: UnitPosition) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
