import {
  generateArea,
  splitArea,
  type GeometryRequest,
  type GeometryResponse,
  type GeometryResult,
  type SectorProposal,
  type SplitHow,
} from './search-geometry.ts';
import type { Jurisdiction } from '@jointmap/shared';

/**
 * Runs search geometry in a Web Worker so the map and the live picture keep moving while a large
 * area is clipped and gridded; falls back to the main thread where workers are unavailable.
 * A newer request of the same kind supersedes an older one: the older resolves as `null`.
 */
export class GeometryWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { op: string; resolve: (r: GeometryResponse | null) => void }>();

  area(input: Extract<GeometryRequest, { op: 'area' }>['input']): Promise<GeometryResult<GeoJSON.Polygon> | null> {
    return this.run({ op: 'area', input }) as Promise<GeometryResult<GeoJSON.Polygon> | null>;
  }

  split(
    area: GeoJSON.Polygon,
    split: SplitHow,
    jurisdictions: Jurisdiction[],
  ): Promise<GeometryResult<SectorProposal[]> | null> {
    return this.run({ op: 'split', area, split, jurisdictions }) as Promise<GeometryResult<SectorProposal[]> | null>;
  }

  destroy(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.resolve(null);
    this.pending.clear();
  }

  private run(request: GeometryRequest): Promise<GeometryResponse | null> {
    for (const [id, p] of this.pending) {
      if (p.op !== request.op) continue;
      p.resolve(null);
      this.pending.delete(id);
    }
    const worker = this.start();
    if (!worker) {
      return new Promise((resolve) =>
        // Still async, so callers behave the same; the UI shows "computing" before it blocks.
        setTimeout(() =>
          resolve(
            request.op === 'area'
              ? generateArea(request.input)
              : splitArea(request.area, request.split, request.jurisdictions),
          ),
        ),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { op: request.op, resolve });
      worker.postMessage({ id, ...request });
    });
  }

  private start(): Worker | null {
    if (this.worker) return this.worker;
    if (typeof Worker === 'undefined') return null;
    try {
      this.worker = new Worker(new URL('./search-geometry.worker.ts', import.meta.url), { type: 'module' });
    } catch {
      return null;
    }
    this.worker.onmessage = (e: MessageEvent<{ id: number; result: GeometryResponse }>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      p.resolve(e.data.result);
    };
    this.worker.onerror = () => {
      // A worker that cannot load (e.g. an old cached shell) must not hang the form.
      for (const p of this.pending.values())
        p.resolve({ ok: false, error: { key: 'search.error.geometry', params: { message: 'worker failed' } } });
      this.pending.clear();
      this.worker?.terminate();
      this.worker = null;
    };
    return this.worker;
  }
}
