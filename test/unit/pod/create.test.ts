import { describe, it, expect } from 'vitest';
import { parseShare, parsePodCreateOptions, checkPodIdFile, type RawPodCreateFlags } from '../../../src/pod/create.js';
import { parseRunOptions, type HostAccess } from '../../../src/runtime/options.js';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const host: HostAccess = { env: {}, cwd: '/work', readFile: () => '', stat: () => undefined };
const parse = (raw: RawPodCreateFlags) => parsePodCreateOptions(raw, host, parseRunOptions);

describe('--share', () => {
  it('defaults to ipc,net,uts; a list replaces it; +LIST adds to it', () => {
    expect(parseShare(undefined)).toEqual(['ipc', 'net', 'uts']);
    expect(parseShare('net')).toEqual(['net']);
    expect(parseShare('pid,net,pid')).toEqual(['pid', 'net']);
    expect(parseShare('+pid')).toEqual(['ipc', 'net', 'uts', 'pid']);
    expect(parseShare('none')).toEqual([]);
  });

  it("refuses an unknown namespace with Podman's message", () => {
    expect(() => parseShare('ipc,foo')).toThrow('invalid kernel namespace to share: foo. Options are: cgroup, ipc, net, pid, uts or none');
  });

  it('says clearly that cgroup is not shared by tpod', () => {
    expect(() => parseShare('cgroup')).toThrow(/tpod cannot share the cgroup namespace/);
    expect(() => parseShare('none,net')).toThrow(/"none" cannot be combined/);
  });
});

describe('pod create options', () => {
  it('takes the infra network flags through run\'s checks', () => {
    const o = parse({ name: 'web', publish: ['8080:80'], dns: ['1.1.1.1'], addHost: ['db:10.0.0.2'], label: ['a=b', 'c'] });
    expect(o.name).toBe('web');
    expect(o.labels).toEqual({ a: 'b', c: '' });
    expect(o.share).toEqual(['ipc', 'net', 'uts']);
    expect(o.infra?.publish?.[0]).toMatchObject({ hostPort: 8080, containerPort: 80, protocol: 'tcp' });
    expect(o.infra?.dns).toEqual(['1.1.1.1']);
    expect(o.infra?.addHosts).toEqual([['db', '10.0.0.2']]);
    expect(o.exitPolicy).toBe('continue');
  });

  it('refuses bad names, hostnames, exit policies and ports', () => {
    expect(() => parse({ name: 'bad name' })).toThrow('invalid pod name "bad name"');
    expect(() => parse({ hostname: '-x' })).toThrow('invalid --hostname');
    expect(() => parse({ exitPolicy: 'foo' })).toThrow('invalid pod exit policy: "foo"');
    expect(() => parse({ publish: ['99999:80'] })).toThrow();
  });

  it('--infra=false with -p: the ports have nobody to hold them', () => {
    expect(() => parse({ infra: false, publish: ['8080:80'] })).toThrow('you must have an infra container to publish port bindings to the host');
    expect(() => parse({ infra: false, network: 'none' })).toThrow(/--infra=false and --network/);
    expect(() => parse({ infra: false, dns: ['1.1.1.1'] })).toThrow(/--infra=false and --dns/);
    expect(() => parse({ infra: false, share: 'net' })).toThrow('cannot set share(net) namespaces without an infra container');
  });

  it('--infra=false shares nothing and has no infra options', () => {
    const o = parse({ infra: false });
    expect(o.share).toEqual([]);
    expect(o.infra).toBeUndefined();
  });

  it('a hostname needs the uts namespace shared', () => {
    expect(() => parse({ hostname: 'h', share: 'net' })).toThrow(/--share uts/);
    expect(parse({ hostname: 'h' }).hostname).toBe('h');
  });

  it('an infra whose network nobody shares gets none (no network helper for nobody)', () => {
    expect(parse({ share: 'ipc,uts' }).infra?.network).toBe('none');
    expect(parse({}).infra?.network).toBe('default');
  });

  it('ports without a shared network would apply to nobody', () => {
    expect(() => parse({ share: 'ipc', publish: ['8080:80'] })).toThrow(/does not share its network/);
  });

  it('takes --network private or host without a shared network (the infra keeps host, else none)', () => {
    expect(parse({ share: 'ipc', network: 'private' }).infra?.network).toBe('none');
    expect(parse({ share: 'ipc', network: 'host' }).infra?.network).toBe('host');
  });

  it('resolves the id and pid files against the working directory', () => {
    const o = parse({ podIdFile: 'p.id', infraConmonPidFile: '/run/x.pid', exitPolicy: 'stop', replace: true });
    expect(o.podIdFile).toBe('/work/p.id');
    expect(o.infraConmonPidFile).toBe('/run/x.pid');
    expect(o.exitPolicy).toBe('stop');
    expect(o.replace).toBe(true);
  });

  it('refuses an existing pod id file (guards against overwriting another pod\'s id file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpod-podid-'));
    try {
      const f = join(dir, 'id');
      checkPodIdFile(f);
      writeFileSync(f, 'x');
      expect(() => checkPodIdFile(f)).toThrow(`pod id file exists. Ensure another pod is not using it or delete ${f}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pod create -v', () => {
  it('gives the volumes to the infra, and needs one', () => {
    expect(parse({ volume: ['data:/data'] }).infra?.namedVolumes).toEqual([expect.objectContaining({ name: 'data', destination: '/data' })]);
    expect(() => parse({ infra: false, volume: ['data:/data'] })).toThrow(/--infra=false and --volume cannot be used together/);
  });
});
