import { applyChange, docName, type Task } from '@jointmap/shared';
import { newTaskId } from '../helpers/op-console.ts';
import { DEMO_OP, type TestServer } from '../helpers/server.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

/** The tri-county junction (WGS-84), where the dispatch scenes put their incidents. */
export const JUNCTION: [number, number] = [120.2954, 30.5222];

/** A point `eastM` metres east and `northM` metres north of `from` (small distances). */
export function offset(from: [number, number], eastM: number, northM: number): [number, number] {
  const lat = from[1] + northM / 111_195;
  const lng = from[0] + eastM / (111_195 * Math.cos((from[1] * Math.PI) / 180));
  return [Number(lng.toFixed(6)), Number(lat.toFixed(6))];
}

/**
 * Raise a task the way another station's client would: log in as `username` and write the task
 * record into that station's document with the stock y-websocket provider. Resolves once the
 * server has it (the provider's update went out and was acknowledged by a second sync).
 */
export async function raiseTask(
  server: TestServer,
  username: string,
  stationId: string,
  fields: Pick<Task, 'title' | 'location' | 'priority' | 'targetStations'> & Partial<Task>,
): Promise<Task> {
  const login = await server.login(username);
  const client = await connectClient(null, server.wsUrl, docName(DEMO_OP, stationId), login.token);
  try {
    const now = Date.now();
    const task: Task = {
      id: newTaskId(),
      stationId,
      description: '',
      area: null,
      state: 'open',
      nonPolice: false,
      createdBy: login.user.id,
      createdAt: now,
      updatedAt: now,
      ...fields,
    };
    applyChange(
      client.doc,
      'station',
      { type: 'put', map: 'tasks', key: task.id, value: task },
      {
        source: 'session',
        sessionId: `raise-${task.id}`,
        userId: login.user.id,
      },
    );
    // A second reader proves the server stored and relays it.
    const reader = await connectClient(null, server.wsUrl, docName(DEMO_OP, stationId), login.token);
    try {
      await eventually(() => reader.doc.getMap('tasks').has(task.id), 10_000, `task ${task.id} on the server`);
    } finally {
      reader.destroy();
    }
    return task;
  } finally {
    client.destroy();
  }
}

/** Send one fix as Traccar Client does (OsmAnd protocol over plain HTTP, no login). */
export async function sendFix(
  url: string,
  deviceId: string,
  [lon, lat]: [number, number],
  time = Date.now(),
): Promise<void> {
  const q = new URLSearchParams({
    id: deviceId,
    lat: String(lat),
    lon: String(lon),
    timestamp: String(Math.round(time / 1000)),
    speed: '0',
  });
  const res = await fetch(`${url}/api/positions/osmand?${q}`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`fix of ${deviceId}: ${res.status} ${await res.text()}`);
}
