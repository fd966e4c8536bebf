import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, readFileSync, readdirSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutputFile, openOutputDir } from '../../../src/util/output-file.js';

describe('openOutputFile', () => {
  it('writes atomically: nothing at the destination until commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-out-'));
    const f = openOutputFile(join(dir, 'a.tar'));
    f.stream.write('hello');
    expect(readdirSync(dir)).toHaveLength(1);
    expect(readdirSync(dir)[0]).toMatch(/^\.a\.tar\.tpod-.*\.tmp$/);
    await f.commit();
    expect(readFileSync(join(dir, 'a.tar'), 'utf8')).toBe('hello');
    expect(readdirSync(dir)).toEqual(['a.tar']);
  });

  it('leaves no partial file when the write fails (abort)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-out-'));
    writeFileSync(join(dir, 'keep.tar'), 'old');
    const f = openOutputFile(join(dir, 'keep.tar'));
    f.stream.write('half');
    f.abort();
    expect(readdirSync(dir)).toEqual(['keep.tar']);
    expect(readFileSync(join(dir, 'keep.tar'), 'utf8')).toBe('old');
  });

  it('replaces a symlink planted at the destination instead of writing through it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-out-'));
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(dir, 'out.tar'));
    const f = openOutputFile(join(dir, 'out.tar'));
    f.stream.write('archive');
    await f.commit();
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(dir, 'out.tar')).isFile()).toBe(true);
  });

  it('refuses a directory, and a missing parent directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-out-'));
    expect(() => openOutputFile(dir)).toThrow(/is a directory/);
    expect(() => openOutputFile(join(dir, 'no', 'such', 'x.tar'))).toThrow(/does not exist/);
  });
});

describe('openOutputDir', () => {
  it('fills a temp dir and renames it into place; refuses a non-empty directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-out-'));
    const d = openOutputDir(join(dir, 'layout'));
    writeFileSync(join(d.path, 'index.json'), '{}');
    d.commit();
    expect(readFileSync(join(dir, 'layout', 'index.json'), 'utf8')).toBe('{}');
    expect(() => openOutputDir(join(dir, 'layout'))).toThrow(/not empty/);
    mkdirSync(join(dir, 'empty'));
    const e = openOutputDir(join(dir, 'empty'));
    e.commit();
    expect(readdirSync(join(dir, 'empty'))).toEqual([]);
    const a = openOutputDir(join(dir, 'gone'));
    a.abort();
    expect(readdirSync(dir).sort()).toEqual(['empty', 'layout']);
  });
});
