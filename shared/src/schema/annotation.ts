import { Type, type Static } from '@sinclair/typebox';
import {
  Color,
  Id,
  Label,
  LineStringGeometry,
  PointGeometry,
  PolygonGeometry,
  Timestamp,
  UserId,
  ringsClosed,
} from './common.ts';
import { defineRecordKind, keyIsId } from './record-kind.ts';

export const AnnotationKind = {
  point: 'point',
  line: 'line',
  polygon: 'polygon',
  circle: 'circle',
  text: 'text',
} as const;
export type AnnotationKind = keyof typeof AnnotationKind;

export const AnnotationSchema = Type.Object(
  {
    id: Id,
    kind: Type.Union(Object.keys(AnnotationKind).map((k) => Type.Literal(k))),
    geometry: Type.Union([PointGeometry, LineStringGeometry, PolygonGeometry]),
    /** Circle radius in metres (circle only). */
    radiusM: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 200_000 })),
    label: Label(200),
    color: Color,
    symbol: Type.Optional(Type.String({ maxLength: 40 })),
    author: UserId,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Annotation = Static<typeof AnnotationSchema> & { kind: AnnotationKind };

const geometryFor: Record<AnnotationKind, string> = {
  point: 'Point',
  text: 'Point',
  circle: 'Point',
  line: 'LineString',
  polygon: 'Polygon',
};

export const annotationKind = defineRecordKind({
  map: 'annotations',
  version: 1,
  schema: AnnotationSchema,
  semantic(a, key) {
    const kind = a.kind as AnnotationKind;
    if (a.geometry.type !== geometryFor[kind]) return `${kind} needs a ${geometryFor[kind]} geometry`;
    if (kind === 'circle' && a.radiusM === undefined) return 'circle needs radiusM';
    if (kind !== 'circle' && a.radiusM !== undefined) return 'only a circle has radiusM';
    if (kind === 'text' && a.label.trim() === '') return 'text needs a label';
    if (a.geometry.type === 'Polygon' && !ringsClosed(a.geometry)) return 'polygon ring not closed';
    return keyIsId(a, key);
  },
});
