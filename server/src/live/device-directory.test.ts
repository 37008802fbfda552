import { describe, expect, it } from 'vitest';
import type { Device, DeviceStore } from '../storage/types.ts';
import { DeviceDirectory } from './device-directory.ts';

const device = (id: string, unitId: string | null): Device => ({
  id,
  stationId: 'deqing-yuyue',
  unitId,
  label: id,
  createdAt: 1,
});

/** A store whose `listDevices` answers when `release` is called (to set entries meanwhile). */
function storeOf(devices: Device[]) {
  let release = () => undefined as void;
  const store = {
    listDevices: () =>
      new Promise<Device[]>((resolve) => {
        release = () => resolve(devices.map((d) => ({ ...d })));
      }),
    getDevice: async (id: string) => devices.find((d) => d.id === id) ?? null,
  } as unknown as DeviceStore;
  return { store, devices, release: () => release() };
}

describe('device directory', () => {
  it('a reload takes storage’s registrations over those held, and keeps what was set while it read', async () => {
    const s = storeOf([device('t1', 'car-01'), device('t2', 'foot-02')]);
    const dir = new DeviceDirectory(s.store);
    const first = dir.preload();
    s.release();
    await first;
    // On another instance, whose messages were lost: t1 moved to another unit, t2 released.
    s.devices.splice(0, 2, device('t1', 'foot-02'), device('t2', null));
    const reload = dir.reload();
    // Relayed while the reload reads: newer than what it reads.
    dir.set(device('t3', 'boat-01'));
    dir.set(device('t2', 'car-09'));
    s.release();
    await reload;
    expect(dir.cached('t1')?.unitId).toBe('foot-02');
    expect(dir.cached('t2')?.unitId).toBe('car-09');
    expect(dir.cached('t3')?.unitId).toBe('boat-01');
  });

  it('a preload keeps what is held', async () => {
    const s = storeOf([device('t1', 'car-01')]);
    const dir = new DeviceDirectory(s.store);
    dir.set(device('t1', 'car-02'));
    const load = dir.preload();
    s.release();
    await load;
    expect(dir.cached('t1')?.unitId).toBe('car-02');
  });
});
