import { COMMAND_SCOPE } from '../doc/doc-name.ts';
import { assertNever } from '../errors.ts';

export const Role = { commander: 'commander', dispatcher: 'dispatcher', viewer: 'viewer', device: 'device' } as const;
export type Role = keyof typeof Role;

export interface Principal {
  id: string;
  role: Role;
  /** The station a dispatcher belongs to; a viewer may be bound to one too; null otherwise. */
  stationId: string | null;
}

export type Access = 'none' | 'read' | 'write';

/** Whether a user takes part in an operation at all (sees it in lists, may open its documents). */
export function canSeeOperation(user: Principal, operationStations: readonly string[]): boolean {
  switch (user.role) {
    case 'commander':
      return true;
    case 'dispatcher':
      return user.stationId !== null && operationStations.includes(user.stationId);
    case 'viewer':
      return user.stationId === null || operationStations.includes(user.stationId);
    case 'device':
      return false;
    default:
      return assertNever(user.role);
  }
}

/**
 * Access of a user to one document (`scope` is `command` or a station id) of an operation whose
 * participating stations are `operationStations`. Write permission is per document: Yjs updates
 * cannot be filtered by content, so a document is one write scope. A closed operation is read-only.
 */
export function docAccess(
  user: Principal,
  operationStations: readonly string[],
  scope: string,
  operationStatus: 'active' | 'closed' = 'active',
): Access {
  const known = scope === COMMAND_SCOPE || operationStations.includes(scope);
  if (!known || !canSeeOperation(user, operationStations)) return 'none';
  // A closed operation (and one restored from an archive) is a record: everyone reads, nobody writes.
  if (operationStatus === 'closed') return 'read';
  switch (user.role) {
    case 'commander':
      return 'write';
    case 'dispatcher':
      return scope === user.stationId ? 'write' : 'read';
    case 'viewer':
      return 'read';
    case 'device':
      return 'none';
    default:
      return assertNever(user.role);
  }
}

/** Only commanders create operations. */
export function canCreateOperation(user: Principal): boolean {
  return user.role === 'commander';
}
