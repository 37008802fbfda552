import type * as Y from 'yjs';
import {
  CoverageTracker,
  lngLat,
  unitKey,
  type Search,
  type Sector,
  type SectorCoverage,
  type UnitKey,
} from '@jointmap/shared';
import {
  coverageDef,
  searchInterest,
  searchSignature,
  sectorsOfSearch,
  sectorStart,
} from '../search/search-sectors.ts';
import type { TaskEndHistory } from '../search/task-end-history.ts';
import { MERGE_PAGE, mergedFixes, unitPages } from '../search/track-history.ts';
import type { Operation, Storage } from '../storage/types.ts';
import type { ReplayTaskEnds } from './replay-task-ends.ts';
import type { ReplayUnitTasks, RosterMark, RosterRule } from './replay-unit-tasks.ts';
import { TrackDigest } from './track-digest.ts';

/** Searches whose coverage is carried from one request to the next (a tracker each: a raster per sector). */
const KEEP = 8;

type OnTask = RosterRule['onTask'];
type TaskEnded = (taskId: string, time: number) => boolean;
const anyTask: OnTask = () => true;
const neverEnded: TaskEnded = () => false;
const EMPTY = new TrackDigest().value();

/** A search's coverage as far as its fixes were fed, kept to go on from at a later moment. */
interface Carried {
  /** What the sectors' rules depend on: another one is another tracker. */
  signature: string;
  from: number;
  /** Fixes with `from <= time <= to` were fed, in `compareFixes` order. */
  to: number;
  tracker: CoverageTracker;
  /** Per unit (`unitKey`): the fixes fed, to tell whether the store still holds exactly them. */
  digests: Map<string, TrackDigest>;
  /** Server time of the last fix fed (the answer's `updatedAt`). */
  last: number | null;
  /** The sectors' rules ask through it, so a carried tracker goes on with the rules of the day. */
  rule: { onTask: OnTask; taskEnded: TaskEnded };
  /** Where the roster histories stood at `to` (null: no sector names a unit, the rule is unused). */
  marks: ReadonlyMap<string, RosterMark> | null;
}

/**
 * Search-sector coverage at a replayed moment, by the live coverage's rules (search-sectors.ts):
 * each sector's accepted units' stored tracks from the sector's start up to the moment, or up to
 * the search's end when it had ended by then (an ended search keeps its last fractions), each
 * unit named by a sector only while it was on the search's task (`ReplayUnitTasks`), and no fix
 * while the search's task had ended (`ReplayTaskEnds`: its ends and reopenings as stored).
 *
 * The fixes are read a page per unit at a time, merged and fed to a `CoverageTracker` (the live
 * service's; the same fractions as a recomputation from all fixes), with a turn of the event loop
 * between pages: never every fix of the search at once. The tracker of each search is kept (a few
 * searches, most recently used), and a later moment goes on from it, feeding only the fixes after
 * the last moment, when nothing it was built from has changed since:
 * - the search and its sectors (their polygons, sweep widths, assignments, starts and its status),
 *   and the spells its task had ended (a task closed or reopened since builds it again);
 * - the fixes up to the last moment: each unit's are read again and must digest the same
 *   (`TrackDigest`; a fix sent late by a tracker that was offline, fixes thinned, purged or
 *   restored all change it). This read is the price of never showing a stale coverage: the track
 *   store cannot say which fixes it received since;
 * - the task history of the units named by sectors, up to the last moment (`RosterRule.changedFrom`);
 * - the operation's restore (part of the key).
 * Otherwise, or for an earlier moment, it starts again from the sector's start.
 */
export class ReplayCoverage {
  private readonly kept = new Map<string, Carried>();
  /** Trackers built from the start, and carried on from a kept one (tests, metrics). */
  readonly stats = { built: 0, carried: 0 };

  constructor(
    private readonly storage: Pick<Storage, 'track' | 'trackUnitsOfStation'>,
    private readonly unitTasks: Pick<ReplayUnitTasks, 'rule'>,
    private readonly taskEnds: Pick<ReplayTaskEnds, 'of'>,
  ) {}

  /** Every sector's coverage at `at`; `command` is the command document at the moment. */
  async at(
    op: Pick<Operation, 'id' | 'stations' | 'status' | 'restoredAt'>,
    command: Y.Doc,
    at: number,
  ): Promise<SectorCoverage[]> {
    const allSectors = [...command.getMap<Sector>('sectors').values()];
    const out: SectorCoverage[] = [];
    let ends: TaskEndHistory | null = null;
    for (const search of command.getMap<Search>('searches').values()) {
      const sectors = sectorsOfSearch(search, allSectors);
      if (!sectors.length) continue;
      ends ??= await this.taskEnds.of(op);
      const { fractions, last } = await this.search(op, search, sectors, at, ends);
      for (const s of sectors) out.push({ sectorId: s.id, fraction: fractions.get(s.id) ?? 0, updatedAt: last });
    }
    return out;
  }

