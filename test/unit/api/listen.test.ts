// Socket activation: the passed socket is taken only when it was passed to this process,
// and the LISTEN_* variables are dropped afterwards so containers never get the API socket.
import { afterEach, describe, expect, it } from 'vitest';
import { activationFd, forgetActivation } from '../../../src/api/listen.js';

describe('activationFd', () => {
  it('is fd 3 when LISTEN_PID is this process', () => {
    expect(activationFd({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42)).toBe(3);
    expect(activationFd({ LISTEN_PID: '41', LISTEN_FDS: '1' }, 42)).toBeUndefined();
    expect(activationFd({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42)).toBeUndefined();
    expect(activationFd({}, 42)).toBeUndefined();
  });
});

describe('forgetActivation', () => {
  afterEach(() => {
    delete process.env.LISTEN_FDNAMES;
  });
  it('drops LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES from the env and process.env', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'tpod.socket', HOME: '/h' };
    process.env.LISTEN_FDNAMES = 'x';
    forgetActivation(env);
    expect(env).toEqual({ HOME: '/h' });
    expect(process.env.LISTEN_FDNAMES).toBeUndefined();
  });
});
