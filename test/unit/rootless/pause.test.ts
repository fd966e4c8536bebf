import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userMappings, isPauseProcess, findIdMapTools, parsePauseFile } from '../../../src/rootless/pause.js';

function hostFiles(subuid: string, subgid: string) {
  const dir = mkdtempSync(join(tmpdir(), 'subid-'));
  writeFileSync(join(dir, 'subuid'), subuid);
  writeFileSync(join(dir, 'subgid'), subgid);
  return { subuid: join(dir, 'subuid'), subgid: join(dir, 'subgid'), proc: '/proc' };
}

describe('userMappings', () => {
  it('uses the ranges of /etc/subuid and /etc/subgid', () => {
    const m = userMappings(1000, 1001, 'alice', hostFiles('alice:100000:65536\n', 'alice:200000:65536\n'));
    expect(m.single).toBe(false);
    expect(m.uidMap[1]).toEqual({ containerId: 1, hostId: 100000, size: 65536 });
    expect(m.gidMap[0]).toEqual({ containerId: 0, hostId: 1001, size: 1 });
    expect(m.gidMap[1]).toEqual({ containerId: 1, hostId: 200000, size: 65536 });
  });
  it('falls back to a single-id mapping when the user has no range (or the files are missing)', () => {
    expect(userMappings(1000, 1000, 'alice', hostFiles('bob:1:2\n', 'alice:1:2\n')).single).toBe(true);
    expect(userMappings(1000, 1000, 'alice', { subuid: '/nonexistent', subgid: '/nonexistent', proc: '/proc' }).single).toBe(true);
  });
});

describe('isPauseProcess', () => {
  it('rejects a killed pause process that lingers as a zombie', () => {
    const proc = mkdtempSync(join(tmpdir(), 'proc-'));
    mkdirSync(join(proc, '7'));
    writeFileSync(join(proc, '7', 'stat'), '7 (tpod-pause) Z 1 7 7 0\n');
    expect(isPauseProcess(7, process.getuid!(), proc)).toBe(false);
  });
  it('rejects a pid whose comm is not tpod-pause (pid reuse after a reboot)', () => {
    const proc = mkdtempSync(join(tmpdir(), 'proc-'));
    mkdirSync(join(proc, '42'));
    writeFileSync(join(proc, '42', 'stat'), '42 (bash) S 1 42 42 0\n');
    expect(isPauseProcess(42, process.getuid!(), proc)).toBe(false);
    writeFileSync(join(proc, '42', 'stat'), '42 (tpod-pause) S 1 42 42 0\n');
    expect(isPauseProcess(42, process.getuid!(), proc)).toBe(true);
    expect(isPauseProcess(42, process.getuid!() + 1, proc)).toBe(false);
    expect(isPauseProcess(43, process.getuid!(), proc)).toBe(false);
  });
});

describe('pause identity (pid, start time, boot id)', () => {
  const stat = (comm: string, start: string) => `42 (${comm}) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 ${start} 2400000 100 18446744073709551615\n`;
  function fakeProc(comm: string, start: string, boot = 'boot-a') {
    const proc = mkdtempSync(join(tmpdir(), 'proc-'));
    mkdirSync(join(proc, '42'));
    mkdirSync(join(proc, 'sys/kernel/random'), { recursive: true });
    writeFileSync(join(proc, '42', 'stat'), stat(comm, start));
    writeFileSync(join(proc, 'sys/kernel/random/boot_id'), `${boot}\n`);
    return proc;
  }
  it('reads "PID STARTTIME BOOTID", and the pid alone of older files', () => {
    expect(parsePauseFile('42 12345 boot-a\n')).toEqual({ pid: 42, startTime: '12345', bootId: 'boot-a' });
    expect(parsePauseFile('42\n')).toEqual({ pid: 42 });
    expect(parsePauseFile('x 1 2')).toBeUndefined();
    expect(parsePauseFile('42 1')).toBeUndefined();
  });
  it('guards against a container process that calls itself tpod-pause and got the pause pid', () => {
    const uid = process.getuid!();
    const proc = fakeProc('tpod-pause', '999');
    // Same pid, same name, same user: only the start time tells the impostor apart.
    expect(isPauseProcess({ pid: 42, startTime: '12345', bootId: 'boot-a' }, uid, proc)).toBe(false);
    expect(isPauseProcess({ pid: 42, startTime: '999', bootId: 'boot-a' }, uid, proc)).toBe(true);
    // The same numbers in another boot are another process.
    expect(isPauseProcess({ pid: 42, startTime: '999', bootId: 'boot-b' }, uid, proc)).toBe(false);
  });
});

describe('findIdMapTools', () => {
  it('names the package to install when newuidmap is missing', () => {
    expect(() => findIdMapTools('/nonexistent')).toThrow(/install the "uidmap" package/);
  });
});

describe('refuseRoot', async () => {
  const { refuseRoot } = await import('../../../src/rootless/pause.js');
  it('refuses to run containers as real root, saying rootful mode is not supported', () => {
    const saved = process.env.TPOD_IN_USERNS;
    delete process.env.TPOD_IN_USERNS;
    try {
      expect(() => refuseRoot({ uid: 0 })).toThrow(/rootless engine .*rootful mode is not supported/);
      expect(() => refuseRoot({ uid: 1000 })).not.toThrow();
    } finally {
      if (saved !== undefined) process.env.TPOD_IN_USERNS = saved;
    }
  });
});
