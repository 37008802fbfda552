import type { Position } from 'geojson';

/**
 * A line (or closed ring) of more than `max` positions cut to `max` by Visvalingam–Whyatt: drop
 * the position whose triangle with its two neighbours has the smallest area, again and again, until
 * `max` remain; the end points always stay. A heap makes it O(n log n) whatever the shape, without
 * recursion: Douglas–Peucker (turf's `simplify`) recursed once per split and overflowed the call
 * stack on a long zigzag track, where each split peels off one wave, and is O(n²) there even when
 * written as a loop (82 s for 800,000 positions). Areas are planar in degrees with longitude
 * scaled by the cosine of the first latitude (square metres-like near the line).
 *
 * @example thinLine(hundredThousandFixes, 10_000).length === 10_000
 */
export function thinLine(ps: readonly Position[], max: number): Position[] {
  const n = ps.length;
  if (n <= max || n < 3) return [...ps];
  const kx = Math.cos(((ps[0]![1] ?? 0) * Math.PI) / 180);
  const x = Float64Array.from(ps, (p) => p[0]! * kx);
  const y = Float64Array.from(ps, (p) => p[1]!);
  const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
  const next = Int32Array.from({ length: n }, (_, i) => i + 1);
  const area = new Float64Array(n);
  const triangle = (i: number) => {
    const a = prev[i]!;
    const c = next[i]!;
    return Math.abs((x[a]! - x[i]!) * (y[c]! - y[i]!) - (x[c]! - x[i]!) * (y[a]! - y[i]!));
  };
  const heap = new MinHeap(n, area);
  // A neighbour's area never falls below the one just dropped: positions go in a stable order.
  const refresh = (j: number, floor: number) => {
    if (j === 0 || j === n - 1) return;
    area[j] = Math.max(triangle(j), floor);
    heap.update(j);
  };
  for (let i = 1; i < n - 1; i++) {
    area[i] = triangle(i);
    heap.push(i);
  }
  const removed = new Uint8Array(n);
  for (let left = n; left > Math.max(max, 2); left--) {
    const i = heap.pop();
    removed[i] = 1;
    const a = prev[i]!;
    const c = next[i]!;
    next[a] = c;
    prev[c] = a;
    refresh(a, area[i]!);
    refresh(c, area[i]!);
  }
  return ps.filter((_, i) => removed[i] === 0);
}

/**
 * A binary min-heap of position indexes ordered by `key[index]`, whose keys may change. Each slot
 * keeps a copy of its key, so comparisons read the heap's own arrays rather than jump around `key`.
 */
class MinHeap {
  private readonly items: Int32Array;
  private readonly keys: Float64Array;
  /** Where each index sits in `items`. */
  private readonly at: Int32Array;
  private size = 0;

  constructor(
    capacity: number,
    private readonly key: Float64Array,
  ) {
    this.items = new Int32Array(capacity);
    this.keys = new Float64Array(capacity);
    this.at = new Int32Array(capacity).fill(-1);
  }

  push(index: number): void {
    this.place(index, this.key[index]!, this.size++);
    this.up(this.size - 1);
  }

  pop(): number {
    const top = this.items[0]!;
    this.at[top] = -1;
    const last = --this.size;
    if (last > 0) {
      this.place(this.items[last]!, this.keys[last]!, 0);
      this.down(0);
    }
    return top;
  }

  /** Restore the order after `key[index]` changed. */
  update(index: number): void {
    const slot = this.at[index]!;
    if (slot < 0) return;
    this.keys[slot] = this.key[index]!;
    this.up(slot);
    this.down(this.at[index]!);
  }

  private place(index: number, key: number, slot: number): void {
    this.items[slot] = index;
    this.keys[slot] = key;
    this.at[index] = slot;
  }

  /** Smaller key first; equal keys in position order, so the result does not depend on the heap. */
  private less(s: number, t: number): boolean {
    const a = this.keys[s]!;
    const b = this.keys[t]!;
    return a < b || (a === b && this.items[s]! < this.items[t]!);
  }

  private up(slot: number): void {
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (!this.less(slot, parent)) return;
      this.swap(slot, parent);
      slot = parent;
    }
  }

  private down(slot: number): void {
    for (;;) {
      const l = 2 * slot + 1;
      const r = l + 1;
      let min = slot;
      if (l < this.size && this.less(l, min)) min = l;
      if (r < this.size && this.less(r, min)) min = r;
      if (min === slot) return;
      this.swap(slot, min);
      slot = min;
    }
  }

  private swap(s: number, t: number): void {
    const index = this.items[s]!;
    const key = this.keys[s]!;
    this.place(this.items[t]!, this.keys[t]!, s);
    this.place(index, key, t);
  }
}
