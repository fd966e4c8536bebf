import { describe, expect, it } from 'vitest';
import { parseRunFlags, parseRunMount, parseSecretFlag } from '../../../src/build/run-flags.js';
import { cacheDirName, createdMountPoints } from '../../../src/build/run-mounts.js';

const flags = (...list: Array<[string, string | undefined]>) => list.map(([name, value]) => ({ name, value }));

describe('parseRunMount', () => {
  it('reads bind mounts: the context root read-only by default, rw, from, relative targets under the workdir', () => {
    expect(parseRunMount('type=bind,target=/ctx', '/')).toEqual({ type: 'bind', target: '/ctx', source: '', readWrite: false, options: [] });
    expect(parseRunMount('target=src,source=sub/dir,rw,nosuid', '/work')).toEqual({ type: 'bind', target: '/work/src', source: 'sub/dir', readWrite: true, options: ['nosuid'] });
    expect(parseRunMount('type=bind,from=builder,src=/out,dst=/in,readonly,z', '/')).toMatchObject({ from: 'builder', source: '/out', target: '/in', readWrite: false });
  });

  it('reads cache mounts with their defaults (shared, 0755, 0:0, writable) and options', () => {
    expect(parseRunMount('type=cache,target=/root/.cache/', '/')).toEqual({ type: 'cache', target: '/root/.cache', source: '', sharing: 'shared', mode: 0o755, uid: 0, gid: 0, readWrite: true, options: [] });
    expect(parseRunMount('type=cache,id=pip,target=/c,sharing=locked,mode=0700,uid=1000,gid=100,ro', '/')).toMatchObject({ id: 'pip', sharing: 'locked', mode: 0o700, uid: 1000, gid: 100, readWrite: false });
  });

  it('reads tmpfs mounts with size (buildkit) or tmpfs-size (buildah)', () => {
    expect(parseRunMount('type=tmpfs,target=/t,size=64m', '/')).toEqual({ type: 'tmpfs', target: '/t', options: ['size=64m'] });
    expect(parseRunMount('type=tmpfs,dst=/t,tmpfs-size=1g,tmpfs-mode=1777,ro', '/')).toEqual({ type: 'tmpfs', target: '/t', options: ['size=1g', 'mode=1777', 'ro'] });
  });

  it('reads secret mounts: target defaults to /run/secrets/ID, id to the target name, mode to 0400', () => {
    expect(parseRunMount('type=secret,id=tok', '/')).toEqual({ type: 'secret', id: 'tok', target: '/run/secrets/tok', required: false, mode: 0o400, uid: 0, gid: 0 });
    expect(parseRunMount('type=secret,target=/etc/key,required,mode=0440,uid=1,gid=2', '/')).toMatchObject({ id: 'key', target: '/etc/key', required: true, mode: 0o440, uid: 1, gid: 2 });
    expect(parseRunMount('type=secret,id=tok,env=TOKEN,required=false', '/')).toEqual({ type: 'secret', id: 'tok', env: 'TOKEN', required: false, mode: 0o400, uid: 0, gid: 0 });
  });

  it('refuses what buildah refuses, in its words', () => {
    expect(() => parseRunMount('type=volume,target=/x', '/')).toThrow('invalid mount type "volume"');
    expect(() => parseRunMount('type=bind,source=a', '/')).toThrow('must set volume destination');
    expect(() => parseRunMount('type=bind,target=/x,bogus=1', '/')).toThrow('bogus: invalid mount option');
    expect(() => parseRunMount('type=bind,target=/x,rw=true', '/')).toThrow('rw: must not provide an argument for option');
    expect(() => parseRunMount('type=bind,target=', '/')).toThrow('target: must provide an argument for option');
    expect(() => parseRunMount('type=cache,target=/x,sharing=sometimes', '/')).toThrow('unrecognized value "sometimes" for field `sharing`');
    expect(() => parseRunMount('type=cache,target=/x,mode=999', '/')).toThrow('unable to parse cache mode "999"');
    expect(() => parseRunMount('type=cache,target=/x,uid=me', '/')).toThrow('unable to parse cache uid "me"');
    expect(() => parseRunMount('type=tmpfs,target=/x,source=y', '/')).toThrow('source: invalid mount option');
    expect(() => parseRunMount('type=secret,target=/x,bogus', '/')).toThrow(/^secret should have syntax id=id/);
    expect(() => parseRunMount('type=secret,env=X', '/')).toThrow(/^secret should have syntax id=id/);
  });
});

