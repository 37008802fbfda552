import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import type * as Y from 'yjs';
import {
  applyChange,
  COMMAND_SCOPE,
  scopeKind,
  COMMAND_STATION_ID,
  deriveTaskStatus,
  parseDocName,
  type Change,
  type ChangeOrigin,
  type DocKind,
  type Task,
  type TaskResponse,
  type TaskStatus,
  type Unit,
} from '@jointmap/shared';
import { DEMO_OP, type LoginResult, type Teardown } from './server.ts';
import { connectClient, eventually, waitSynced, type SyncClient } from './sync-client.ts';

/** What a console needs of a server: where it is and how to log in. */
export interface ConsoleServer {
  url: string;
  wsUrl: string;
  login(username: string): Promise<LoginResult>;
}

/** A refusal the server sent for one document (`permission denied` with a coded JSON reason). */
export interface Rejection {
  scope: string;
  code: string;
  message: string;
}

/** Everything a console holds: scope → map name → key → record (empty maps left out). */
export type ConsoleState = Record<string, Record<string, Record<string, unknown>>>;

/** A random task id as the contract asks: `t-` + 10 url-safe characters. */
export function newTaskId(): string {
  return `t-${randomBytes(8).toString('base64url').slice(0, 10)}`;
}

/**
 * One user's console on an operation, the way the browser opens it: one Y.Doc per document of
 * the operation (names from `GET /api/operations/:id`), each synced by a stock y-websocket
 * `WebsocketProvider`, writes through `applyChange` tagged with a session origin.
 */
export class OperationConsole {
  readonly origin: ChangeOrigin & { source: 'session' };

  private constructor(
    readonly username: string,
    readonly user: LoginResult['user'],
    readonly token: string,
    private readonly clients: ReadonlyMap<string, SyncClient>,
  ) {
    this.origin = { source: 'session', sessionId: randomUUID(), userId: user.id };
  }

