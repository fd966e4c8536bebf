import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { RecordDir, type NamedRecord } from '../../../src/storage/records.js';

let dir: string;
let store: RecordDir<NamedRecord>;

function add(id: string, name: string, created = new Date().toISOString()): NamedRecord {
  const rec = { id, name, created };
  mkdirSync(store.idDir(id), { recursive: true });
  store.write(rec);
  store.linkName(name, id);
  return rec;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-records-'));
  store = new RecordDir<NamedRecord>(join(dir, 'things'), 'thing.json');
  mkdirSync(store.namesDir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('RecordDir', () => {
  it('finds by id, name and unique prefix; refuses an ambiguous prefix', () => {
    const a = add(`ab${'0'.repeat(62)}`, 'one', '2024-01-02T00:00:00Z');
    add(`ac${'0'.repeat(62)}`, 'two', '2024-01-01T00:00:00Z');
    const ambiguous = (p: string): Error => new Error(`ambiguous ${p}`);
    expect(store.lookup(a.id, ambiguous)?.name).toBe('one');
    expect(store.lookup('two', ambiguous)?.id.startsWith('ac')).toBe(true);
    expect(store.lookup('ab', ambiguous)?.name).toBe('one');
    expect(() => store.lookup('a', ambiguous)).toThrow('ambiguous a');
    expect(store.lookup('nothing', ambiguous)).toBeUndefined();
    expect(store.list().map((r) => r.name)).toEqual(['two', 'one']);
  });

  it('a name link is exclusive', () => {
    add('1'.repeat(64), 'x');
    expect(() => store.linkName('x', '2'.repeat(64))).toThrow(/EEXIST/);
  });

  it('update keeps the id and the name', () => {
    const a = add('1'.repeat(64), 'x');
    expect(store.update(a.id, { name: 'y', created: 'later' })).toEqual({ id: a.id, name: 'x', created: 'later' });
    expect(store.update('2'.repeat(64), {})).toBeUndefined();
  });

  it('reports leftover dirs and drops stale names (what a killed create leaves)', () => {
    const a = add('1'.repeat(64), 'kept');
    mkdirSync(store.idDir('2'.repeat(64)));
    store.linkName('stale', '2'.repeat(64));
    store.linkName('other', a.id); // points to a record with another name
    expect(store.leftoverIds()).toEqual(['2'.repeat(64)]);
    expect(store.ownerOrDropStale('kept')).toBe(a.id);
    expect(store.removeStaleNames().sort()).toEqual(['other', 'stale']);
    expect(store.nameTarget('kept')).toBe(a.id);
    expect(store.nameOwner('stale')).toBeUndefined();
  });
});
