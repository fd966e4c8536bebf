import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkIdFile, writeIdFile } from '../../../src/util/id-files.js';

const dir = mkdtempSync(join(tmpdir(), 'tpod-idfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('id files', () => {
  it('refuses an id file in a missing directory before anything is created (a create must not fail after making its container or pod)', () => {
    const p = join(dir, 'missing', 'c.id');
    expect(() => checkIdFile(p, 'container')).toThrow(`cannot write the container id file ${p}: no such file or directory`);
    expect(() => checkIdFile(p, 'pod')).toThrow(`cannot write the pod id file ${p}: no such file or directory`);
  });

  it('never replaces an existing id file (another container or pod may own it)', () => {
    const p = join(dir, 'taken.id');
    writeFileSync(p, 'other');
    expect(() => checkIdFile(p, 'pod')).toThrow(`pod id file exists. Ensure another pod is not using it or delete ${p}`);
    expect(() => writeIdFile(p, 'mine', 'pod')).toThrow('pod id file exists');
    expect(readFileSync(p, 'utf8')).toBe('other');
    const q = join(dir, 'fresh.id');
    checkIdFile(q, 'container');
    writeIdFile(q, 'abc', 'container');
    expect(readFileSync(q, 'utf8')).toBe('abc');
  });
});
