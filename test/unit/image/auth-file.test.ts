import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  authFileLocations, findCredentials, storeCredentials, removeCredentials, removeAllCredentials, normalizeAuthKey, keysFor,
} from '../../../src/image/auth-file.js';

let dir: string;
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-auth-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function locs(extra: NodeJS.ProcessEnv = {}) {
  return authFileLocations({ env: { XDG_RUNTIME_DIR: join(dir, 'run'), XDG_CONFIG_HOME: join(dir, 'cfg'), ...extra }, home: join(dir, 'home'), uid: 1000 });
}

describe('auth files', () => {
  it('reads and writes where Podman does', () => {
    const l = locs();
    expect(l.primary).toBe(join(dir, 'run', 'containers', 'auth.json'));
    expect(l.read.map((r) => r.path)).toEqual([
      join(dir, 'run', 'containers', 'auth.json'),
      join(dir, 'cfg', 'containers', 'auth.json'),
      join(dir, 'home', '.docker', 'config.json'),
      join(dir, 'home', '.dockercfg'),
    ]);
    expect(locs({ REGISTRY_AUTH_FILE: '/x/a.json' }).primary).toBe('/x/a.json');
    expect(authFileLocations({ env: {}, home: '/h', uid: 5 }, '/given.json').primary).toBe('/given.json');
    expect(locs({ DOCKER_CONFIG: '/dc' }).read[2]!.path).toBe('/dc/config.json');
  });

  it('stores credentials privately in Podman\'s format and finds them again', () => {
    const l = locs();
    storeCredentials(l, '127.0.0.1:5000', 'alice', 's3:cret');
    const text = readFileSync(l.primary, 'utf8');
    expect(JSON.parse(text)).toEqual({ auths: { '127.0.0.1:5000': { auth: b64('alice:s3:cret') } } });
    expect(statSync(l.primary).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run', 'containers')).mode & 0o777).toBe(0o700);
    expect(findCredentials(l, '127.0.0.1:5000/library/busybox')?.credentials).toEqual({ username: 'alice', password: 's3:cret' });
    expect(findCredentials(l, 'other.io')).toBeUndefined();
  });

  it('prefers the most specific key, then the earlier file', () => {
    const l = locs();
    mkdirSync(join(dir, 'run', 'containers'), { recursive: true });
    writeFileSync(l.primary, JSON.stringify({ auths: { 'quay.io': { auth: b64('reg:1') }, 'quay.io/team': { auth: b64('team:2') } } }));
    mkdirSync(join(dir, 'home', '.docker'), { recursive: true });
    writeFileSync(join(dir, 'home', '.docker', 'config.json'), JSON.stringify({ auths: { 'quay.io/team/app': { auth: b64('app:3') }, 'https://index.docker.io/v1/': { auth: b64('hub:4') } } }));
    expect(findCredentials(l, 'quay.io/team/app')?.credentials.username).toBe('team');
    expect(findCredentials(l, 'quay.io/other/app')?.credentials.username).toBe('reg');
    expect(findCredentials(l, 'docker.io/library/busybox')?.credentials.username).toBe('hub');
    expect(findCredentials(l, 'docker.io/library/busybox')?.path).toBe(join(dir, 'home', '.docker', 'config.json'));
  });

  it('logout removes one entry and keeps the rest of the file; --all empties it', () => {
    const l = locs();
    mkdirSync(join(dir, 'run', 'containers'), { recursive: true });
    writeFileSync(l.primary, JSON.stringify({ auths: { 'a.io': { auth: b64('a:1') }, 'b.io': { auth: b64('b:2') } }, credHelpers: { 'c.io': 'x' } }));
    expect(removeCredentials(l, 'a.io')).toBe(true);
    expect(removeCredentials(l, 'a.io')).toBe(false);
    expect(JSON.parse(readFileSync(l.primary, 'utf8'))).toEqual({ auths: { 'b.io': { auth: b64('b:2') } }, credHelpers: { 'c.io': 'x' } });
    removeAllCredentials(l);
    expect(JSON.parse(readFileSync(l.primary, 'utf8'))).toEqual({ auths: {}, credHelpers: { 'c.io': 'x' } });
  });

  it('reports a broken auth file by name instead of ignoring it', () => {
    const l = locs();
    mkdirSync(join(dir, 'run', 'containers'), { recursive: true });
    writeFileSync(l.primary, '{not json');
    expect(() => findCredentials(l, 'a.io')).toThrow(/auth\.json is not valid JSON/);
    writeFileSync(l.primary, JSON.stringify({ auths: { 'a.io': { auth: b64('nocolon') } } }));
    expect(() => findCredentials(l, 'a.io')).toThrow(/damaged/);
  });

  it('normalises keys written by other tools', () => {
    expect(normalizeAuthKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeAuthKey('http://r.io:5000/v2/')).toBe('r.io:5000');
    expect(normalizeAuthKey('r.io/ns/repo')).toBe('r.io/ns/repo');
    expect(normalizeAuthKey('r.io/ns', true)).toBe('r.io');
    expect(keysFor('r.io/a/b')).toEqual(['r.io/a/b', 'r.io/a', 'r.io']);
  });
});