describe('parseRunFlags', () => {
  it('takes --mount (several) and --network, and nothing else', () => {
    const f = parseRunFlags(flags(['mount', 'type=tmpfs,target=/a'], ['mount', 'type=cache,target=/b'], ['network', 'none']), '/');
    expect(f.mounts.map((m) => m.type)).toEqual(['tmpfs', 'cache']);
    expect(f.network).toBe('none');
    expect(parseRunFlags(flags(['network', 'host']), '/').network).toBe('host');
    expect(parseRunFlags(flags(['network', 'default']), '/').network).toBeUndefined();
    expect(() => parseRunFlags(flags(['network', 'bridge']), '/')).toThrow('unsupported value "bridge" for "RUN --network", must be either "host" or "none"');
    expect(() => parseRunFlags(flags(['network', undefined]), '/')).toThrow('no value specified for --network=');
    expect(() => parseRunFlags(flags(['mount', '']), '/')).toThrow('no value specified for --mount=');
    expect(() => parseRunFlags(flags(['security', 'insecure']), '/')).toThrow('RUN only supports the --mount and --network flag');
    expect(() => parseRunFlags(flags(['mount', 'type=tmpfs,target=/a'], ['mount', 'type=cache,target=/a/']), '/')).toThrow('/a: duplicate mount destination');
  });
});

describe('parseSecretFlag', () => {
  const exists = (p: string) => p === '/home/u/token';
  it('reads id=ID,src=PATH (relative to the working directory) and id=ID,env=VAR', () => {
    expect(parseSecretFlag('id=tok,src=token', {}, '/home/u', exists)).toEqual({ id: 'tok', source: '/home/u/token', type: 'file' });
    expect(parseSecretFlag('id=tok,env=TOKEN', {}, '/', exists)).toEqual({ id: 'tok', source: 'TOKEN', type: 'env' });
  });
  it('without a source takes the variable named ID when set, else the file ID', () => {
    expect(parseSecretFlag('id=TOKEN', { TOKEN: 'x' }, '/', exists)).toEqual({ id: 'TOKEN', source: 'TOKEN', type: 'env' });
    expect(parseSecretFlag('id=token', {}, '/home/u', exists)).toEqual({ id: 'token', source: '/home/u/token', type: 'file' });
  });
  it('refuses bad syntax and missing files', () => {
    expect(() => parseSecretFlag('src=x', {}, '/', exists)).toThrow('incorrect secret flag format: should be --secret id=foo,src=bar[,env=ENV][,type=file|env]');
    expect(() => parseSecretFlag('id=a,what', {}, '/', exists)).toThrow(/incorrect secret flag format/);
    expect(() => parseSecretFlag('id=a,type=pipe', {}, '/', exists)).toThrow('invalid secret type, must be file or env');
    expect(() => parseSecretFlag('id=a,src=/nope', {}, '/', exists)).toThrow('could not parse secrets: stat /nope: no such file or directory');
  });
});

describe('RUN mount helpers', () => {
  it('names caches by id, else target, and owner, never by a path that could climb out', () => {
    expect(cacheDirName({ id: 'x', target: '/a', uid: 0, gid: 0 })).toBe(cacheDirName({ id: 'x', target: '/b', uid: 0, gid: 0 }));
    expect(cacheDirName({ target: '/a', uid: 0, gid: 0 })).not.toBe(cacheDirName({ target: '/b', uid: 0, gid: 0 }));
    expect(cacheDirName({ id: 'x', target: '/a', uid: 1, gid: 0 })).not.toBe(cacheDirName({ id: 'x', target: '/a', uid: 0, gid: 0 }));
    expect(cacheDirName({ id: '../../etc', target: '/a', uid: 0, gid: 0 })).toMatch(/^[0-9a-f]{16}$/);
  });

  it('lists the mount points the runtime had to create, deepest first, through symlinks of the image', () => {
    const image: Record<string, { rel: string; isDir: boolean }> = { '/run': { rel: 'run', isDir: true }, '/var': { rel: 'var', isDir: true }, '/lnk': { rel: 'real', isDir: true }, '/etc/passwd': { rel: 'etc/passwd', isDir: false }, '/etc': { rel: 'etc', isDir: true } };
    const lookup = (p: string) => (image[p] ? { kind: 'found', ...image[p] } : { kind: 'missing' });
    expect(createdMountPoints(['/run/secrets/a', '/var', '/lnk/x', '/etc/passwd'], lookup)).toEqual(['run/secrets/a', 'run/secrets', 'real/x']);
    expect(createdMountPoints(['/new/deep/dir'], lookup)).toEqual(['new/deep/dir', 'new/deep', 'new']);
    expect(createdMountPoints(['/x/y'], () => ({ kind: 'unknown' }))).toEqual([]);
  });
});
