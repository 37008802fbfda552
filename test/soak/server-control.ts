/**
 * The soak's server: a real child process on a fixed port (so clients reconnect to the same
 * address after a restart, as they would to a real host), SIGKILLed and restarted on the same data
 * dir. Exits it did not cause are recorded as crashes.
 */
import { createServer } from 'node:net';
import { spawnServer, type ServerProcess } from '../helpers/server.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Restart {
  /** Seconds since the load started. */
  atS: number;
  /** SIGKILL → listening again (ms). */
  downMs: number;
  /** Spawn → "running" line (ms). */
  startMs: number;
}

export class SoakServer {
  private proc: ServerProcess | null = null;
  /** Output of earlier process lives. */
  private readonly pastOutput: string[] = [];
  private expectingExit = false;
  life = -1;
  up = false;
  readonly crashes: string[] = [];
  readonly url: string;
  readonly wsUrl: string;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
  }

  static async start(dataDir: string, env: Record<string, string>): Promise<SoakServer> {
    const server = new SoakServer(dataDir, await freePort(), env);
    await server.spawn();
    return server;
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  output(): string {
    return this.proc?.output() ?? '';
  }

  /** Spawn on the same port and data dir; returns how long the start took (ms). */
  private async spawn(): Promise<number> {
    const t = Date.now();
    // The port can stay busy for a moment after a kill; retry a few times.
    for (let attempt = 0; ; attempt++) {
      try {
        if (this.proc) this.pastOutput.push(this.proc.output());
        this.proc = null;
        this.proc = await spawnServer(this.dataDir, { ...this.env, PORT: String(this.port) });
        break;
      } catch (err) {
        if (attempt >= 5 || !/EADDRINUSE/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    const proc = this.proc;
    this.life++;
    this.up = true;
    this.expectingExit = false;
    proc.child.once('exit', (code, signal) => {
      if (this.proc !== proc) return;
      this.up = false;
      if (!this.expectingExit) {
        this.crashes.push(`server exited by itself (code ${code}, signal ${signal}):\n${tail(proc.output())}`);
      }
    });
    return Date.now() - t;
  }

  /** Log lines at error level or above, and non-JSON lines that mention an error, of every life. */
  errorLines(): string[] {
    return [...this.pastOutput, this.output()]
      .flatMap((o) => o.split('\n'))
      .filter((line) => {
        if (!line.startsWith('{')) return /error/i.test(line);
        try {
          return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
        } catch {
          return false;
        }
      });
  }

  /** SIGKILL now; resolves once the process is gone. */
  async kill(): Promise<void> {
    this.expectingExit = true;
    this.up = false;
    await this.proc?.kill('SIGKILL');
  }

  async restart(): Promise<number> {
    return this.spawn();
  }

  /** Graceful stop (SIGTERM), as an operator would. */
  async stop(): Promise<void> {
    this.expectingExit = true;
    this.up = false;
    await this.proc?.kill('SIGTERM');
  }
}

export function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}
