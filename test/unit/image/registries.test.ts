// registries.conf resolution: locations, prefixes, mirrors, blocking, short names and
// the order in which the files and drop-ins are read.
import { describe, it, expect } from 'vitest';
import {
  configLocations, loadRegistriesConfig, parseRegistriesConf, mergeFragments, pullSources, resolveShortName, findRegistry, isInsecureRegistry,
} from '../../../src/image/registries.js';
import { parseReference, qualify, formatReference } from '../../../src/image/reference.js';

function cfgOf(text: string) {
  return mergeFragments('/etc/containers/registries.conf', [parseRegistriesConf(text, '/etc/containers/registries.conf')]);
}
const ref = (s: string) => qualify(parseReference(s), 'docker.io');
const D = 'sha256:' + 'c'.repeat(64);

describe('registries.conf', () => {
  it('finds the files as Podman does', () => {
    const none = () => false;
    expect(configLocations({}, '/h/.config/containers', '/etc/containers', none)).toEqual({
      mainFile: '/etc/containers/registries.conf',
      dropInDirs: ['/etc/containers/registries.conf.d', '/h/.config/containers/registries.conf.d'],
    });
    // A user registries.conf replaces the system one and its drop-in directory.
    expect(configLocations({}, '/h/.config/containers', '/etc/containers', (p) => p === '/h/.config/containers/registries.conf')).toEqual({
      mainFile: '/h/.config/containers/registries.conf',
      dropInDirs: ['/h/.config/containers/registries.conf.d'],
    });
    expect(configLocations({ CONTAINERS_REGISTRIES_CONF: '/x.conf' }, '/h/.config/containers', '/etc/containers', none).mainFile).toBe('/x.conf');
  });

  it('applies drop-ins in name order: same prefix replaced, search list replaced, aliases merged', () => {
    const files: Record<string, string> = {
      '/etc/containers/registries.conf': 'unqualified-search-registries = ["a.io"]\n[[registry]]\nlocation = "a.io"\ninsecure = true\n[aliases]\n"x" = "a.io/x"\n',
      '/etc/containers/registries.conf.d/10-b.conf': 'unqualified-search-registries = ["b.io", "a.io"]\n[[registry]]\nlocation = "a.io"\nblocked = true\n[aliases]\n"y" = "b.io/y"\n',
      '/etc/containers/registries.conf.d/05-a.conf': '[aliases]\n"x" = "c.io/x"\n',
      '/etc/containers/registries.conf.d/notes.txt': 'not toml at all = =',
    };
    const cfg = loadRegistriesConfig(
      { mainFile: '/etc/containers/registries.conf', dropInDirs: ['/etc/containers/registries.conf.d', '/nonexistent'] },
      (p) => {
        const t = files[p];
        if (t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return t;
      },
      (dir) => {
        if (dir !== '/etc/containers/registries.conf.d') throw new Error('ENOENT');
        return ['notes.txt', '10-b.conf', '05-a.conf'];
      },
    );
    expect(cfg.files).toEqual(['/etc/containers/registries.conf', '/etc/containers/registries.conf.d/05-a.conf', '/etc/containers/registries.conf.d/10-b.conf']);
    expect(cfg.unqualifiedSearch).toEqual(['b.io', 'a.io']);
    expect(cfg.registries).toHaveLength(1);
    expect(cfg.registries[0]!.blocked).toBe(true);
    expect(cfg.registries[0]!.insecure).toBe(false);
    expect(cfg.aliases.get('x')?.value).toBe('c.io/x');
    expect(cfg.aliases.get('y')?.value).toBe('b.io/y');
  });

  it('rewrites a prefix to its location and keeps tag and digest', () => {
    const cfg = cfgOf('[[registry]]\nprefix = "example.com/foo"\nlocation = "internal.example.com:5000/bar"\n');
    const s = pullSources(cfg, ref('example.com/foo/app:1'));
    expect(s.map((x) => formatReference(x.ref))).toEqual(['internal.example.com:5000/bar/app:1']);
    expect(formatReference(pullSources(cfg, ref(`example.com/foo@${D}`))[0]!.ref)).toBe(`internal.example.com:5000/bar@${D}`);
    // A prefix matches at a path boundary only.
    expect(formatReference(pullSources(cfg, ref('example.com/foobar/app'))[0]!.ref)).toBe('example.com/foobar/app:latest');
  });

  it('picks the longest matching prefix', () => {
    const cfg = cfgOf('[[registry]]\nlocation = "r.io"\n[[registry]]\nprefix = "r.io/special"\nlocation = "s.io/mirror"\ninsecure = true\n');
    expect(findRegistry(cfg, ref('r.io/special/x'))?.prefix).toBe('r.io/special');
    expect(findRegistry(cfg, ref('r.io/other/x'))?.prefix).toBe('r.io');
    expect(pullSources(cfg, ref('r.io/special/x'))[0]).toMatchObject({ insecure: true, ref: { domain: 's.io', path: 'mirror/x' } });
  });

  it('matches wildcard prefixes on host names', () => {
    const cfg = cfgOf('[[registry]]\nprefix = "*.corp.example"\ninsecure = true\n');
    expect(pullSources(cfg, ref('a.corp.example/x'))[0]).toMatchObject({ insecure: true });
    expect(pullSources(cfg, ref('corp.example/x'))[0]).toMatchObject({ insecure: false });
    expect(isInsecureRegistry(cfg, 'b.corp.example')).toBe(true);
  });

  it('tries mirrors first, honouring pull-from-mirror and mirror-by-digest-only', () => {
    const cfg = cfgOf(`
[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "m1.local:5000"
insecure = true
[[registry.mirror]]
location = "m2.local/hub"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "m3.local"
pull-from-mirror = "tag-only"
`);
    expect(pullSources(cfg, ref('busybox')).map((s) => [formatReference(s.ref), s.mirror, s.insecure])).toEqual([
      ['m1.local:5000/library/busybox:latest', true, true],
      ['m3.local/library/busybox:latest', true, false],
      ['docker.io/library/busybox:latest', false, false],
    ]);
    expect(pullSources(cfg, ref(`busybox@${D}`)).map((s) => formatReference(s.ref))).toEqual([
      `m1.local:5000/library/busybox@${D}`,
      `m2.local/hub/library/busybox@${D}`,
      `docker.io/library/busybox@${D}`,
    ]);
    const digestOnly = cfgOf('[[registry]]\nlocation = "q.io"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.q"\n');
    expect(pullSources(digestOnly, ref('q.io/a'))).toHaveLength(1);
    expect(pullSources(digestOnly, ref(`q.io/a@${D}`))).toHaveLength(2);
  });

  it('refuses blocked registries, naming the file', () => {
    const cfg = cfgOf('[[registry]]\nlocation = "bad.io"\nblocked = true\n');
    expect(() => pullSources(cfg, ref('bad.io/x'))).toThrow(/registry bad\.io is blocked in \/etc\/containers\/registries\.conf/);
  });

  it('resolves short names: an alias first, else each search registry', () => {
    const cfg = cfgOf('unqualified-search-registries = ["quay.io", "docker.io"]\n[aliases]\n"fedora" = "registry.fedoraproject.org/fedora"\n');
    const a = resolveShortName(cfg, parseReference('fedora:39'));
    expect(a.candidates.map(formatReference)).toEqual(['registry.fedoraproject.org/fedora:39']);
    expect(a.alias?.file).toBe('/etc/containers/registries.conf');
    expect(resolveShortName(cfg, parseReference('fedora')).candidates.map(formatReference)).toEqual(['registry.fedoraproject.org/fedora:latest']);
    expect(resolveShortName(cfg, parseReference('busybox')).candidates.map(formatReference)).toEqual(['quay.io/busybox:latest', 'docker.io/library/busybox:latest']);
    expect(() => resolveShortName(cfgOf(''), parseReference('busybox'))).toThrow(
      'short-name "busybox" did not resolve to an alias and no unqualified-search registries are defined in "/etc/containers/registries.conf"',
    );
  });

  it('reads the v1 format', () => {
    const cfg = cfgOf('[registries.search]\nregistries = ["a.io"]\n[registries.insecure]\nregistries = ["b.io:5000"]\n[registries.block]\nregistries = ["c.io"]\n');
    expect(cfg.unqualifiedSearch).toEqual(['a.io']);
    expect(isInsecureRegistry(cfg, 'b.io:5000')).toBe(true);
    expect(() => pullSources(cfg, ref('c.io/x'))).toThrow(/blocked/);
  });

  it('refuses broken files with the file and the reason', () => {
    expect(() => cfgOf('[[registry]]\nlocation = "http://x.io"\n')).toThrow(/URI schemes are not supported/);
    expect(() => cfgOf('[[registry]]\ninsecure = "yes"\nlocation="x.io"\n')).toThrow(/insecure must be true or false/);
    expect(() => cfgOf('[[registry]]\nprefix = "x.io"\n')).toThrow(/needs a location/);
    expect(() => cfgOf('unqualified-search-registries = "x.io"\n')).toThrow(/must be a list of strings/);
    expect(() => cfgOf('[aliases]\n"a/b:1" = "x.io/y"\n')).toThrow(/short name without registry, tag or digest/);
    expect(() => cfgOf('[aliases]\n"a" = "y"\n')).toThrow(/must name its registry/);
    expect(() => cfgOf('[[registry]\n')).toThrow(/registries\.conf:1/);
    expect(() => cfgOf('[[registry]]\nlocation="a.io"\n[[registry.mirror]]\n')).toThrow(/needs a location/);
  });
});
