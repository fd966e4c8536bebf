import { describe, it, expect } from 'vitest';
import { rowMatchesReference } from '../../../src/image/list.js';
import { applyChanges } from '../../../src/image/import.js';

describe('images reference matching', () => {
  it('matches names, short names, tags and globs as `podman images NAME` does', () => {
    const n = 'docker.io/library/busybox:latest';
    expect(rowMatchesReference(n, 'busybox')).toBe(true);
    expect(rowMatchesReference(n, 'busybox:latest')).toBe(true);
    expect(rowMatchesReference(n, 'busybox:1')).toBe(false);
    expect(rowMatchesReference(n, 'docker.io/busybox')).toBe(true);
    expect(rowMatchesReference(n, 'localhost/busybox')).toBe(false);
    expect(rowMatchesReference(n, 'busy*')).toBe(true);
    expect(rowMatchesReference(n, 'docker.io/library/*')).toBe(true);
    expect(rowMatchesReference(undefined, 'busybox')).toBe(false);
  });
});

describe('import --change', () => {
  it('applies Dockerfile instructions in shell and JSON form', () => {
    const c = applyChanges({}, ['CMD=/bin/sh', 'ENTRYPOINT ["/init","-v"]', 'ENV A=b C="d e"', 'ENV A=z', 'WORKDIR=/tmp', 'USER 1000', 'EXPOSE 80 53/udp', 'LABEL a=b', 'VOLUME /data', 'STOPSIGNAL SIGINT']);
    expect(c).toEqual({
      Cmd: ['/bin/sh', '-c', '/bin/sh'],
      Entrypoint: ['/init', '-v'],
      Env: ['A=z', 'C=d e'],
      WorkingDir: '/tmp',
      User: '1000',
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Labels: { a: 'b' },
      Volumes: { '/data': {} },
      StopSignal: 'SIGINT',
    });
  });
  it('refuses instructions it does not know', () => {
    expect(() => applyChanges({}, ['RUN make'])).toThrow(/RUN is not supported/);
  });
});