  private async search(
    op: Pick<Operation, 'id' | 'stations' | 'status' | 'restoredAt'>,
    search: Search,
    sectors: readonly Sector[],
    at: number,
    ends: TaskEndHistory,
  ): Promise<{ fractions: Map<string, number>; last: number | null }> {
    const to = search.status === 'active' ? at : Math.min(at, search.updatedAt);
    const from = Math.min(...sectors.map((s) => sectorStart(s, search)));
    if (from > to) return { fractions: new Map(), last: null };
    const interest = searchInterest(sectors);
    const units: UnitKey[] = [];
    for (const stationId of op.stations)
      for (const unitId of await this.storage.trackUnitsOfStation(stationId))
        if (interest.unitIds.has(unitId) || interest.stationIds.has(stationId)) units.push({ stationId, unitId });
    // Only sectors that name units ask whose task a unit was on: the roster history is read then.
    const rule =
      interest.unitIds.size > 0 ? await this.unitTasks.rule(op.id, op.stations, op.status === 'active') : null;
    const signature = JSON.stringify([
      ...[searchSignature(search, sectors), search.taskId, from, rule !== null],
      ends.signature(search.taskId),
    ]);
    const key = JSON.stringify([op.id, op.restoredAt ?? null, search.id]);
    const kept = this.kept.get(key);
    // Taken out while it is checked and fed: a request at the same time builds its own.
    this.kept.delete(key);
    let c: Carried;
    if (kept && kept.signature === signature && kept.to <= to && (await this.unchanged(kept, units, rule))) {
      c = kept;
      this.stats.carried++;
    } else {
      c = this.fresh(search, sectors, signature, from);
      this.stats.built++;
    }
    c.rule.onTask = rule?.onTask ?? anyTask;
    c.rule.taskEnded = (taskId, time) => ends.ended(taskId, time);
    if (c.to < to) await this.feed(c, units, to);
    c.marks = rule?.marks ?? null;
    this.kept.set(key, c);
    for (const oldest of [...this.kept.keys()].slice(0, -KEEP)) this.kept.delete(oldest);
    return { fractions: c.tracker.fractions(), last: c.last };
  }

  private fresh(search: Search, sectors: readonly Sector[], signature: string, from: number): Carried {
    const rule = { onTask: anyTask, taskEnded: neverEnded };
    const defs = sectors.map((s) =>
      coverageDef(
        s,
        search,
        (u, taskId, time) => rule.onTask(u, taskId, time),
        (taskId, time) => rule.taskEnded(taskId, time),
      ),
    );
    return {
      signature,
      from,
      to: from - 1,
      tracker: new CoverageTracker(defs),
      digests: new Map(),
      last: null,
      rule,
      marks: null,
    };
  }

  /** Whether everything the kept tracker was built from is as it was (see the class). */
  private async unchanged(kept: Carried, units: readonly UnitKey[], rule: RosterRule | null): Promise<boolean> {
    if (rule && !(kept.marks && rule.changedFrom(kept.marks) > kept.to)) return false;
    const listed = new Set(units.map((u) => unitKey(u.stationId, u.unitId)));
    for (const k of kept.digests.keys()) if (!listed.has(k)) return false;
    for (const u of units) {
      const digest = new TrackDigest();
      for await (const page of unitPages(this.storage, u, kept.from, kept.to, MERGE_PAGE))
        for (const f of page) digest.add(f);
      if (digest.value() !== (kept.digests.get(unitKey(u.stationId, u.unitId))?.value() ?? EMPTY)) return false;
    }
    return true;
  }

  /** Feed the fixes after `c.to` up to `to`, a page per unit at a time. */
  private async feed(c: Carried, units: readonly UnitKey[], to: number): Promise<void> {
    for (const u of units) {
      const k = unitKey(u.stationId, u.unitId);
      if (!c.digests.has(k)) c.digests.set(k, new TrackDigest());
    }
    for await (const batch of mergedFixes(this.storage, units, c.to + 1, to))
      for (const f of batch) {
        c.tracker.addFix(f, lngLat(f.lng, f.lat), f.time, f.deviceId);
        c.digests.get(unitKey(f.stationId, f.unitId))!.add(f);
        c.last = f.receivedAt;
      }
    c.to = to;
  }
}
