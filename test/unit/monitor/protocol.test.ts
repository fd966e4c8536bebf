import { describe, it, expect } from 'vitest';
import {
  AttachFrame,
  FrameDecoder,
  LineSplitter,
  encodeFrame,
  encodeResize,
  formatExitFile,
  parseExitFile,
  parseSyncLine,
  serializeSyncMessage,
  type SyncMessage,
} from '../../../src/monitor/protocol.js';
import { entryTimeNs, logLines, parseLogLine } from '../../../src/monitor/log-file.js';
import { monitorArgv, runtimeErrorText } from '../../../src/monitor/spawn.js';

describe('sync protocol', () => {
  it('parses every message the monitor sends', () => {
    expect(parseSyncLine('{"version":1,"type":"monitor","pid":10}')).toEqual({ type: 'monitor', pid: 10 });
    expect(parseSyncLine('{"version":1,"type":"created","pid":42}')).toEqual({ type: 'created', pid: 42 });
    expect(parseSyncLine('{"version":1,"type":"started"}')).toEqual({ type: 'started' });
    expect(parseSyncLine('{"version":1,"type":"exited","exitCode":137,"oomKilled":true}')).toEqual({ type: 'exited', exitCode: 137, oomKilled: true });
    expect(parseSyncLine('{"version":1,"type":"error","stage":"create","message":"no \\"x\\"\\n"}')).toEqual({
      type: 'error',
      stage: 'create',
      message: 'no "x"\n',
    });
  });
  it('round-trips through serializeSyncMessage', () => {
    const msgs: SyncMessage[] = [
      { type: 'monitor', pid: 1 },
      { type: 'created', pid: 2 },
      { type: 'started' },
      { type: 'exited', exitCode: 0, oomKilled: false },
      { type: 'error', stage: 'start', message: 'a\u0001b' },
    ];
    for (const m of msgs) {
      const line = serializeSyncMessage(m);
      expect(line.endsWith('\n')).toBe(true);
      expect(parseSyncLine(line.trim())).toEqual(m);
    }
  });
  it('refuses another protocol version with a message that says what to do', () => {
    expect(() => parseSyncLine('{"version":2,"type":"started"}')).toThrow(/protocol version 2.*reinstall/);
  });
  it('refuses malformed messages instead of guessing', () => {
    for (const bad of [
      'not json',
      '[]',
      '{"version":1}',
      '{"version":1,"type":"created"}',
      '{"version":1,"type":"created","pid":-1}',
      '{"version":1,"type":"created","pid":"12"}',
      '{"version":1,"type":"exited","exitCode":256,"oomKilled":false}',
      '{"version":1,"type":"exited","exitCode":1}',
      '{"version":1,"type":"error","stage":"later","message":"x"}',
      '{"version":1,"type":"surprise"}',
    ]) {
      expect(() => parseSyncLine(bad), bad).toThrow(/malformed/);
    }
  });
  it('splits lines across chunks', () => {
    const s = new LineSplitter();
    expect(s.push('{"a":')).toEqual([]);
    expect(s.push('1}\n{"b"')).toEqual(['{"a":1}']);
    expect(s.push(':2}\n\n')).toEqual(['{"b":2}']);
    expect(s.pending).toBe('');
  });
});

describe('exit file', () => {
  it('reads the code and the OOM mark', () => {
    expect(parseExitFile('0\n')).toEqual({ exitCode: 0, oomKilled: false });
    expect(parseExitFile('137\noom\n')).toEqual({ exitCode: 137, oomKilled: true });
    expect(parseExitFile(formatExitFile({ exitCode: 3, oomKilled: false }))).toEqual({ exitCode: 3, oomKilled: false });
  });
  it('treats a partial or foreign file as no exit file', () => {
    expect(parseExitFile('')).toBeUndefined();
    expect(parseExitFile('12')).toBeUndefined();
    expect(parseExitFile('999\n')).toBeUndefined();
    expect(parseExitFile('x\n')).toBeUndefined();
  });
});

