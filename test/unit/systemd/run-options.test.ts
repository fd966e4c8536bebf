import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addContainerNotify, checkCidFile, parseSystemdRunFlags, readCidFiles, removeCidFiles, writeCidFile } from '../../../src/systemd/run-options.js';
import { runrootInRuntimeDir } from '../../../src/systemd/facts.js';
import { tpodExecutable, type ExecutableHost } from '../../../src/systemd/executable.js';

const dir = mkdtempSync(join(tmpdir(), 'tpod-sd-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('systemd run flags', () => {
  it('checks --sdnotify and --cgroups and makes paths absolute', () => {
    expect(parseSystemdRunFlags({ sdnotify: 'conmon', cgroups: 'no-conmon', cidfile: 'x.id', conmonPidfile: '/p', replace: true }, '/w')).toEqual({
      sdNotify: 'conmon', cgroups: 'no-conmon', cidFile: '/w/x.id', conmonPidFile: '/p', replace: true,
    });
    expect(parseSystemdRunFlags({}, '/w', {})).toEqual({});
    // Podman's default mode is container, which matters only under a Type=notify unit.
    expect(parseSystemdRunFlags({}, '/w', { NOTIFY_SOCKET: '/run/user/1/systemd/notify' })).toEqual({ sdNotify: 'container' });
    expect(parseSystemdRunFlags({ sdnotify: 'ignore' }, '/w', { NOTIFY_SOCKET: '/run/user/1/systemd/notify' })).toEqual({ sdNotify: 'ignore' });
    expect(() => parseSystemdRunFlags({ sdnotify: 'healthy' })).toThrow(/"--sdnotify": must be one of conmon, container, ignore/);
    expect(() => parseSystemdRunFlags({ cgroups: 'maybe' })).toThrow(/invalid cgroup mode "maybe"/);
    expect(() => parseSystemdRunFlags({ cidfile: '' })).toThrow(/--cidfile needs a file name/);
  });

  it('never overwrites an existing container id file (another container may own it)', () => {
    const p = join(dir, 'taken.id');
    writeFileSync(p, 'other\n');
    expect(() => checkCidFile(p)).toThrow(`container id file exists. Ensure another container is not using it or delete ${p}`);
    expect(() => writeCidFile(p, 'mine')).toThrow(/container id file exists/);
    expect(readFileSync(p, 'utf8')).toBe('other\n');
    const q = join(dir, 'new.id');
    writeCidFile(q, 'abc');
    expect(readFileSync(q, 'utf8')).toBe('abc');
    expect(readCidFiles([q], false)).toEqual(['abc']);
    removeCidFiles([q]);
    expect(readCidFiles([q], true)).toEqual([]);
    expect(() => readCidFiles([q], false)).toThrow(/no such file or directory/);
  });

  it('--sdnotify=container binds the socket directory and points NOTIFY_SOCKET into it', () => {
    const spec = { process: { env: ['PATH=/bin', 'NOTIFY_SOCKET=/elsewhere'] }, mounts: [] as Array<{ destination: string; type: string; source: string; options?: string[] }> };
    addContainerNotify(spec, '/run/user/1/tpod/notify/abc');
    expect(spec.process.env).toEqual(['PATH=/bin', 'NOTIFY_SOCKET=/run/notify/notify.sock']);
    expect(spec.mounts).toEqual([{ destination: '/run/notify', type: 'bind', source: '/run/user/1/tpod/notify/abc', options: ['bind', 'rprivate', 'nosuid', 'nodev', 'noexec'] }]);
  });

  it('names the runroot through %t when it lies below XDG_RUNTIME_DIR', () => {
    expect(runrootInRuntimeDir('/run/user/1/tpod', '/run/user/1')).toBe('%t/tpod');
    expect(runrootInRuntimeDir('/run/user/1/a%b', '/run/user/1/')).toBe('%t/a%%b');
    expect(runrootInRuntimeDir('/elsewhere', '/run/user/1')).toBeUndefined();
    expect(runrootInRuntimeDir('/x', undefined)).toBeUndefined();
  });
});

describe('the tpod a unit runs', () => {
  const host = (files: Record<string, string>, over: Partial<ExecutableHost> = {}): ExecutableHost => ({
    env: { PATH: '/usr/local/bin:/usr/bin' },
    argv: ['/usr/bin/node', '/opt/tpod/lib/tpod.js'],
    isExecutable: (p) => p in files,
    head: (p) => files[p],
    realpath: (p) => p,
    selfCommand: () => ['/usr/bin/node', '/opt/tpod/lib/tpod.js'],
    ...over,
  });

  it('prefers the launcher beside the bundle (a build)', () => {
    expect(tpodExecutable(host({ '/opt/tpod/lib/tpod': "#!/bin/sh\n# tpod launcher (generated)\nd=...\n" }))).toEqual(['/opt/tpod/lib/tpod']);
  });

  it('finds an installed launcher on PATH that names this library directory', () => {
    const files = { '/usr/local/bin/tpod': "#!/bin/sh\n# tpod launcher\nd='/opt/tpod/lib'\n", '/usr/bin/tpod': "#!/bin/sh\n# tpod launcher\nd='/other'\n" };
    expect(tpodExecutable(host(files))).toEqual(['/usr/local/bin/tpod']);
    expect(tpodExecutable(host(files, { env: { PATH: '/usr/bin', TPOD_LIBDIR: '/opt/tpod/lib' }, argv: ['/usr/bin/node'] }))).toEqual(['/usr/bin/node', '/opt/tpod/lib/tpod.js']);
  });

  it("finds an install's PREFIX/bin/tpod beside PREFIX/lib/tpod without PATH (units and the generator run with a short PATH), not another tpod", () => {
    const files = { '/opt/bin/tpod': "#!/bin/sh\n# tpod launcher\nd='/opt/lib/tpod'\n", '/usr/bin/tpod': '#!/bin/sh\nexec podman "$@"\n' };
    expect(tpodExecutable(host(files, { env: { PATH: '/usr/bin' }, argv: ['/usr/bin/node', '/opt/lib/tpod/tpod.js'] }))).toEqual(['/opt/bin/tpod']);
    const other = { '/opt/bin/tpod': "#!/bin/sh\n# tpod launcher\nd='/elsewhere/lib/tpod'\n", '/usr/bin/tpod': '#!/bin/sh\nexec podman "$@"\n' };
    expect(tpodExecutable(host(other, { env: { PATH: '/usr/bin' }, argv: ['/usr/bin/node', '/opt/lib/tpod/tpod.js'] }))).toEqual(['/usr/bin/node', '/opt/tpod/lib/tpod.js']);
  });

  it('falls back to node and the bundle', () => {
    expect(tpodExecutable(host({ '/usr/local/bin/tpod': '#!/bin/sh\necho not ours\n' }))).toEqual(['/usr/bin/node', '/opt/tpod/lib/tpod.js']);
  });
});
