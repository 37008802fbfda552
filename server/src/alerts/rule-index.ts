import type { Feature, Polygon } from 'geojson';
import { geojsonRbush } from '@turf/turf';
import type { AlertRule } from '@jointmap/shared';
import { PlanarShape, type BBox } from './fence-geometry.ts';
import {
  armingSignature,
  evaluationSignature,
  loggedTimesOf,
  movedHours,
  type LoggedRuleTimes,
  type RuleTimes,
} from './rule-times.ts';

/** A rule's key in the index and in alert ids: its document scope and its id. */
export const ruleKey = (scope: string, id: string): string => `${scope}/${id}`;

/**
 * A rule ready for evaluation: its geometry projected once. `key` is {@link ruleKey}. Its
 * {@link RuleTimes} say since when it applies as it stands (a replay judges no fix received before).
 */
export interface PreparedRule extends RuleTimes {
  key: string;
  scope: string;
  rule: AlertRule;
  /** JSON of the record: an unchanged record is never re-indexed. */
  signature: string;
  /** Zone polygon, corridor line, or the area of a speed / stop rule; null: everywhere. */
  shape: PlanarShape | null;
  feature: Feature<Polygon, { key: string }> | null;
}

/**
 * The rules of one operation (command and station documents), with an R-tree over the bboxes of
 * those that have a geometry (grown by the hysteresis margin, corridors by half their width too),
 * so a fix is tested only against rules near it. Rules without an area (signal loss, speed and
 * stop limits everywhere) sit in a short list. Changes are applied per record: an edited rule is
 * removed from the tree and inserted again, nothing else is touched.
 */
export class RuleIndex {
  private readonly rules = new Map<string, PreparedRule>();
  private readonly tree = geojsonRbush<Polygon, { key: string }>();
  /** Rules checked on every fix of a unit they watch (no area), and signal-loss rules. */
  readonly everywhere = new Map<string, PreparedRule>();
  /**
   * When the operation began (server clock, its `createdAt`): its rules watch nothing before, so a
   * unit's silence is not counted from earlier (see `silenceStart`). -Infinity until it is read.
   */
  operationStart = -Infinity;

  constructor(private readonly marginM: number) {}

  get size(): number {
    return this.rules.size;
  }

  get(key: string): PreparedRule | undefined {
    return this.rules.get(key);
  }

  values(): IterableIterator<PreparedRule> {
    return this.rules.values();
  }

  /**
   * Make the rules of document `scope` equal to `records`. Returns the keys of rules that were
   * removed, disabled or changed in whom they watch (`dropped`: their per-unit state must be
   * dropped), and the enabled rules that kept their arming but whose active hours changed
   * (`rehoured`, with the record as it was: see `carryAcrossHoursChange`).
   *
   * A rule new to the index, or armed or changed in what decides an alert, takes `now` (server
   * clock) as its {@link RuleTimes}. When the operation is loaded, `logged` gives the times read
   * from the update log ({@link ruleTimesFromLog}); a rule absent from it, or different from what
   * the log held, was written after the walk read the log's end, and takes `now` too. `logged` is
   * null when the log could not be read: the record's `updatedAt` then stands in (no later than
   * `now`: a client's clock may run ahead).
   */
  sync(
    scope: string,
    records: ReadonlyMap<string, AlertRule>,
    now = Date.now(),
    logged?: ReadonlyMap<string, LoggedRuleTimes> | null,
  ): { dropped: string[]; changed: number; rehoured: Array<{ key: string; before: AlertRule }> } {
    const dropped: string[] = [];
    const rehoured: Array<{ key: string; before: AlertRule }> = [];
    let changed = 0;
    for (const [key, prepared] of this.rules) {
      if (prepared.scope !== scope || records.has(prepared.rule.id)) continue;
      this.remove(prepared);
      dropped.push(key);
      changed++;
    }
    for (const rule of records.values()) {
      const key = ruleKey(scope, rule.id);
      const old = this.rules.get(key);
      // A Y.Map hands out the same object until the record is replaced: most records are skipped here.
      if (old?.rule === rule) continue;
      const signature = JSON.stringify(rule);
      if (old?.signature === signature) {
        old.rule = rule;
        continue;
      }
      changed++;
      let times: RuleTimes = { armedAt: now, changedAt: now };
      if (old) {
        this.remove(old);
        const armed = armingSignature(old.rule) !== armingSignature(rule);
        const hoursBefore = movedHours(old.rule, rule);
        if (!rule.enabled || armed) dropped.push(key);
        else if (hoursBefore !== undefined) rehoured.push({ key, before: old.rule });
        if (!armed) times = { armedAt: old.armedAt, changedAt: old.changedAt, hoursBefore: old.hoursBefore };
        if (!armed && evaluationSignature(old.rule) !== evaluationSignature(rule))
          times = { ...times, changedAt: now, hoursBefore };
      } else if (logged === null) {
        const at = Math.min(rule.updatedAt, now);
        times = { armedAt: at, changedAt: at };
      } else if (logged) {
        times = loggedTimesOf(logged, rule) ?? times;
      }
      this.add(this.prepare(scope, key, rule, signature, times));
    }
    return { dropped, changed, rehoured };
  }

  /** Rules whose (grown) bbox contains the point. */
  near(lng: number, lat: number): PreparedRule[] {
    const out: PreparedRule[] = [];
    for (const f of this.search(lng, lat)) {
      const r = this.rules.get(f.properties.key);
      if (r) out.push(r);
    }
    return out;
  }

  /**
   * The R-tree query. geojson-rbush wraps every answer in a new FeatureCollection (and parses the
   * query box); on the per-fix path we ask the rbush it holds directly when it is there.
   */
  private search(lng: number, lat: number): Array<Feature<Polygon, { key: string }>> {
    const inner = (this.tree as unknown as { tree?: RawTree }).tree;
    if (inner && typeof inner.search === 'function')
      return inner.search({ minX: lng, minY: lat, maxX: lng, maxY: lat });
    return this.tree.search([lng, lat, lng, lat]).features;
  }

  private prepare(scope: string, key: string, rule: AlertRule, signature: string, times: RuleTimes): PreparedRule {
    let shape: PlanarShape | null = null;
    let grow = this.marginM;
    if (rule.type === 'zone') shape = PlanarShape.polygon(rule.polygon);
    else if (rule.type === 'corridor') {
      shape = PlanarShape.line(rule.line);
      grow += rule.widthM / 2;
    } else if ((rule.type === 'speed' || rule.type === 'stop') && rule.area) shape = PlanarShape.polygon(rule.area);
    const feature = shape ? bboxFeature(shape.grownBBox(grow), key) : null;
    const { armedAt, changedAt, hoursBefore } = times;
    return { key, scope, rule, signature, shape, feature, armedAt, changedAt, hoursBefore };
  }

  private add(p: PreparedRule): void {
    this.rules.set(p.key, p);
    if (p.feature) this.tree.insert(p.feature);
    else this.everywhere.set(p.key, p);
  }

  private remove(p: PreparedRule): void {
    this.rules.delete(p.key);
    if (p.feature) this.tree.remove(p.feature);
    else this.everywhere.delete(p.key);
  }
}

interface RawTree {
  search(box: { minX: number; minY: number; maxX: number; maxY: number }): Array<Feature<Polygon, { key: string }>>;
}

function bboxFeature(b: BBox, key: string): Feature<Polygon, { key: string }> {
  const [w, s, e, n] = b;
  return {
    type: 'Feature',
    bbox: b,
    properties: { key },
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [w, s],
          [e, s],
          [e, n],
          [w, n],
          [w, s],
        ],
      ],
    },
  };
}
