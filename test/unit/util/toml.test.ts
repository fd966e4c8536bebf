import { describe, it, expect } from 'vitest';
import { parseToml, TomlError } from '../../../src/util/toml.js';

describe('toml', () => {
  it('reads what registries.conf files use', () => {
    const doc = parseToml(`
# comment
unqualified-search-registries = ["registry.fedoraproject.org", 'quay.io', # trailing comment
  "docker.io",]
short-name-mode = "enforcing"

[[registry]]
prefix = "example.com/foo"
location = "internal.example.com:5000/bar"
insecure = true   # yes

[[registry.mirror]]
location = "mirror-1.example.com"

[[registry.mirror]]
location = "mirror-2.example.com"
pull-from-mirror = "digest-only"

[[registry]]
location = "other.example.com"
blocked = false

[aliases]
"busybox" = "docker.io/library/busybox"
fedora = "registry.fedoraproject.org/fedora"
`, 'x.conf');
    expect(doc['unqualified-search-registries']).toEqual(['registry.fedoraproject.org', 'quay.io', 'docker.io']);
    const regs = doc.registry as Array<Record<string, unknown>>;
    expect(regs).toHaveLength(2);
    expect(regs[0]!.insecure).toBe(true);
    expect(regs[0]!.mirror).toEqual([{ location: 'mirror-1.example.com' }, { location: 'mirror-2.example.com', 'pull-from-mirror': 'digest-only' }]);
    expect(regs[1]).toEqual({ location: 'other.example.com', blocked: false });
    expect(doc.aliases).toEqual({ busybox: 'docker.io/library/busybox', fedora: 'registry.fedoraproject.org/fedora' });
  });

  it('handles strings, numbers, inline tables and dotted keys', () => {
    const doc = parseToml(String.raw`
a = "tab\there \u00e9 \"q\""
b = 'C:\path'
c = """
line1
line2"""
d = '''raw\n'''
e = 1_000
f = -3.5e2
g = 0x1f
h = { x = 1, y = "z" }
i.j.k = true
arr = [[1, 2], ["a"]]
`);
    expect(doc.a).toBe('tab\there é "q"');
    expect(doc.b).toBe('C:\\path');
    expect(doc.c).toBe('line1\nline2');
    expect(doc.d).toBe('raw\\n');
    expect(doc.e).toBe(1000);
    expect(doc.f).toBe(-350);
    expect(doc.g).toBe(31);
    expect(doc.h).toEqual({ x: 1, y: 'z' });
    expect(doc.i).toEqual({ j: { k: true } });
    expect(doc.arr).toEqual([[1, 2], ['a']]);
  });

  it('names the file and line of an error', () => {
    expect(() => parseToml('a = 1\nb = [1,\n', 'f.conf')).toThrow(/f\.conf:3: unterminated array/);
    expect(() => parseToml('a = "x\n', 'f.conf')).toThrow(/f\.conf:1: unterminated string/);
    expect(() => parseToml('a = 1\na = 2', 'f.conf')).toThrow(/defined twice/);
    expect(() => parseToml('[t]\n[t]\n', 'f.conf')).toThrow(/defined twice/);
    expect(() => parseToml('a = 1 b', 'f.conf')).toThrow(TomlError);
    expect(() => parseToml('d = 1979-05-27', 'f.conf')).toThrow(/dates/);
  });
});
