import type { AlertsMessage, CoverageMessage, ReplayPositionsBody, ReplayState } from '@jointmap/shared';
import { session } from '../state/session.svelte.ts';
import { loadAlerts, loadCoverage, loadPositions, loadState, momentPath } from './replay-api.ts';
import type { DocChanges } from './state-diff.ts';

export interface MomentRequest {
  id: number;
  token: string | null;
  paths: { state: string; positions: string; alerts: string; coverage: string | null };
}

export type MomentReply =
  | {
      id: number;
      ok: true;
      changes: DocChanges[];
      positions: ReplayPositionsBody;
      alerts: AlertsMessage;
      coverage: CoverageMessage | null;
    }
  | { id: number; ok: false; error: string };

/** One moment for the page: the documents' changes since the last moment (worker) or their whole state. */
export interface Moment {
  changes: DocChanges[] | null;
  state: ReplayState | null;
  positions: ReplayPositionsBody;
  alerts: AlertsMessage;
  coverage: CoverageMessage | null;
}

/**
 * Fetches the moments of one replay page. In a Web Worker where there is one: a moment's requests
 * and their parsing (most of all the state, every record of every document) cost the main thread
 * tens of ms each, several times a second while playing. The worker answers only what changed.
 * Without workers, or after the worker failed once (an expired token, a server error), every
 * moment is fetched on the main thread as a whole state, where the session handles a refused token.
 */
export class MomentLoader {
  private worker: Worker | null = null;
  private broken = typeof Worker === 'undefined';
  private nextId = 1;
  private readonly pending = new Map<number, (reply: MomentReply) => void>();

  async load(operationId: string, at: number, withCoverage: boolean): Promise<Moment> {
    if (!this.broken) {
      const reply = await this.viaWorker(operationId, at, withCoverage).catch((err: Error): MomentReply => ({
        id: 0,
        ok: false,
        error: err.message,
      }));
      if (reply.ok) return { ...reply, state: null };
      // From now on the main thread, starting again from the whole state (the worker's last moment
      // may not be the page's).
      this.broken = true;
      this.destroy();
    }
    const [state, positions, alerts, coverage] = await Promise.all([
      loadState(operationId, at),
      loadPositions(operationId, at),
      loadAlerts(operationId, at),
      withCoverage ? loadCoverage(operationId, at) : null,
    ]);
    return { changes: null, state, positions, alerts, coverage };
  }

  destroy(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const resolve of this.pending.values()) resolve({ id: 0, ok: false, error: 'stopped' });
    this.pending.clear();
  }

  private viaWorker(operationId: string, at: number, withCoverage: boolean): Promise<MomentReply> {
    if (!this.worker) {
      this.worker = new Worker(new URL('./replay-moment.worker.ts', import.meta.url), { type: 'module' });
      this.worker.onmessage = (e: MessageEvent<MomentReply>) => {
        const resolve = this.pending.get(e.data.id);
        this.pending.delete(e.data.id);
        resolve?.(e.data);
      };
      this.worker.onerror = () => this.destroy();
    }
    const id = this.nextId++;
    const request: MomentRequest = {
      id,
      token: session.token,
      paths: {
        state: momentPath(operationId, 'state', at),
        positions: momentPath(operationId, 'positions', at),
        alerts: momentPath(operationId, 'alerts', at),
        coverage: withCoverage ? momentPath(operationId, 'coverage', at) : null,
      },
    };
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker!.postMessage(request);
    });
  }
}
