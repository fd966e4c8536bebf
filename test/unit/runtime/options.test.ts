import { describe, it, expect } from 'vitest';
import {
  parseRunOptions,
  parseEnvEntry,
  parseEnvFile,
  parseEntrypoint,
  parseSize,
  normaliseCap,
  computeCaps,
  DEFAULT_CAPS,
  ALL_CAPS,
  type HostAccess,
  type RawRunFlags,
} from '../../../src/runtime/options.js';

function host(files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): HostAccess {
  return {
    env,
    cwd: '/home/u',
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return f;
    },
    stat: (p) => {
      if (!(p in files) && !p.startsWith('/exists')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    },
  };
}

const raw = (extra: Partial<RawRunFlags> = {}): RawRunFlags => ({ image: 'busybox', command: [], ...extra });

describe('environment', () => {
  it('takes NAME=VALUE literally, NAME from the host, skips NAME the host lacks', () => {
    const env = { FOO: 'host', BAR: 'b' };
    expect(parseEnvEntry('A=b=c', env)).toEqual([['A', 'b=c']]);
    expect(parseEnvEntry('A=', env)).toEqual([['A', '']]);
    expect(parseEnvEntry('FOO', env)).toEqual([['FOO', 'host']]);
    expect(parseEnvEntry('NOPE', env)).toEqual([]);
  });
  it('expands NAME* to every host variable with that prefix', () => {
    expect(parseEnvEntry('TPOD_*', { TPOD_A: '1', TPOD_B: '2', OTHER: '3' })).toEqual([
      ['TPOD_A', '1'],
      ['TPOD_B', '2'],
    ]);
  });
  it('refuses an empty name or one with white space', () => {
    expect(() => parseEnvEntry('=x', {})).toThrow(/name is empty/);
    expect(() => parseEnvEntry('A B=x', {})).toThrow(/white space/);
  });
  it('reads env files: comments, blank lines, CRLF, host passthrough', () => {
    const text = '# comment\n\nA=1\r\n  B=two words\nHOSTVAR\n#C=3\n';
    expect(parseEnvFile(text, { HOSTVAR: 'h' })).toEqual([
      ['A', '1'],
      ['B', 'two words'],
      ['HOSTVAR', 'h'],
    ]);
  });
  it('puts --env-file first and -e after, so -e wins', () => {
    const o = parseRunOptions(raw({ envFile: ['e.env'], env: ['A=from-e'] }), host({ '/home/u/e.env': 'A=from-file\nB=2' }));
    expect(o.env).toEqual([
      ['A', 'from-file'],
      ['B', '2'],
      ['A', 'from-e'],
    ]);
  });
  it('says which env file is missing', () => {
    expect(() => parseRunOptions(raw({ envFile: ['/nope.env'] }), host())).toThrow('open /nope.env: no such file or directory');
  });
});

describe('mounts in run options', () => {
  it('refuses two different mounts at the same place, allows the same one twice', () => {
    expect(() => parseRunOptions(raw({ volume: ['/exists/a:/d'], tmpfs: ['/d'] }), host())).toThrow('/d: duplicate mount destination');
    expect(parseRunOptions(raw({ volume: ['/exists/a:/d', '/exists/a:/d'] }), host()).volumes).toHaveLength(1);
  });
  it('keeps named and anonymous volumes, --volumes-from and --shm-size', () => {
    const o = parseRunOptions(raw({ volume: ['data:/data:U', '/anon'], volumesFrom: ['other:ro'], shmSize: '128m' }), host());
    expect(o.namedVolumes).toEqual([
      { name: 'data', destination: '/data', readOnly: false, options: [], chown: true },
      { destination: '/anon', readOnly: false, options: [], anonymous: true },
    ]);
    expect(o.volumesFrom).toEqual(['other:ro']);
    expect(o.shmSize).toBe(128 * 1024 * 1024);
  });
});

describe('capabilities', () => {
  it('normalises names and refuses unknown ones', () => {
    expect(normaliseCap('net_admin')).toBe('CAP_NET_ADMIN');
    expect(normaliseCap('CAP_SYS_ADMIN')).toBe('CAP_SYS_ADMIN');
    expect(normaliseCap('all')).toBe('ALL');
    expect(() => normaliseCap('fly')).toThrow(/unknown capability "fly"/);
  });
  it("starts from Podman's default set", () => {
    expect(computeCaps([], [])).toEqual(ALL_CAPS.filter((c) => DEFAULT_CAPS.includes(c)));
    expect(computeCaps([], []).length).toBe(11);
  });
  it('adds and drops', () => {
    const caps = computeCaps(['CAP_NET_ADMIN'], ['CAP_CHOWN']);
    expect(caps).toContain('CAP_NET_ADMIN');
    expect(caps).not.toContain('CAP_CHOWN');
  });
  it('drop ALL then add some', () => {
    expect(computeCaps(['CAP_KILL'], ['ALL'])).toEqual(['CAP_KILL']);
    expect(computeCaps([], ['ALL'])).toEqual([]);
  });
  it('add ALL up to what the kernel knows, minus drops', () => {
    const caps = computeCaps(['ALL'], ['CAP_SYS_ADMIN'], 40);
    expect(caps.length).toBe(40);
    expect(caps).not.toContain('CAP_SYS_ADMIN');
    expect(computeCaps(['ALL'], [], 37)).not.toContain('CAP_PERFMON');
  });
  it('refuses the same capability added and dropped', () => {
    expect(() => computeCaps(['CAP_KILL'], ['CAP_KILL'])).toThrow(/both added and dropped/);
  });
  it('accepts comma lists in one flag', () => {
    expect(parseRunOptions(raw({ capAdd: ['net_admin,sys_time'] }), host()).capAdd).toEqual(['CAP_NET_ADMIN', 'CAP_SYS_TIME']);
  });
});

