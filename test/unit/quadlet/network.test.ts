// .network files with the features of this very tpod (its own command definitions): every
// key the translation knows reaches `network create` with flags tpod has, and
// Network=X.network in .container and .pod files names the network and waits for it.
import { describe, it, expect } from 'vitest';
import { commands } from '../../../src/cli/commands/index.js';
import { featuresFromCommands } from '../../../src/quadlet/features.js';
import { argsOf, gen, unitOf } from './fixtures.js';

const tpodFeatures = featuresFromCommands(commands);

describe('.network with this tpod', () => {
  it('translates every key to network create --ignore, named systemd-X by default', () => {
    const r = gen(
      {
        'backend.network': [
          '[Network]',
          'Subnet=10.90.3.0/24',
          'Gateway=10.90.3.1',
          'IPRange=10.90.3.128/25',
          'Internal=yes',
          'DisableDNS=yes',
          'Driver=bridge',
          'Label=tier=db',
          'Options=mtu=1400',
          'PodmanArgs=--ipam-driver host-local',
          '',
        ].join('\n'),
      },
      tpodFeatures,
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    const s = unitOf(r, 'backend-network.service');
    expect(argsOf(s, 'ExecStart')).toEqual([
      'network', 'create', '--ignore', '--disable-dns', '--internal', '--driver', 'bridge',
      '--subnet', '10.90.3.0/24', '--gateway', '10.90.3.1', '--ip-range', '10.90.3.128/25',
      '--opt', 'mtu=1400', '--label', 'tier=db', '--ipam-driver', 'host-local', 'systemd-backend',
    ]);
    expect(s.lookup('Service', 'Type')).toBe('oneshot');
    expect(s.lookup('Service', 'RemainAfterExit')).toBe('yes');
  });

  it('NetworkName= names it; Network=X.network in a .container and a .pod resolves to that name and requires its service', () => {
    const r = gen(
      {
        'front.network': '[Network]\nNetworkName=frontnet\n',
        'plain.network': '[Network]\n',
        'web.container': '[Container]\nImage=localhost/busybox\nNetwork=front.network\nNetwork=plain.network\n',
        'grp.pod': '[Pod]\nNetwork=front.network\n',
      },
      tpodFeatures,
    );
    expect(r.errors).toEqual([]);
    expect(argsOf(unitOf(r, 'front-network.service'), 'ExecStart')).toEqual(['network', 'create', '--ignore', 'frontnet']);
    const web = unitOf(r, 'web.service');
    expect(argsOf(web, 'ExecStart')).toEqual(expect.arrayContaining(['--network', 'frontnet', '--network', 'systemd-plain']));
    expect(web.lookupAll('Unit', 'Requires')).toEqual(expect.arrayContaining(['front-network.service', 'plain-network.service']));
    expect(web.lookupAll('Unit', 'After')).toEqual(expect.arrayContaining(['front-network.service', 'plain-network.service']));
    const pod = unitOf(r, 'grp-pod.service');
    const podCreate = pod.lookupAll('Service', 'ExecStartPre').join(' ');
    expect(podCreate).toContain('--network frontnet');
    expect(pod.lookupAll('Unit', 'Requires')).toContain('front-network.service');
    expect(pod.lookupAll('Unit', 'After')).toContain('front-network.service');
  });

  it('a key tpod has no flag for is a warning naming its line, not a broken unit', () => {
    const r = gen({ 'n.network': '[Network]\nInterfaceName=br9\n' }, tpodFeatures);
    expect(r.errors).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(/n\.network:2/);
    expect(argsOf(unitOf(r, 'n-network.service'), 'ExecStart')).toEqual(['network', 'create', '--ignore', 'systemd-n']);
  });
});
