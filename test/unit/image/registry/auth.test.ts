import { describe, it, expect } from 'vitest';
import { parseChallenges, TokenCache, parseTokenResponse, repositoryScope } from '../../../../src/image/registry/auth.js';

describe('WWW-Authenticate challenges', () => {
  it('parses a Bearer challenge as registries send it', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    ]);
  });
  it('parses Basic, unquoted values, odd spacing and escapes', () => {
    expect(parseChallenges('Basic realm="tpod-test"')).toEqual([{ scheme: 'basic', params: { realm: 'tpod-test' } }]);
    expect(parseChallenges('bearer  realm = https://a/token , service=svc')).toEqual([{ scheme: 'bearer', params: { realm: 'https://a/token', service: 'svc' } }]);
    expect(parseChallenges('Bearer realm="a \\"quoted\\" realm, with comma"')[0]!.params.realm).toBe('a "quoted" realm, with comma');
  });
  it('parses several challenges in one header and in several headers', () => {
    const cs = parseChallenges('Basic realm="r1", Bearer realm="https://t/token",service="s"');
    expect(cs.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(cs[1]!.params).toEqual({ realm: 'https://t/token', service: 's' });
    expect(parseChallenges(['Basic realm="a"', 'Bearer realm="b"']).map((c) => c.params.realm)).toEqual(['a', 'b']);
  });
  it('returns nothing for no header and survives garbage', () => {
    expect(parseChallenges(undefined)).toEqual([]);
    expect(() => parseChallenges('=,=,"unterminated')).not.toThrow();
  });
  it('builds repository scopes', () => {
    expect(repositoryScope('library/busybox')).toBe('repository:library/busybox:pull');
    expect(repositoryScope('a/b', ['pull', 'push'])).toBe('repository:a/b:pull,push');
  });
});

describe('token cache', () => {
  it('keeps a token per realm, service, scope and user until shortly before it expires', () => {
    let now = 1_000_000;
    const c = new TokenCache(() => now);
    const k1 = TokenCache.key('https://t', 's', 'repository:a:pull', 'alice');
    const k2 = TokenCache.key('https://t', 's', 'repository:b:pull', 'alice');
    const k3 = TokenCache.key('https://t', 's', 'repository:a:pull', undefined);
    c.set(k1, 'tok-a', 300);
    expect(c.get(k1)).toBe('tok-a');
    expect(c.get(k2)).toBeUndefined();
    expect(c.get(k3)).toBeUndefined();
    now += 289_000;
    expect(c.get(k1)).toBe('tok-a');
    now += 2_000;
    expect(c.get(k1)).toBeUndefined();
  });
  it('keeps a token at least the spec minimum of 60 s when the server says less or nothing', () => {
    let now = 0;
    const c = new TokenCache(() => now);
    c.set('k', 't', 5);
    now = 49_000;
    expect(c.get('k')).toBe('t');
    now = 51_000;
    expect(c.get('k')).toBeUndefined();
  });
  it('reads token answers in both spellings', () => {
    expect(parseTokenResponse('{"token":"x","expires_in":300}')).toEqual({ token: 'x', expiresIn: 300 });
    expect(parseTokenResponse('{"access_token":"y"}')).toEqual({ token: 'y' });
    expect(parseTokenResponse('{"token":""}')).toBeUndefined();
    expect(parseTokenResponse('not json')).toBeUndefined();
  });
});
