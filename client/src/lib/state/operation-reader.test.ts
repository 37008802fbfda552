import { describe, expect, it, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { COMMAND_SCOPE, type DocKind } from '@jointmap/shared';
import { i18n } from '../i18n/i18n.svelte.ts';
import type { OperationData } from './operation-data.ts';
import { OperationReader } from './operation-reader.svelte.ts';
import type { SessionUser } from './session.svelte.ts';
import type { RecordsDoc } from './station-records.ts';

const data = {
  view: {
    id: 'op',
    name: 'op',
    // `gone` has a document but no details (a station no longer in the registry).
    stations: ['deqing-yuyue', 'gone'],
    stationDetails: [{ id: 'deqing-yuyue', name: '德清县公安局禹越派出所', shortName: '禹越所', color: '#b91c1c' }],
  },
  jurisdictions: { type: 'FeatureCollection', features: [] },
  context: { type: 'FeatureCollection', features: [] },
  fromCache: false,
} as unknown as OperationData;
const user = { id: 'u', role: 'commander' } as unknown as SessionUser;

/** The shared read side alone, over plain local documents. */
class Reader extends OperationReader<RecordsDoc> {
  constructor() {
    super(data, user, (scope: string, kind: DocKind) => ({ scope, kind, doc: new Y.Doc() }), 'each-change');
  }
}

describe('OperationReader.scopeName', () => {
  it('names the command by its label, a station by its short name, anything else by its id', () => {
    const reader = new Reader();
    expect(reader.scopeName(COMMAND_SCOPE)).toBe('指挥部');
    expect(reader.scopeName('deqing-yuyue')).toBe('禹越所');
    expect(reader.scopeName('gone')).toBe('gone');
    expect(reader.scopeName('nowhere')).toBe('nowhere');
  });

  it('gives what it is told for a scope it cannot name, never for the command or a known station', () => {
    const reader = new Reader();
    expect(reader.scopeName('gone', { unknown: '' })).toBe('');
    expect(reader.scopeName('deqing-yuyue', { unknown: '' })).toBe('禹越所');
    expect(reader.scopeName(COMMAND_SCOPE, { unknown: '' })).toBe('指挥部');
  });

  it('names the command by the label it is given, a station still by its short name, as options or with `unknown`', () => {
    const reader = new Reader();
    expect(reader.scopeName(COMMAND_SCOPE, { command: '全局（指挥部）' })).toBe('全局（指挥部）');
    expect(reader.scopeName('deqing-yuyue', { command: '全局（指挥部）' })).toBe('禹越所');
    expect(reader.scopeName('gone', { command: '全局（指挥部）' })).toBe('gone');
    expect(reader.scopeName('gone', { unknown: '', command: 'x' })).toBe('');
    expect(reader.scopeName(COMMAND_SCOPE, { unknown: '' })).toBe('指挥部');
  });

  it('follows the UI language', () => {
    const reader = new Reader();
    expect(reader.scopeName(COMMAND_SCOPE)).toBe('指挥部');
    i18n.locale = 'en';
    onTestFinished(() => void (i18n.locale = 'zh-CN'));
    expect(reader.scopeName(COMMAND_SCOPE)).toBe('Command');
  });
});

describe('OperationReader documents', () => {
  it('opens the command document first, then each station of the view, each of its kind', () => {
    expect(new Reader().docs.map((d) => [d.scope, d.kind])).toEqual([
      [COMMAND_SCOPE, 'command'],
      ['deqing-yuyue', 'station'],
      ['gone', 'station'],
    ]);
  });
});
