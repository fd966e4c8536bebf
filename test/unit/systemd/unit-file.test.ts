import { describe, expect, it } from 'vitest';
import { escapeSpecifiers, execLine, parseUnit, quoteArg, quoteAssignment, serializeUnit, splitExecLine, unitValues } from '../../../src/systemd/unit-file.js';

describe('unit file writer', () => {
  it('leaves plain words alone and quotes the rest with C escapes', () => {
    expect(quoteArg('--name')).toBe('--name');
    expect(quoteArg('localhost/busybox:latest')).toBe('localhost/busybox:latest');
    expect(quoteArg('a b')).toBe('"a b"');
    expect(quoteArg('')).toBe('""');
    expect(quoteArg('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
    expect(quoteArg('back\\slash')).toBe('"back\\\\slash"');
    expect(quoteArg("it's")).toBe('"it\'s"');
    expect(quoteArg('\x01')).toBe('"\\x01"');
  });

  it('guards against specifier and variable expansion of literal values', () => {
    // A % or $ in a container's command must reach it as written, not as %n or $HOME.
    expect(quoteArg('100%n')).toBe('100%%n');
    expect(quoteArg('$HOME')).toBe('"$$HOME"');
    expect(quoteArg('${X}')).toBe('"$${X}"');
    expect(escapeSpecifiers('%t/%n')).toBe('%%t/%%n');
    expect(quoteAssignment('A', '$B c')).toBe('"A=$B c"');
  });

  it('round-trips any argv through an Exec line as systemd splits it', () => {
    const argv = ['/usr/bin/tpod', 'run', '--name', 'web', '-e', 'A=b c', 'sh', '-c', 'echo "$HOME" 100% \\ \'q\'\t;', '', 'ünï'];
    const line = execLine(argv, { wrap: true });
    const joined = line.replace(/ \\\n\t/g, ' ');
    expect(splitExecLine(joined)).toEqual(argv);
  });

  it('wraps options onto continuation lines as Podman does, and keeps verbatim words', () => {
    expect(execLine(['/bin/tpod', 'stop', '--ignore', { verbatim: '--cidfile=%t/%n.ctr-id' }], { wrap: true })).toBe(
      '/bin/tpod stop \\\n\t--ignore \\\n\t--cidfile=%t/%n.ctr-id',
    );
  });

  it('serializes sections and refuses keys and values systemd would misread', () => {
    const text = serializeUnit({ header: ['x.service', ''], sections: [{ name: 'Unit', entries: [['Description', 'x']] }, { name: 'Service', entries: [['ExecStart', '/bin/true \\\n\t-a']] }] });
    expect(text).toBe('# x.service\n#\n\n[Unit]\nDescription=x\n\n[Service]\nExecStart=/bin/true \\\n\t-a\n');
    expect(() => serializeUnit({ sections: [{ name: 'Unit', entries: [['Bad Key', 'x']] }] })).toThrow(/invalid unit key/);
    // A newline in a value would start a new directive: an injection.
    expect(() => serializeUnit({ sections: [{ name: 'Service', entries: [['Description', 'x\nExecStartPre=/bin/evil']] }] })).toThrow(/bare newline/);
  });

  it('parses units back, joining continuation lines', () => {
    const u = parseUnit('# head\n[Unit]\nA=1\n; c\n[Service]\nExecStart=/bin/x \\\n\t-a \\\n\t-b\nA=2\n');
    expect(u.header).toEqual(['head']);
    expect(unitValues(u, 'Service', 'ExecStart')).toEqual(['/bin/x  -a  -b']);
    expect(splitExecLine(unitValues(u, 'Service', 'ExecStart')[0]!)).toEqual(['/bin/x', '-a', '-b']);
    expect(unitValues(u, 'Unit', 'A')).toEqual(['1']);
  });
});
