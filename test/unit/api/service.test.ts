import { describe, expect, it } from 'vitest';
import { splitVersion } from '../../../src/api/server.js';
import { activationFd, parseListenUri } from '../../../src/api/listen.js';
import { errorAnswer, ApiError } from '../../../src/api/errors.js';
import { NoSuchContainerError, TpodError, UsageError } from '../../../src/errors.js';
import { dockerEvent } from '../../../src/api/routes/system.js';

describe('splitVersion', () => {
  it('takes the /v1.NN prefix off, and leaves unprefixed paths alone', () => {
    expect(splitVersion('/v1.41/containers/json')).toEqual({ version: '1.41', path: '/containers/json' });
    expect(splitVersion('/v1.24/_ping')).toEqual({ version: '1.24', path: '/_ping' });
    expect(splitVersion('/_ping')).toEqual({ version: undefined, path: '/_ping' });
    expect(splitVersion('/v1.41')).toEqual({ version: '1.41', path: '/' });
    expect(splitVersion('/volumes/v1.41')).toEqual({ version: undefined, path: '/volumes/v1.41' });
  });
});

describe('parseListenUri', () => {
  it('reads unix and tcp URIs in both spellings', () => {
    expect(parseListenUri('unix:///run/x.sock')).toEqual({ kind: 'unix', path: '/run/x.sock' });
    expect(parseListenUri('unix:/run/x.sock')).toEqual({ kind: 'unix', path: '/run/x.sock' });
    expect(parseListenUri('tcp://127.0.0.1:8080')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 8080 });
    expect(parseListenUri('tcp:localhost:2375')).toEqual({ kind: 'tcp', host: 'localhost', port: 2375 });
    expect(parseListenUri('tcp://[::1]:2375')).toEqual({ kind: 'tcp', host: '::1', port: 2375 });
  });

  it("names the scheme it cannot serve, in Podman's words", () => {
    expect(() => parseListenUri('localhost:9292')).toThrow('API Service endpoint scheme "localhost" is not supported. Try tcp://localhost:9292 or unix:/localhost:9292');
    expect(() => parseListenUri('myunix.sock')).toThrow('API Service endpoint scheme "" is not supported. Try tcp://myunix.sock or unix:/myunix.sock');
  });

  it('refuses anything else with a usage error', () => {
    for (const bad of ['unix://relative', 'http://x:1', 'tcp://host', 'tcp://h:0', 'tcp://h:70000', '/run/x.sock']) expect(() => parseListenUri(bad)).toThrow(UsageError);
  });
});

describe('activationFd', () => {
  it('is fd 3 only when systemd passed sockets to this very process', () => {
    expect(activationFd({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42)).toBe(3);
    expect(activationFd({ LISTEN_PID: '41', LISTEN_FDS: '1' }, 42)).toBeUndefined();
    expect(activationFd({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42)).toBeUndefined();
    expect(activationFd({}, 42)).toBeUndefined();
  });
});

describe('errorAnswer', () => {
  it("gives Docker's status for each kind of engine error", () => {
    expect(errorAnswer(new NoSuchContainerError('x')).status).toBe(404);
    expect(errorAnswer(new TpodError('ENAMEINUSE', 'in use')).status).toBe(409);
    expect(errorAnswer(new TpodError('ECTRSTATE', 'running')).status).toBe(409);
    expect(errorAnswer(new UsageError('bad')).status).toBe(400);
    expect(errorAnswer(new ApiError(304, 'already started'))).toEqual({ status: 304, message: 'already started' });
    expect(errorAnswer(new TpodError('ERUNTIME', 'crun failed')).status).toBe(500);
    expect(errorAnswer(new Error('bug')).status).toBe(500);
  });
});

describe('dockerEvent', () => {
  it("turns a tpod event record into Docker's event, with nanoseconds", () => {
    const e = dockerEvent({ ID: 'abc', Image: 'busybox', Name: 'web', Status: 'start', Time: '2026-12-06T05:00:00.123456789Z', Type: 'container', Attributes: { a: 'b' } });
    expect(e).toMatchObject({ status: 'start', id: 'abc', from: 'busybox', Type: 'container', Action: 'start', scope: 'local', time: 1796533200 });
    expect(e.Actor).toEqual({ ID: 'abc', Attributes: { a: 'b', image: 'busybox', name: 'web' } });
    // A JSON number: exact to a microsecond or so at this size.
    expect(Math.abs(Number(e.timeNano) - 1796533200123456789)).toBeLessThan(1000);
  });
});
