import { describe, it, expect } from 'vitest';
import { argsOf, featuresWithout, gen, unitOf } from './fixtures.js';

describe('.volume -> -volume.service', () => {
  it('creates the volume once (oneshot, remains active), named systemd-NAME', () => {
    const r = gen({ 'data.volume': '[Volume]\nLabel=a=b\nUser=1000\nGroup=100\nCopy=no\nPodmanArgs=--opt x=y\n' });
    const s = unitOf(r, 'data-volume.service');
    expect(argsOf(s, 'ExecStart')).toEqual(['volume', 'create', '--ignore', '--opt', 'nocopy', '--opt', 'o=uid=1000,gid=100', '--label', 'a=b', '--opt', 'x=y', 'systemd-data']);
    expect(s.lookup('Service', 'Type')).toBe('oneshot');
    expect(s.lookup('Service', 'RemainAfterExit')).toBe('yes');
    expect(s.lookup('X-Volume', 'Label')).toBe('a=b');
  });
  it('Device= with Type=bind is mounted before; Type= or Options= without Device= is an error', () => {
    const s = unitOf(gen({ 'd.volume': '[Volume]\nDevice=/srv/d\nType=bind\nOptions=rbind\n' }), 'd-volume.service');
    expect(argsOf(s, 'ExecStart')).toEqual(['volume', 'create', '--ignore', '--opt', 'device=/srv/d', '--opt', 'type=bind', '--opt', 'o=rbind', 'systemd-d']);
    expect(s.lookupAll('Unit', 'RequiresMountsFor')).toContain('/srv/d');
    expect(gen({ 'd.volume': '[Volume]\nType=tmpfs\n' }).errors[0]?.message).toMatch(/d\.volume:2: Type= needs Device=/);
  });
  it('is refused, saying why, by a tpod without volume create', () => {
    const r = gen({ 'data.volume': '[Volume]\n' }, featuresWithout(['volume create']));
    expect(r.errors[0]?.message).toMatch(/^\/q\/data\.volume: this tpod has no named volumes \(`tpod volume create`\)/);
  });
});

describe('.network -> -network.service', () => {
  it('creates the network with its subnets, gateways and options', () => {
    const r = gen({ 'net.network': '[Network]\nNetworkName=backend\nSubnet=10.89.0.0/24\nGateway=10.89.0.1\nInternal=yes\nDNS=9.9.9.9\nOptions=mtu=1400\nNetworkDeleteOnStop=yes\n' });
    const s = unitOf(r, 'net-network.service');
    expect(argsOf(s, 'ExecStart')).toEqual(['network', 'create', '--ignore', '--internal', '--dns', '9.9.9.9', '--subnet', '10.89.0.0/24', '--gateway', '10.89.0.1', '--opt', 'mtu=1400', 'backend']);
    expect(argsOf(s, 'ExecStopPost')).toEqual(['network', 'rm', 'backend']);
  });
  it('refuses gateways without subnets', () => {
    expect(gen({ 'n.network': '[Network]\nGateway=10.0.0.1\n' }).errors[0]?.message).toMatch(/Gateway= and IPRange= need a Subnet=/);
  });
  it('is refused, saying why, by a tpod without network create', () => {
    expect(gen({ 'n.network': '[Network]\n' }, featuresWithout(['network create'])).errors[0]?.message).toMatch(/no named networks/);
  });
});

describe('.image -> -image.service', () => {
  it('pulls once with the given options', () => {
    const s = unitOf(gen({ 'base.image': '[Image]\nImage=127.0.0.1:5000/busybox:latest\nTLSVerify=false\nArch=arm64\n' }), 'base-image.service');
    expect(argsOf(s, 'ExecStart')).toEqual(['image', 'pull', '--arch', 'arm64', '--tls-verify=false', '127.0.0.1:5000/busybox:latest']);
    expect(s.lookup('Service', 'Type')).toBe('oneshot');
  });
  it('needs Image=', () => {
    expect(gen({ 'base.image': '[Image]\nArch=amd64\n' }).errors[0]?.message).toMatch(/^\/q\/base\.image: no Image= in the \[Image\] section/);
  });
});

describe('.pod -> -pod.service', () => {
  it('creates the pod before start, starts, stops and removes it', () => {
    const s = unitOf(gen({ 'web.pod': '[Pod]\nPublishPort=8080:80\nLabel=x=y\n' }), 'web-pod.service');
    expect(argsOf(s, 'ExecStartPre')).toEqual([
      'pod', 'create', '--infra-conmon-pidfile=%t/%N.pid', '--replace', '--exit-policy', 'stop', '--publish', '8080:80', '--label', 'x=y', '--infra-name', 'systemd-web-infra', '--name', 'systemd-web',
    ]);
    expect(argsOf(s, 'ExecStart')).toEqual(['pod', 'start', 'systemd-web']);
    expect(argsOf(s, 'ExecStop')).toEqual(['pod', 'stop', '--ignore', '--time=10', 'systemd-web']);
    expect(argsOf(s, 'ExecStopPost')).toEqual(['pod', 'rm', '--ignore', '--force', 'systemd-web']);
    expect(s.lookup('Service', 'Type')).toBe('forking');
    expect(s.lookup('Service', 'PIDFile')).toBe('%t/%N.pid');
  });
  it('is refused by a tpod without pods', () => {
    expect(gen({ 'web.pod': '[Pod]\n' }, featuresWithout(['pod create'])).errors[0]?.message).toMatch(/no pods/);
  });
});

describe('kinds tpod cannot run', () => {
  it('.kube and .build files are errors that name the file', () => {
    const r = gen({ 'a.kube': '[Kube]\nYaml=a.yaml\n', 'b.build': '[Build]\nImageTag=x\n' });
    expect(r.units).toEqual([]);
    expect(r.errors.map((e) => e.message)).toEqual([
      '/q/b.build: tpod does not support .build Quadlet files (no `tpod build`)',
      '/q/a.kube: tpod does not support .kube Quadlet files (no `tpod kube play`)',
    ]);
  });
});
