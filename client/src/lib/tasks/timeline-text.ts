import { assertNever, unitKey, type TimelineEvent, type Unit } from '@jointmap/shared';

/** What rendering a timeline needs from the page: messages and the names of things. */
export interface TimelineContext {
  t: (key: string, params?: Record<string, string | number>) => string;
  /** Short station name (`command` included). */
  station: (id: string) => string;
  /**
   * A unit's callsign (from the roster; the id when unknown). Two stations may both have a unit of
   * one id: `stationId` is the station whose unit it is, null when the event does not say.
   */
  unit: (id: string, stationId: string | null) => string;
  /** List separator of the language ("、" / ", "). */
  separator: string;
}

/**
 * {@link TimelineContext.unit} from the roster: the callsign of the station's unit of that id,
 * else (no station known, or not in the roster) of the first unit of that id, else the id.
 */
export function unitCallsigns(units: readonly Pick<Unit, 'id' | 'stationId' | 'callsign'>[]): TimelineContext['unit'] {
  const byKey = new Map(units.map((u) => [unitKey(u.stationId, u.id), u.callsign]));
  const byId = new Map<string, string>();
  for (const u of units) if (!byId.has(u.id)) byId.set(u.id, u.callsign);
  return (id, stationId) => (stationId !== null ? byKey.get(unitKey(stationId, id)) : undefined) ?? byId.get(id) ?? id;
}

/** One rendered timeline line: “时间 · 谁 · 做了什么”. */
export interface TimelineLine {
  key: string;
  time: number;
  who: string;
  what: string;
}

/** Timeline events as lines, in the order given (the server sends them oldest first). */
export function timelineLines(events: readonly TimelineEvent[], ctx: TimelineContext): TimelineLine[] {
  return events.map((e, i) => ({
    key: `${e.scope}/${e.seq}/${i}`,
    time: e.time,
    who: e.userName ?? (e.userId === null ? ctx.t('tasks.timeline.system') : e.userId),
    what: describeEvent(e, ctx),
  }));
}

/** The “做了什么” part of one event, in the page's language. */
export function describeEvent(e: TimelineEvent, ctx: TimelineContext): string {
  const { t } = ctx;
  const list = (items: readonly string[]) => (items.length ? items.join(ctx.separator) : t('tasks.panel.none'));
  const stations = (ids: readonly string[]) => list(ids.map(ctx.station));
  const fields = (names: readonly string[]) => list(names.map((f) => t(`tasks.field.${f}`)));
  const k = (suffix: string) => `tasks.timeline.${suffix}`;
  switch (e.type) {
    case 'task_raised':
      return t(k(e.type), { title: e.detail.title, targets: stations(e.detail.targetStations) });
    case 'task_edited':
      return t(k(e.type), { fields: fields(e.detail.fields) });
    case 'task_targets_changed':
      return t(k(e.type), { targets: stations(e.detail.targetStations) });
    case 'task_closed':
    case 'task_cancelled':
    case 'task_reopened':
    case 'task_deleted':
    case 'search_found':
    case 'search_closed':
    case 'search_reopened':
      return t(k(e.type));
    case 'response': {
      const d = e.detail;
      const station = ctx.station(d.stationId);
      const units = list(d.unitIds.map((id) => ctx.unit(id, d.stationId)));
      if (!d.changed.includes('status') && d.previousStatus !== null) {
        if (d.changed.includes('units') && !d.changed.includes('note'))
          return t(k('responseUnitsOnly'), { station, units });
        if (d.changed.includes('note') && !d.changed.includes('units'))
          return t(k('responseNoteOnly'), { station, note: d.note });
      }
      let text = t(k('response'), { station, answer: t(`tasks.answered.${d.status}`) });
      if (d.unitIds.length) text += t(k('responseUnits'), { units });
      if (d.note) text += t(k('responseNote'), { note: d.note });
      return text;
    }
    case 'response_withdrawn':
      return t(k(e.type), { station: ctx.station(e.detail.stationId) });
    case 'unit_dispatched':
      return t(k(e.detail.fromTaskId === null ? e.type : 'unit_moved_here'), { unit: e.detail.callsign });
    case 'unit_reassigned_away':
      return t(k(e.type), { unit: e.detail.callsign });
    case 'unit_released':
      return t(k(e.detail.status === null ? 'unit_removed' : e.type), { unit: e.detail.callsign });
    case 'unit_status':
      return t(k(e.type), {
        unit: e.detail.callsign,
        from: t(`unit.status.${e.detail.previousStatus}`),
        to: t(`unit.status.${e.detail.status}`),
      });
    case 'search_created':
      return t(k(e.type), { name: e.detail.name });
    case 'search_edited':
      return t(k(e.type), { fields: fields(e.detail.fields) });
    case 'sectors_created':
      return t(k(e.type), { count: e.detail.sectors.length });
    case 'sector_assigned': {
      const { stationId } = e.detail;
      const to = [
        ...(stationId ? [ctx.station(stationId)] : []),
        ...e.detail.unitIds.map((id) => ctx.unit(id, stationId)),
      ];
      // Neither a station nor a unit: the sector was taken back, not given to "nobody".
      if (to.length === 0) return t(k('sector_unassigned'), { name: e.detail.name });
      return t(k(e.type), { name: e.detail.name, to: list(to) });
    }
    case 'sector_status':
      return t(k(e.type), { name: e.detail.name, status: t(`tasks.sector.${e.detail.status}`) });
    case 'sectors_removed':
      return t(k(e.type), { count: e.detail.sectors.length });
    default:
      return assertNever(e);
  }
}