  /** Log in as `username` and open every document of the operation; resolves when all synced. */
  static async open(
    t: Teardown | null,
    server: ConsoleServer,
    username: string,
    operationId = DEMO_OP,
  ): Promise<OperationConsole> {
    const { token, user } = await server.login(username);
    const res = await fetch(`${server.url}/api/operations/${operationId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new Error(`GET operation ${operationId} as ${username}: ${res.status}`);
    const { documents } = (await res.json()) as { documents: string[] };
    const clients = new Map<string, SyncClient>();
    await Promise.all(
      documents.map(async (name) => {
        const scope = parseDocName(name)!.scope;
        clients.set(scope, await connectClient(t, server.wsUrl, name, token));
      }),
    );
    return new OperationConsole(username, user, token, clients);
  }

  /** `command` first, then the stations, as the operation lists them. */
  get scopes(): string[] {
    return [...this.clients.keys()].sort((a, b) =>
      a === COMMAND_SCOPE ? -1 : b === COMMAND_SCOPE ? 1 : a.localeCompare(b),
    );
  }

  client(scope: string): SyncClient {
    const c = this.clients.get(scope);
    if (!c) throw new Error(`${this.username} has no document ${scope}`);
    return c;
  }

  doc(scope: string): Y.Doc {
    return this.client(scope).doc;
  }

  /** Write through `applyChange` (validated locally, one transaction, session origin). */
  write(scope: string, change: Change): void {
    const kind: DocKind = scopeKind(scope);
    applyChange(this.doc(scope), kind, change, this.origin, kind === 'station' ? scope : undefined);
  }

  /**
   * Put a record straight into the Y.Doc, skipping the local checks of `applyChange`: what a
   * modified or buggy client could send. Only the server stands in the way.
   */
  writeRaw(scope: string, map: string, key: string, value: unknown): void {
    const doc = this.doc(scope);
    doc.transact(() => doc.getMap(map).set(key, value), this.origin);
  }

  /** The task record as this console sees it (`command` tasks live in the command document). */
  task(stationId: string, taskId: string): Task | undefined {
    const scope = stationId === COMMAND_STATION_ID ? COMMAND_SCOPE : stationId;
    return this.clients.get(scope)?.doc.getMap<Task>('tasks').get(taskId);
  }

  /** Every response of every station document this console holds. */
  responses(): TaskResponse[] {
    return this.scopes
      .filter((s) => s !== COMMAND_SCOPE)
      .flatMap((s) => [...this.doc(s).getMap<TaskResponse>('responses').values()]);
  }

  /** A unit record as this console sees it, from whichever station document holds it. */
  unit(unitId: string): Unit | undefined {
    for (const s of this.scopes) {
      if (s === COMMAND_SCOPE) continue;
      const u = this.doc(s).getMap<Unit>('units').get(unitId);
      if (u) return u;
    }
    return undefined;
  }

  /** `deriveTaskStatus` over the task record and every response this console sees. */
  status(stationId: string, taskId: string): TaskStatus | undefined {
    const task = this.task(stationId, taskId);
    return task && deriveTaskStatus(task, this.responses());
  }

  /** Whole content of every document (non-empty top-level maps), for convergence checks. */
  state(): ConsoleState {
    const out: ConsoleState = {};
    for (const scope of this.scopes) {
      const doc = this.doc(scope);
      const maps: Record<string, Record<string, unknown>> = {};
      for (const name of [...doc.share.keys()].sort()) {
        const json = doc.getMap(name).toJSON();
        if (Object.keys(json).length) maps[name] = json;
      }
      out[scope] = maps;
    }
    return out;
  }

  /** Refusals received so far, per document. */
  rejections(scope?: string): Rejection[] {
    return (scope === undefined ? this.scopes : [scope]).flatMap((s) =>
      this.client(s).rejections.map((r) => {
        const { code, message } = JSON.parse(r) as { code: string; message: string };
        return { scope: s, code, message };
      }),
    );
  }

  /** Drop every connection (the station's link goes down); the Y.Docs stay and keep editing. */
  disconnect(): void {
    for (const c of this.clients.values()) c.provider.disconnect();
  }

  /** Connect again (optionally to another server address) and wait until every document synced. */
  async connect(wsUrl?: string): Promise<void> {
    for (const c of this.clients.values()) {
      if (wsUrl !== undefined) {
        c.provider.disconnect();
        c.provider.serverUrl = `${wsUrl}/sync`;
      }
      c.provider.connect();
    }
    await Promise.all([...this.clients.values()].map((c) => waitSynced(c.provider)));
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
  }
}

/** Open consoles for several users at once, in the given order. */
export function openConsoles(
  t: Teardown | null,
  server: ConsoleServer,
  usernames: readonly string[],
  operationId = DEMO_OP,
): Promise<OperationConsole[]> {
  return Promise.all(usernames.map((u) => OperationConsole.open(t, server, u, operationId)));
}

/**
 * Wait until `predicate` holds on every console and every console holds the same content in
 * every document (whole values), then return that common state.
 */
export async function converged(
  consoles: readonly OperationConsole[],
  predicate: (c: OperationConsole) => boolean = () => true,
  what = 'convergence',
  timeoutMs = 10_000,
): Promise<ConsoleState> {
  let states: ConsoleState[] = [];
  await eventually(
    () => {
      if (!consoles.every(predicate)) return false;
      states = consoles.map((c) => c.state());
      return states.every((s) => isDeepStrictEqual(s, states[0]));
    },
    timeoutMs,
    what,
  );
  return states[0]!;
}

/**
 * Wait until every console sees `expected` through `view` and all documents agree, then assert it
 * on each console by name (a readable diff when one lags or differs) and assert convergence.
 */
export async function expectOnEvery<T>(
  consoles: readonly OperationConsole[],
  view: (c: OperationConsole) => T,
  expected: T,
  what: string,
): Promise<void> {
  // A timeout is reported by the assertions below, with the difference that caused it.
  await converged(consoles, (c) => isDeepStrictEqual(view(c), expected), what).catch(() => undefined);
  for (const c of consoles)
    expect({ console: c.username, [what]: view(c) }).toEqual({ console: c.username, [what]: expected });
  const states = consoles.map((c) => c.state());
  for (const [i, s] of states.entries())
    expect({ console: consoles[i]!.username, state: s }).toEqual({ console: consoles[i]!.username, state: states[0] });
}
