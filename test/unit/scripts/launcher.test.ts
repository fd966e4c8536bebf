// The launcher picks the node that built tpod, or `node` on PATH when that one is gone
// (systemd user units run tpod with a PATH of their own).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launcher } from '../../../scripts/launcher.mjs';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function setup(nodePath: string): string {
  dir = mkdtempSync(join(tmpdir(), 'tpod-launcher-'));
  writeFileSync(join(dir, 'tpod.js'), 'process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), ca: process.env.NODE_EXTRA_CA_CERTS ?? null, tca: process.env.TPOD_EXTRA_CA_CERTS ?? null }))');
  const sh = join(dir, 'tpod');
  writeFileSync(sh, launcher(`'${dir}'`, nodePath), { mode: 0o755 });
  return sh;
}

describe('launcher', () => {
  it('runs tpod.js with the node it was built with, passing arguments and moving NODE_EXTRA_CA_CERTS aside', () => {
    const sh = setup(process.execPath);
    const out = execFileSync(sh, ['ps', '-a', "it's"], { env: { PATH: '/nonexistent', NODE_EXTRA_CA_CERTS: '/x.pem' } }).toString();
    expect(JSON.parse(out)).toEqual({ argv: ['ps', '-a', "it's"], ca: null, tca: '/x.pem' });
  });

  it('falls back to node on PATH when the build node is gone', () => {
    const sh = setup('/nonexistent/node');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const out = execFileSync(sh, ['info'], { env: { PATH: `${bin}:/usr/bin:/bin` } }).toString();
    expect(JSON.parse(out).argv).toEqual(['info']);
  });

  it('says node is missing (exit 127) when there is none', () => {
    const sh = setup('/nonexistent/node');
    let status = 0;
    let stderr = '';
    try {
      execFileSync('/bin/sh', [sh, 'info'], { env: { PATH: join(dir, 'empty') }, stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(127);
    expect(stderr).toContain('node (Node.js 20 or newer) is not on PATH');
  });
});
