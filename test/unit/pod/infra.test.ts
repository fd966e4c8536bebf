import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { x as extract } from 'tar';
import { createHash } from 'node:crypto';
import { infraLayer, infraImageName, tarOf } from '../../../src/pod/infra.js';

describe('infra image', () => {
  it('is named like Podman names its pause image', () => {
    expect(infraImageName('1.2.3', 1700000000)).toBe('localhost/podman-pause:1.2.3-1700000000');
    expect(infraImageName('0.1.0+dirty', 5)).toBe('localhost/podman-pause:0.1.0-dirty-5');
  });

  it('writes a tar that a real tar reader extracts: the program, executable, and the mount points', async () => {
    const bin = Buffer.from('\x7fELF fake program body');
    const dir = mkdtempSync(join(tmpdir(), 'tpod-infra-'));
    try {
      await new Promise<void>((resolve, reject) => {
        Readable.from([infraLayer(bin, 1_700_000_000)]).pipe(extract({ cwd: dir })).on('finish', resolve).on('error', reject);
      });
      expect(readFileSync(join(dir, 'pause'))).toEqual(bin);
      expect(statSync(join(dir, 'pause')).mode & 0o111).not.toBe(0);
      for (const d of ['dev', 'etc', 'proc', 'sys']) expect(statSync(join(dir, d)).isDirectory()).toBe(true);
      expect(statSync(join(dir, 'pause')).mtimeMs).toBe(1_700_000_000_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is byte for byte the same for the same program (concurrent builds agree on the ids)', () => {
    const bin = Buffer.alloc(5000, 7);
    const h = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(h(infraLayer(bin, 5))).toBe(h(infraLayer(bin, 5)));
    expect(infraLayer(bin, 5).length % 512).toBe(0);
    expect(tarOf([]).length).toBe(1024);
  });
});
