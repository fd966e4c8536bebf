import { describe, it, expect } from 'vitest';
import { formatUptime, infoTemplateView, packageOf, parseOsRelease, toYaml } from '../../../src/engine/info.js';
import { renderTemplate } from '../../../src/cli/format.js';

describe('info', () => {
  it('reads the distribution from os-release as Podman does', () => {
    expect(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'))
      .toEqual({ distribution: 'debian', version: '12', codename: 'bookworm' });
    expect(parseOsRelease('ID=fedora\nVARIANT_ID=workstation\nVERSION_ID=40\n')).toEqual({ distribution: 'fedora', variant: 'workstation', version: '40' });
  });
  it("names fields as Podman's Go structs do in templates, keeping maps as maps", () => {
    const view = infoTemplateView({
      host: { cgroupVersion: 'v2', ociRuntime: { name: 'crun' }, distribution: { distribution: 'debian', version: '12' }, idMappings: { uidmap: [{ container_id: 0 }] } },
      store: { graphOptions: {}, graphStatus: { 'Backing Filesystem': 'extfs' } },
      registries: { search: ['docker.io'] },
    });
    expect(renderTemplate('{{.Host.CgroupsVersion}} {{.Host.OCIRuntime.Name}} {{.Host.Distribution.Distribution}}{{.Host.Distribution.Version}}', view)).toBe('v2 crun debian12');
    expect(renderTemplate('{{.Store.GraphOptions}} {{index .Store.GraphStatus "Backing Filesystem"}} {{.Registries.search}}', view)).toBe('map[] extfs [docker.io]');
    expect(renderTemplate('{{(index .Host.IDMappings.UIDMap 0).ContainerID}}', view)).toBe('0');
  });
  it("prints Podman's uptime", () => {
    expect(formatUptime(9484)).toBe('2h 38m 4.00s (Approximately 0.11 days)');
  });
  it('finds the package of a file through dpkg, else rpm, else says Unknown', () => {
    const dpkg = (cmd: string, args: string[]): string => {
      if (args[0] === '-S') return 'crun: /usr/bin/crun';
      if (args[0] === '-f') return 'crun_1.8.1-1+deb12u1_amd64';
      return '';
    };
    expect(packageOf('/usr/bin/crun', dpkg)).toBe('crun_1.8.1-1+deb12u1_amd64');
    expect(packageOf('/usr/bin/crun', (c) => (c === 'rpm' ? 'crun-1.14-1.fc40.x86_64' : ''))).toBe('crun-1.14-1.fc40.x86_64');
    expect(packageOf('/opt/x', () => '')).toBe('Unknown');
  });
  it('quotes numeric strings in YAML and prints multi-line values as blocks', () => {
    expect(toYaml({ version: '12', v: 'a\nb' })).toBe('version: "12"\nv: |-\n  a\n  b\n');
  });
});