describe('attach frames', () => {
  it('encodes type, big-endian length and payload', () => {
    expect([...encodeFrame(AttachFrame.STDIN, 'hi')]).toEqual([0, 0, 0, 0, 2, 104, 105]);
    expect([...encodeResize(24, 80)]).toEqual([5, 0, 0, 0, 4, 0, 24, 0, 80]);
  });
  it('reassembles frames split anywhere', () => {
    const bytes = Buffer.concat([encodeFrame(AttachFrame.STDOUT, 'hello'), encodeFrame(AttachFrame.STDERR, ''), encodeFrame(AttachFrame.EXIT, '3')]);
    const d = new FrameDecoder();
    const got = [];
    for (const b of bytes) got.push(...d.push(Buffer.from([b])));
    expect(got.map((f) => [f.type, f.payload.toString()])).toEqual([
      [1, 'hello'],
      [2, ''],
      [3, '3'],
    ]);
  });
});

describe('k8s-file log', () => {
  it('parses entries and joins partial lines', () => {
    const text = [
      '2024-05-01T12:34:56.123456789+02:00 stdout F hello world',
      '2024-05-01T12:34:56.200000000+02:00 stdout P par',
      '2024-05-01T12:34:56.300000000+02:00 stderr F oops',
      '2024-05-01T12:34:57.000000000+02:00 stdout F tial',
      'garbage',
      '',
    ].join('\n');
    expect(parseLogLine('2024-05-01T12:34:56.123456789+02:00 stderr P a b ')).toEqual({
      time: '2024-05-01T12:34:56.123456789+02:00',
      stream: 'stderr',
      partial: true,
      text: 'a b ',
    });
    expect(logLines(text).map((e) => [e.stream, e.text])).toEqual([
      ['stdout', 'hello world'],
      ['stderr', 'oops'],
      ['stdout', 'partial'],
    ]);
  });
  it('turns the timestamp into nanoseconds', () => {
    expect(entryTimeNs('1970-01-01T00:00:01.000000002Z')).toBe(1_000_000_002n);
    expect(entryTimeNs('1970-01-01T02:00:01.5+02:00')).toBe(1_500_000_000n);
    expect(entryTimeNs('yesterday')).toBeUndefined();
  });
});

describe('monitorArgv', () => {
  it('passes every option the monitor understands', () => {
    expect(
      monitorArgv({
        containerId: 'abc',
        bundle: '/b',
        runtime: '/usr/bin/crun',
        runtimeArgs: ['--root', '/r'],
        pidFile: '/p',
        exitFile: '/e',
        logPath: '/l',
        logSizeMax: 1000,
        attachSocket: '/s/attach',
        terminal: true,
        stdin: true,
        exitCommand: ['/usr/bin/tpod', 'container', 'cleanup', 'abc'],
        joinPid: 77,
        sdNotify: 'conmon',
      }),
    ).toEqual([
      '--id', 'abc', '--bundle', '/b', '--runtime', '/usr/bin/crun',
      '--runtime-arg', '--root', '--runtime-arg', '/r',
      '--pid-file', '/p', '--exit-file', '/e', '--log-path', '/l', '--log-size-max', '1000',
      '--attach-socket', '/s/attach', '--terminal', '--stdin',
      '--exit-command', '/usr/bin/tpod', '--exit-command-arg', 'container', '--exit-command-arg', 'cleanup', '--exit-command-arg', 'abc',
      '--sync-fd', '3', '--start-fd', '4', '--join-pid', '77', '--sdnotify', 'conmon',
    ]);
  });
});

describe('runtimeErrorText', () => {
  it("keeps runc's error-level logrus messages and drops its warnings", () => {
    const raw =
      'time="2026-11-22T06:27:11Z" level=warning msg="unable to get oom kill count" error="no directory specified"\n' +
      'time="2026-11-22T06:27:11Z" level=error msg="runc create failed: exec: \\"/nonexistent\\": stat /nonexistent: no such file or directory"\n';
    expect(runtimeErrorText(raw)).toBe('runc create failed: exec: "/nonexistent": stat /nonexistent: no such file or directory');
  });
  it('keeps plain text as it is', () => {
    expect(runtimeErrorText('crun: executable file `x` not found in $PATH: No such file or directory\n')).toBe(
      'crun: executable file `x` not found in $PATH: No such file or directory',
    );
  });
});
