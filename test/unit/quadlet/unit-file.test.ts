import { describe, it, expect } from 'vitest';
import { TpodError } from '../../../src/errors.js';
import { UnitFile, type Diagnostic } from '../../../src/quadlet/unit-file.js';

const parse = (text: string, path = '/q/web.container'): UnitFile => UnitFile.parse(text, path);

describe('UnitFile.parse', () => {
  it('reads sections, keys and values with their line numbers', () => {
    const f = parse('# top\n[Unit]\nDescription = Web server\n\n[Container]\nImage=nginx\n; note\nExec=a b\n');
    expect(f.filename).toBe('web.container');
    expect(f.sections.map((s) => s.name)).toEqual(['Unit', 'Container']);
    expect(f.lookup('Unit', 'Description')).toBe('Web server');
    expect(f.lastEntry('Container', 'Exec')?.where).toEqual({ path: '/q/web.container', line: 8 });
  });
  it('joins continued lines (a trailing backslash), skipping comments inside, and keeps the first line number', () => {
    const f = parse('[Container]\nExec=sh -c \\\n# skipped\n  "echo hi"\nImage=x\n');
    expect(f.lookupLastArgs('Container', 'Exec')).toEqual(['sh', '-c', 'echo hi']);
    expect(f.lastEntry('Container', 'Exec')?.where?.line).toBe(2);
    expect(f.lastEntry('Container', 'Image')?.where?.line).toBe(5);
  });
  it('merges a section given twice', () => {
    const f = parse('[Container]\nImage=a\n[Unit]\nDescription=x\n[Container]\nExec=b\n');
    expect(f.sections.map((s) => s.name)).toEqual(['Container', 'Unit']);
    expect(f.lookup('Container', 'Exec')).toBe('b');
  });
  it('names FILE:LINE for a line that is not a key, a header or a comment', () => {
    let err: unknown;
    try {
      parse('[Container]\nImage=a\nthis is not valid\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TpodError);
    expect((err as TpodError).code).toBe('EQUADLET');
    expect((err as TpodError).message).toMatch(/^\/q\/web\.container:3: "this is not valid" is not/);
  });
  it('refuses a key before the first section, with its line', () => {
    expect(() => parse('\nImage=a\n[Container]\n')).toThrow(/web\.container:2: Image= comes before the first \[Section\]/);
  });
  it('refuses a broken section header', () => {
    expect(() => parse('[Container\nImage=a\n')).toThrow(/:1: invalid section header/);
  });
  it('accepts CRLF line ends', () => {
    expect(parse('[Container]\r\nImage=a\r\n').lookup('Container', 'Image')).toBe('a');
  });
});

describe('UnitFile lookups', () => {
  const f = parse(
    [
      '[Container]',
      'Image="quoted"',
      'Volume=/a:/a',
      'Volume=',
      'Volume=/b:/b',
      'Volume=/c:/c',
      'Environment=A=1 "B=two words"',
      'Environment=C',
      'Label=x=1 stray',
      'Notify=maybe',
      'RunInit=yes',
      'AddCapability=NET_ADMIN "SYS TIME"',
      'PodmanArgs=--foo "bar baz" \\x41',
    ].join('\n'),
  );
  it('strips one pair of quotes from single values', () => {
    expect(f.lookup('Container', 'Image')).toBe('quoted');
  });
  it('clears a list at an empty value', () => {
    expect(f.lookupAll('Container', 'Volume')).toEqual(['/b:/b', '/c:/c']);
  });
  it('reads KEY=VALUE words, quoted ones whole, a bare word as a key alone', () => {
    expect(f.lookupAllKeyVal('Container', 'Environment')).toEqual([['A', '1'], ['B', 'two words'], ['C', undefined]]);
  });
  it('warns, with FILE:LINE, about a bare word after an assignment (an unquoted value with spaces)', () => {
    const diag: Diagnostic[] = [];
    f.lookupAllKeyVal('Container', 'Label', diag);
    expect(diag).toHaveLength(1);
    expect(diag[0]!.where).toEqual({ path: '/q/web.container', line: 9 });
    expect(diag[0]!.message).toMatch(/"stray" has no "="/);
  });
  it('reads booleans and warns about a value that is not one', () => {
    const diag: Diagnostic[] = [];
    expect(f.lookupBoolean('Container', 'RunInit', diag)).toBe(true);
    expect(f.lookupBoolean('Container', 'Notify', diag)).toBe(false);
    expect(f.lookupBoolean('Container', 'Missing', diag)).toBeUndefined();
    expect(diag.map((d) => d.where?.line)).toEqual([10]);
    expect(diag[0]!.message).toMatch(/Notify=maybe is not a boolean/);
  });
  it('splits list keys (no escapes) and argument keys (C escapes)', () => {
    expect(f.lookupAllStrv('Container', 'AddCapability')).toEqual(['NET_ADMIN', 'SYS TIME']);
    expect(f.lookupAllArgs('Container', 'PodmanArgs')).toEqual(['--foo', 'bar baz', 'A']);
  });
  it('reads an unknown escape without unescaping, and says where', () => {
    const g = parse('[Container]\nExec=echo a\\qb\n');
    const diag: Diagnostic[] = [];
    expect(g.lookupLastArgs('Container', 'Exec', diag)).toEqual(['echo', 'aqb']);
    expect(diag[0]!.where?.line).toBe(2);
  });
});

describe('UnitFile changes and writing', () => {
  it('renames a section (merging into an existing one) and writes sections in order with comments', () => {
    const f = parse('# head\n[Unit]\nDescription=d\n# c\n[Container]\nImage=i\n[Install]\nWantedBy=default.target\n');
    const s = f.dup('web.service');
    s.renameSection('Container', 'X-Container');
    s.add('Service', 'ExecStart', '/bin/true');
    s.prepend('Unit', 'Wants', 'x.service');
    s.set('Unit', 'Description', 'new');
    expect(s.filename).toBe('web.service');
    expect(s.toString(['Generated'])).toBe(
      ['# Generated', '', '[Unit]', 'Wants=x.service', 'Description=new', '# c', '', '[X-Container]', 'Image=i', '', '[Install]', 'WantedBy=default.target', '', '[Service]', 'ExecStart=/bin/true', ''].join('\n'),
    );
  });
  it('merges a drop-in after the file itself', () => {
    const f = parse('[Container]\nImage=a\n');
    f.merge(UnitFile.parse('[Container]\nImage=b\n[Service]\nRestart=always\n', '/q/web.container.d/10.conf'));
    expect(f.lookup('Container', 'Image')).toBe('b');
    expect(f.lastEntry('Container', 'Image')?.where?.path).toBe('/q/web.container.d/10.conf');
    expect(f.lookup('Service', 'Restart')).toBe('always');
  });
});