describe('other flags', () => {
  it('parses --entrypoint as a command, a JSON array, or empty', () => {
    expect(parseEntrypoint('/bin/sh')).toEqual(['/bin/sh']);
    expect(parseEntrypoint('["/bin/sh","-c"]')).toEqual(['/bin/sh', '-c']);
    expect(parseEntrypoint('')).toEqual([]);
    expect(() => parseEntrypoint('[oops')).toThrow(/not a JSON array/);
  });
  it('parses sizes', () => {
    expect(parseSize('512m', '--memory')).toBe(512 * 1024 * 1024);
    expect(parseSize('1g', '--memory')).toBe(1024 ** 3);
    expect(parseSize('64kb', '--memory')).toBe(65536);
    expect(parseSize('100', '--memory')).toBe(100);
    expect(() => parseSize('lots', '--memory')).toThrow(/invalid size "lots" for --memory/);
  });
  it('checks resources', () => {
    const o = parseRunOptions(raw({ memory: '64m', cpus: '1.5', pidsLimit: '100' }), host());
    expect(o.resources).toEqual({ memory: 64 * 1024 * 1024, cpus: 1.5, pidsLimit: 100 });
    expect(() => parseRunOptions(raw({ memory: '1m' }), host())).toThrow(/minimum memory limit/);
    expect(() => parseRunOptions(raw({ cpus: '0' }), host())).toThrow(/invalid --cpus/);
    expect(() => parseRunOptions(raw({ pidsLimit: 'x' }), host())).toThrow(/invalid --pids-limit/);
  });
  it('knows no-new-privileges in its spellings and refuses unknown security options', () => {
    expect(parseRunOptions(raw({ securityOpt: ['no-new-privileges'] }), host()).noNewPrivileges).toBe(true);
    expect(parseRunOptions(raw({ securityOpt: ['no-new-privileges:true'] }), host()).noNewPrivileges).toBe(true);
    expect(parseRunOptions(raw({ securityOpt: ['label=disable'] }), host()).noNewPrivileges).toBe(false);
    expect(() => parseRunOptions(raw({ securityOpt: ['apparmor=myprofile'] }), host())).toThrow(/unsupported --security-opt/);
  });
  it('reads --network none, host, and network names (bridge: the default network)', () => {
    expect(parseRunOptions(raw(), host()).network).toBe('default');
    expect(parseRunOptions(raw({ network: 'none' }), host()).network).toBe('none');
    expect(parseRunOptions(raw({ network: 'host' }), host()).network).toBe('host');
    expect(parseRunOptions(raw({ network: 'bridge' }), host())).toMatchObject({ network: 'bridge', networkTarget: 'podman' });
    expect(parseRunOptions(raw({ network: 'a,b', ip: '10.89.0.5', networkAlias: ['x'] }), host())).toMatchObject({ network: 'bridge', networkTarget: 'a,b', staticIp: '10.89.0.5', networkAliases: ['x'] });
    expect(() => parseRunOptions(raw({ ip: '10.89.0.5' }), host())).toThrow('need --network NAME');
    expect(() => parseRunOptions(raw({ network: 'a', ip: '10.89.0.500' }), host())).toThrow('not an IPv4 address');
    expect(() => parseRunOptions(raw({ network: 'a', macAddress: 'zz' }), host())).toThrow('--mac-address zz');
  });
  it('reads --userns host, keep-id, nomap, auto (create refuses nomap and auto for now)', () => {
    expect(parseRunOptions(raw({ userns: 'keep-id' }), host()).userns).toBe('keep-id');
    expect(parseRunOptions(raw({ userns: 'host' }), host()).userns).toBe('host');
    expect(parseRunOptions(raw({}), host()).userns).toBe('default');
    expect(parseRunOptions(raw({ userns: 'nomap' }), host()).userns).toBe('nomap');
    expect(parseRunOptions(raw({ userns: 'auto:size=1024' }), host()).userns).toBe('auto');
    expect(() => parseRunOptions(raw({ userns: 'bogus' }), host())).toThrow(/unsupported --userns "bogus"/);
  });
  it('checks names, workdir and hostname', () => {
    expect(() => parseRunOptions(raw({ name: '-bad' }), host())).toThrow(/invalid container name/);
    expect(() => parseRunOptions(raw({ name: 'a/b' }), host())).toThrow(/invalid container name/);
    expect(parseRunOptions(raw({ name: 'web_1.a-b' }), host()).name).toBe('web_1.a-b');
    expect(() => parseRunOptions(raw({ workdir: 'rel' }), host())).toThrow(/must be an absolute path/);
    expect(parseRunOptions(raw({ workdir: '/a/../b/' }), host()).workdir).toBe('/b/');
    expect(() => parseRunOptions(raw({ hostname: 'has space' }), host())).toThrow(/invalid --hostname/);
  });
});
