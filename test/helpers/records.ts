/** Valid records for documents, built fresh per call (tests never share mutable fixtures). */
export function pointAnnotation(id: string, label: string, lng = 120.2954, lat = 30.5222, author = 'u-test') {
  return {
    id,
    kind: 'point',
    geometry: { type: 'Point', coordinates: [lng, lat] },
    label,
    color: '#2563eb',
    author,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
  };
}

export function polygonAnnotation(id: string, label: string, x = 120.28, y = 30.51, size = 0.01) {
  return {
    id,
    kind: 'polygon',
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [x, y],
          [x + size, y],
          [x + size, y + size],
          [x, y + size],
          [x, y],
        ],
      ],
    },
    label,
    color: '#dc2626',
    author: 'u-test',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
  };
}
