import { describe, it, expect } from 'vitest';
import { parseLogConfig, parseRunExtras, zoneFile } from '../../../src/runtime/run-extras.js';
import { compactSize } from '../../../src/util/units.js';
import { processEnv, withListenEnv } from '../../../src/runtime/spec.js';
import { parseRunOptions } from '../../../src/runtime/options.js';

const host = { env: {}, cwd: '/', readFile: () => '', stat: () => undefined };

describe('run extras', () => {
  it("reads --log-driver and --log-opt with Podman's errors", () => {
    expect(parseLogConfig('json-file', ['max-size=1.234m', 'path=/tmp/x.log', 'tag=t', 'mode=non-blocking'])).toEqual({ driver: 'json-file', size: 1_234_000, path: '/tmp/x.log', tag: 't', options: { mode: 'non-blocking' } });
    expect(() => parseLogConfig('InvalidDriver')).toThrow('running container create option: invalid log driver: invalid argument');
    expect(() => parseLogConfig('journald')).toThrow(/no journald log driver/);
    expect(() => parseLogConfig(undefined, ['nokey'])).toThrow('invalid log option, must be in key=value format');
    expect(compactSize(1_234_000)).toBe('1.234MB');
    expect(compactSize(0)).toBe('0B');
  });
  it('checks --group-add, --systemd, --attach, --preserve-fds and --timeout', () => {
    expect(() => parseRunExtras({ groupAdd: ['keep-groups', '457'] })).toThrow("the '--group-add keep-groups' option is not allowed with any other --group-add options");
    expect(parseRunExtras({ groupAdd: ['1,2', 'wheel'] }).groupAdd).toEqual(['1', '2', 'wheel']);
    expect(() => parseRunExtras({ systemd: 'maybe' })).toThrow(/systemd option requires "true, false, always"/);
    expect(parseRunExtras({ attach: ['stdin', 'STDERR'] }).attach).toEqual(['stdin', 'stderr']);
    expect(() => parseRunExtras({ attach: ['stdbad'] })).toThrow(/invalid stream "stdbad" for --attach/);
    expect(parseRunExtras({ preserveFds: '2', timeout: '10' })).toMatchObject({ preserveFds: 2, timeout: 10 });
    expect(() => parseRunExtras({ timeout: 'x' })).toThrow(/strconv.ParseUint/);
  });
  it('finds --tz zones under zoneinfo and refuses unknown ones', () => {
    expect(zoneFile('UTC')).toMatch(/zoneinfo\/.*UTC$/);
    expect(() => zoneFile('Nowhere/Bogus')).toThrow('finding timezone: unknown time zone Nowhere/Bogus');
    expect(() => zoneFile('../../etc/passwd')).toThrow(/unknown time zone/);
  });
  it('--unsetenv, --unsetenv-all, --http-proxy and systemd mode shape the environment', () => {
    const base = parseRunOptions({ image: 'i', command: [] }, host);
    const env = (extra: Record<string, unknown>, hostEnv: NodeJS.ProcessEnv = {}): string[] => processEnv({ Env: ['FOO=1'] }, { ...base, ...extra }, 'h', '/root', { id: 'a'.repeat(64), hostEnv });
    expect(env({})).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm', 'container=podman', 'FOO=1', 'HOSTNAME=h', 'HOME=/root']);
    expect(env({ unsetEnv: ['TERM', 'FOO'] })).not.toContain('TERM=xterm');
    expect(env({ unsetEnvAll: true, env: [['TERM', 'abc']] })).toEqual(['TERM=abc']);
    expect(env({}, { http_proxy: 'http://p:3128' })).toContain('http_proxy=http://p:3128');
    expect(env({ httpProxy: false }, { http_proxy: 'http://p:3128' })).not.toContain('http_proxy=http://p:3128');
    expect(env({ systemdMode: 'always' })).toContain(`container_uuid=${'a'.repeat(32)}`);
  });
  it('host proxies go over the image\'s, under --env-file and -e; --env-host brings the whole environment, under -e (Podman\'s order)', () => {
    const base = parseRunOptions({ image: 'i', command: [] }, host);
    const image = { Env: ['ftp_proxy=in-image', 'http_proxy=in-image', 'MYENV2=in-image'] };
    const hostEnv = { ftp_proxy: 'from-env', http_proxy: 'from-env', MYENV2: 'from-host' };
    const withFile = parseRunOptions({ image: 'i', command: [], envFile: ['/f'] }, { ...host, readFile: () => 'http_proxy=in-env-file\n' });
    const env = processEnv(image, withFile, 'h', '/', { hostEnv });
    expect(env).toEqual(expect.arrayContaining(['ftp_proxy=from-env', 'http_proxy=in-env-file', 'MYENV2=in-image']));
    expect(processEnv(image, base, 'h', '/', { hostEnv: { http_proxy: 'from-env' } })).toContain('http_proxy=from-env');
    const envHost = parseRunOptions({ image: 'i', command: [], envHost: true, env: ['MYENV4=cli'] }, { ...host, env: { MYENV2: 'from-host', MYENV4: 'from-host' } });
    expect(processEnv(image, envHost, 'h', '/', {})).toEqual(expect.arrayContaining(['MYENV2=from-host', 'MYENV4=cli']));
  });
  it('passes systemd socket activation (LISTEN_PID as 1, LISTEN_FDS, LISTEN_FDNAMES) from tpod to the container', () => {
    const base = parseRunOptions({ image: 'i', command: [] }, host);
    const env = processEnv(undefined, base, 'h', '/', { hostEnv: { LISTEN_PID: '100', LISTEN_FDS: '1', LISTEN_FDNAMES: 'x' } });
    expect(env).toEqual(expect.arrayContaining(['LISTEN_PID=1', 'LISTEN_FDS=1', 'LISTEN_FDNAMES=x']));
    expect(withListenEnv(['A=1', 'LISTEN_FDS=2', 'LISTEN_PID=1'], {})).toEqual(['A=1']);
    expect(withListenEnv(['A=1'], { LISTEN_FDS: '3' })).toEqual(['A=1', 'LISTEN_FDS=3']);
  });
  it('--memory 0 means no limit; systemd mode stops with SIGRTMIN+3', () => {
    expect(parseRunOptions({ image: 'i', command: [], memory: '0' }, host).resources.memory).toBe(0);
    expect(parseRunOptions({ image: 'i', command: [], systemd: 'always' }, host).stopSignal).toBe(37);
  });
});
