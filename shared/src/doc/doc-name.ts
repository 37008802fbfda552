import type { DocKind } from '../schema/index.ts';

export const COMMAND_SCOPE = 'command';
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface DocName {
  operationId: string;
  /** `command` or a station id. */
  scope: string;
  kind: DocKind;
}

/** A parsed document name with the name itself (what a room knows of its document). */
export interface NamedDoc extends DocName {
  name: string;
}

/** The kind of a scope's document: the command document's, or a station's. */
export function scopeKind(scope: string): DocKind {
  return scope === COMMAND_SCOPE ? 'command' : 'station';
}

/** `<operationId>/<scope>`, the room name used on the wire and in storage. */
export function docName(operationId: string, scope: string): string {
  return `${operationId}/${scope}`;
}

/** Parse a document name; null when it is not of the `<operationId>/<scope>` form. */
export function parseDocName(name: string): DocName | null {
  const parts = name.split('/');
  if (parts.length !== 2) return null;
  const [operationId, scope] = parts as [string, string];
  if (!ID.test(operationId) || !ID.test(scope)) return null;
  return { operationId, scope, kind: scopeKind(scope) };
}

/** Names of every document of an operation: the command document first, then each station's. */
export function operationDocNames(operationId: string, stationIds: readonly string[]): string[] {
  return [docName(operationId, COMMAND_SCOPE), ...stationIds.map((s) => docName(operationId, s))];
}
