import type { FastifyBaseLogger } from 'fastify';
import type { SessionService } from '../auth/sessions.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import type { OperationReplays } from '../report/operation-replay.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import type { Storage } from '../storage/types.ts';

/** What routes and services share; built once per app by `buildApp`, never global. */
export interface AppContext {
  config: Config;
  storage: Storage;
  rooms: RoomManager;
  tokens: TokenService;
  /** Login sessions: open, check, renew, end; closes live connections of ended sessions. */
  sessions: SessionService;
  metrics: Metrics;
  log: FastifyBaseLogger;
  /** The walks of operations' update logs the after-action report and its map share (on `storage`). */
  replays: OperationReplays;
  /**
   * A document was written outside any room (an operation's first state): what follows documents
   * (the alert engine, search coverage, the TAK picture) hears of it, here and on the other
   * instances, as of a commit that changed `roots`.
   */
  documentWritten?(name: string, roots: ReadonlySet<string>): void;
}
