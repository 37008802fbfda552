/// <reference lib="webworker" />
import { StateDiffer } from './state-diff.ts';
import type { ReplayState } from '@jointmap/shared';
import type { MomentRequest, MomentReply } from './moment-loader.ts';

/**
 * A replayed moment fetched and parsed off the page's main thread: the state (every record of
 * every document, 181 KiB for a 50,000-update operation), positions, alerts and coverage. Only the
 * records that changed since the last moment go back to the page.
 */
const differ = new StateDiffer();

async function get<T>(path: string, token: string | null): Promise<T> {
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`${res.status}`);
  return (await res.json()) as T;
}

self.onmessage = async (event: MessageEvent<MomentRequest>) => {
  const { id, paths, token } = event.data;
  let reply: MomentReply;
  try {
    const [state, positions, alerts, coverage] = await Promise.all([
      get<ReplayState>(paths.state, token),
      get(paths.positions, token),
      get(paths.alerts, token),
      paths.coverage ? get(paths.coverage, token) : null,
    ]);
    reply = { id, ok: true, changes: differ.diff(state), positions, alerts, coverage } as MomentReply;
  } catch (err) {
    reply = { id, ok: false, error: String(err) };
  }
  self.postMessage(reply);
};
