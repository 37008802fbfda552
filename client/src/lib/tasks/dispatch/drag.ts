/** The drag data type of a unit chip (its unit id); other drags never land on the board. */
export const UNIT_DRAG_TYPE = 'application/x-jointmap-unit';

/** Whether a drag carries a unit chip (types are readable during dragover, data only on drop). */
export function carriesUnit(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes(UNIT_DRAG_TYPE) ?? false;
}
