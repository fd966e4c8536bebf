import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readNofile, hostsFile, resolvConfFor, keepIdFiles, prepareContainer, type ImageAccess } from '../../../src/engine/create.js';
import { terminalMode, attachedRunSteps, runtimePaths } from '../../../src/engine/run.js';
import { createContext, type Context } from '../../../src/engine/context.js';
import { parseRunOptions, type RawRunFlags } from '../../../src/runtime/options.js';
import type { OciSpec } from '../../../src/runtime/spec.js';
import { findContainer, listContainerIds } from '../../../src/storage/containers.js';

describe('host facts and generated files', () => {
  it('reads the open-file limit, soft raised to hard', () => {
    expect(readNofile('Limit Soft Hard Units\nMax open files            1024                 524288               files\n')).toEqual({ soft: 524288, hard: 524288 });
    expect(readNofile('Max open files unlimited unlimited files')).toEqual({ soft: 1048576, hard: 1048576 });
    expect(readNofile('')).toEqual({ soft: 1048576, hard: 1048576 });
  });
  it('writes /etc/hosts with localhost and the container names', () => {
    expect(hostsFile('abc', 'web', undefined)).toBe(
      '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n127.0.1.1\tabc web\n',
    );
    expect(hostsFile('h', 'h', '10.0.0.1 server')).toBe('10.0.0.1 server\n127.0.1.1\th\n');
  });
  it('replaces a loopback-only resolver unless the network is the host', () => {
    const stub = 'nameserver 127.0.0.53\noptions edns0\n';
    expect(resolvConfFor(stub, 'nameserver 9.9.9.9\n', false)).toBe('nameserver 9.9.9.9\n');
    expect(resolvConfFor(stub, 'nameserver 9.9.9.9\n', true)).toBe(stub);
    expect(resolvConfFor('nameserver 1.1.1.1\n', 'nameserver 9.9.9.9\n', false)).toBe('nameserver 1.1.1.1\n');
    expect(resolvConfFor(stub, undefined, false)).toBe(stub);
  });
  it('adds the keep-id user to passwd and group only when missing', () => {
    const me = { uid: 1001, gid: 1001, name: 'me', home: '/home/me', shell: '/bin/sh' };
    expect(keepIdFiles('root:x:0:0::/root:/bin/sh', 'root:x:0:', me)).toEqual({
      passwd: 'root:x:0:0::/root:/bin/sh\nme:*:1001:1001:me:/home/me:/bin/sh\n',
      group: 'root:x:0:\nme:x:1001:me\n',
    });
    expect(keepIdFiles('me:x:1001:1001::/h:/bin/sh\n', 'g:x:1001:\n', me)).toEqual({});
    expect(keepIdFiles(undefined, undefined, me).passwd).toBe('me:*:1001:1001:me:/home/me:/bin/sh\n');
  });
  it('runs without a pty when -t has no terminal behind it', () => {
    const o = parseRunOptions({ image: 'x', command: [], tty: true }, { env: {}, cwd: '/', readFile: () => '', stat: () => undefined });
    expect(terminalMode(o, true)).toEqual({ tty: true });
    expect(terminalMode(o, false)).toMatchObject({ tty: false, warning: expect.stringMatching(/not a TTY/) });
  });
});

describe('prepareContainer', () => {
  let dir: string;
  let ctx: Context;
  let layer: string;
  const images: ImageAccess = {
    findImage: async (_c, name) => {
      if (name !== 'busybox') throw new Error(`${name}: image not known`);
      return { id: 'f'.repeat(64), names: ['localhost/busybox:latest'], layers: ['sha256:' + 'a'.repeat(64)] };
    },
    readImageConfig: async () => ({ config: { Cmd: ['sh'], Env: ['PATH=/bin'], User: 'web' }, rootfs: { diff_ids: ['sha256:' + 'a'.repeat(64)] } }),
    layerDiffDir: () => layer,
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tpod-prep-'));
    layer = join(dir, 'layer');
    mkdirSync(join(layer, 'etc'), { recursive: true });
    writeFileSync(join(layer, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nweb:x:33:34::/srv:/bin/sh\n');
    writeFileSync(join(layer, 'etc/group'), 'root:x:0:\nweb:x:34:\nextra:x:99:web\n');
    // An executable stands in for the runtime; the storage driver is given, not probed.
    ctx = createContext({ root: join(dir, 'root'), runroot: join(dir, 'run'), runtime: process.execPath, storageDriver: 'overlay', logLevel: 'error' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const opts = (f: Partial<RawRunFlags> = {}) => parseRunOptions({ image: 'busybox', command: [], ...f }, { env: {}, cwd: '/', readFile: () => '', stat: () => undefined });

  it('writes the bundle and the record, resolving the image user from its layers', async () => {
    const p = await prepareContainer(ctx, opts({ name: 'c1', command: ['id'] }), images, { forRun: false });
    const spec = JSON.parse(readFileSync(join(p.dirs.userdata, 'config.json'), 'utf8')) as OciSpec;
    expect(spec.process.user).toEqual({ uid: 33, gid: 34, umask: 0o022, additionalGids: [99] });
    expect(spec.process.args).toEqual(['id']);
    expect(spec.process.env).toContain('HOME=/srv');
    expect(spec.root.path).toBe(p.dirs.merged);
    expect(readFileSync(join(p.dirs.userdata, 'hostname'), 'utf8')).toBe(`${p.record.id.slice(0, 12)}\n`);
    expect(readFileSync(join(p.dirs.userdata, 'hosts'), 'utf8')).toContain(`${p.record.id.slice(0, 12)} c1`);
    expect(findContainer(ctx, 'c1')).toMatchObject({ state: 'created', imageName: 'localhost/busybox:latest', command: ['id'], driver: 'overlay' });
    expect(p.lowerDirs).toEqual([layer]);
  });

  it('writes nothing when the user does not exist in the image', async () => {
    await expect(prepareContainer(ctx, opts({ user: 'nobody-here' }), images, { forRun: false })).rejects.toThrow(/unable to find user nobody-here/);
    expect(listContainerIds(ctx)).toEqual([]);
  });

  it('records a run as running from the start', async () => {
    const p = await prepareContainer(ctx, opts(), images, { forRun: true });
    expect(p.record.state).toBe('running');
    expect(p.record.startedAt).toBe(p.record.created);
  });

  it('lays out the one helper call of an attached run: mount, then unmount and remove after', async () => {
    const p = await prepareContainer(ctx, opts({ rm: true }), images, { forRun: true });
    const steps = attachedRunSteps(ctx, p, true);
    expect(steps.at(-2)).toEqual({ kind: 'umount', arg: p.dirs.merged, after: true });
    expect(steps.at(-1)).toEqual({ kind: 'rmtree', arg: p.dirs.dir, after: true });
    expect(steps.some((s) => s.kind === 'overlay' && !s.after)).toBe(true);
    expect(runtimePaths(ctx, p.record.id).logFile).toContain(ctx.paths.runroot);
  });

  it('keep-id: the user themself, with passwd/group entries added', async () => {
    const p = await prepareContainer(ctx, opts({ userns: 'keep-id' }), images, { forRun: false, idCounts: { uid: 65537, gid: 65537 } });
    const spec = JSON.parse(readFileSync(join(p.dirs.userdata, 'config.json'), 'utf8')) as OciSpec;
    expect(spec.process.user.uid).toBe(ctx.uid);
    expect(spec.linux.uidMappings?.length).toBeGreaterThan(0);
    expect(spec.mounts.some((m) => m.destination === '/etc/passwd')).toBe(ctx.uid !== 0);
  });
});
