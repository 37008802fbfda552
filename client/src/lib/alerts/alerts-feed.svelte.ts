import { createSubscriber } from 'svelte/reactivity';
import { LiveEvent, unitKey, type Alert, type AlertListResponse, type AlertResponse } from '@jointmap/shared';
import type { LivePositions } from '../live/live-positions.svelte.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { session as login } from '../state/session.svelte.ts';
import { AlertStore } from './alert-store.ts';
import { openAlertByUnit } from './alert-filter.ts';
import { loadMuted, playAlertSound, saveMuted } from './alert-sound.ts';

/** The part of the live channel alerts need (LivePositions gives it). */
export type AlertsChannel = Pick<LivePositions, 'listen' | 'operationId'>;

/**
 * The alerts of an open operation: filled from `live:alerts` (everything unresolved on join and
 * reconnect, then each change), acknowledged and resolved through REST. New open alerts ring;
 * the user's mute silences the chime of ordinary alerts but never an SOS (a panic button must be
 * heard even on a desk someone else muted). Map layers listen with {@link onChange}, components
 * read {@link version}.
 */
export class AlertsFeed {
  readonly store: AlertStore;
  /** The user's mute of the alert chime (SOS still sounds), remembered per user on this browser. */
  muted = $state(false);
  /** Set when the console asks to see an alert (map fly-to, list highlight). */
  focused = $state<string | null>(null);
  private readonly off: () => void;
  private readonly subscribe: () => void;
  private readonly listeners = new Set<() => void>();
  private uiTick: (() => void) | null = null;
  private frame = 0;
  private uiVersion = 0;
  private byUnit: { list: readonly Alert[] | null; map: Map<string, Alert> } = { list: null, map: new Map() };

  constructor(
    channel: AlertsChannel,
    private readonly options: { sound: boolean; userId?: string | null },
  ) {
    this.muted = loadMuted(options.userId ?? null);
    this.store = new AlertStore(channel.operationId);
    this.off = channel.listen(LiveEvent.alerts, (msg) => this.receive(msg));
    this.subscribe = createSubscriber((update) => {
      this.uiTick = update;
      return () => (this.uiTick = null);
    });
  }

  /** Changes when any alert changed (at most once a frame): read it in Svelte to re-derive. */
  get version(): number {
    this.subscribe();
    return this.uiVersion;
  }

  /** Every alert held, newest first. */
  get alerts(): readonly Alert[] {
    void this.version;
    return this.store.list();
  }

  /** The unresolved alert to show on each unit's row (`unitKey` → alert). */
  get openByUnit(): ReadonlyMap<string, Alert> {
    const list = this.alerts;
    if (this.byUnit.list !== list)
      this.byUnit = { list, map: openAlertByUnit(list, (a) => unitKey(a.stationId, a.unitId)) };
    return this.byUnit.map;
  }

  /** Raw change feed for map layers; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    saveMuted(this.options.userId ?? null, muted);
  }

  /** `POST …/alerts/:id/acknowledge`; the answer replaces the alert at once (the live echo follows). */
  acknowledge(id: string): Promise<void> {
    return this.act(id, 'acknowledge');
  }

  resolve(id: string): Promise<void> {
    return this.act(id, 'resolve');
  }

  /** `GET …/alerts` with a state filter (e.g. older resolved alerts than the live channel holds). */
  async fetch(query: { state?: string; kind?: string; stationId?: string; limit?: number }): Promise<Alert[]> {
    const q = new URLSearchParams(
      Object.entries(query).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, String(v)]])),
    );
    const res = await request<AlertListResponse>('GET', `${this.base()}?${q}`);
    return res.alerts;
  }

  destroy(): void {
    this.off();
    cancelAnimationFrame(this.frame);
    this.listeners.clear();
  }

  /** Feed one raw `live:alerts` message (the socket listener; tests call it directly). */
  receive(raw: unknown): void {
    const { raised, changed } = this.store.apply(raw);
    if (raised.length && this.options.sound) {
      if (raised.some((a) => a.kind === 'sos')) playAlertSound('sos');
      else if (!this.muted) playAlertSound(raised[0]!.kind);
    }
    if (changed) this.emit();
  }

  private base(): string {
    return `/api/operations/${encodeURIComponent(this.store.operationId)}/alerts`;
  }

  private async act(id: string, action: 'acknowledge' | 'resolve'): Promise<void> {
    const res = await request<AlertResponse>('POST', `${this.base()}/${encodeURIComponent(id)}/${action}`);
    if (this.store.put(res.alert)) this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
    if (this.frame || !this.uiTick) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.uiVersion++;
      this.uiTick?.();
    });
  }
}

async function request<T>(method: 'GET' | 'POST', path: string): Promise<T> {
  const headers: Record<string, string> = login.token ? { authorization: `Bearer ${login.token}` } : {};
  const res = await fetch(path, { method, headers });
  if (!res.ok) throw login.errorOf(res, await res.json().catch(() => ({})));
  return (await res.json()) as T;
}

const feeds = new WeakMap<OperationSession, AlertsFeed>();

/**
 * The alerts of an open operation, created on first use. Pages call it as soon as the session
 * exists so the full list the server sends on join is never missed. Only the console rings: the
 * wall is unattended (`sound: false`). The mute is the signed-in user's own.
 */
export function alertsOf(session: OperationSession, options: { sound: boolean } = { sound: false }): AlertsFeed {
  let feed = feeds.get(session);
  if (!feed) feeds.set(session, (feed = new AlertsFeed(session.live, { ...options, userId: session.user.id })));
  return feed;
}
