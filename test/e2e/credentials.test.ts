// Credentials stay with the registry host they were issued for, end to end: the real
// binary as the unprivileged user against a pair of loopback fake registries. A holds
// the user's login; it redirects to B; B asks for credentials of its own. Nothing of
// A's may ever reach B or a token service B names.
import { expect, it, beforeAll, afterAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeE2E, useEnv, tpod, tpodOk } from './harness.js';
import { imageFixtures } from './fixtures.js';
import { startFakeRegistry, type FakeRegistry } from './registry.js';

const ALICE = { username: 'alice', password: 's3cret' };
const BASIC = `Basic ${Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64')}`;

describeE2E('credentials stay with their registry', () => {
  const t = useEnv('credentials');
  let a: FakeRegistry;
  let b: FakeRegistry;

  beforeAll(async () => {
    const fx = imageFixtures();
    [a, b] = await Promise.all([startFakeRegistry(), startFakeRegistry()]);
    a.addLayout(join(fx.dir, 'oci'), 'fake/img');
    b.addLayout(join(fx.dir, 'oci'), 'fake/img');
    mkdirSync(join(t.env.configHome, 'containers'), { recursive: true, mode: 0o700 });
    writeFileSync(join(t.env.configHome, 'containers', 'registries.conf'), [a, b].map((r) => `[[registry]]\nlocation = "${r.host}"\ninsecure = true\n`).join(''));
    // A: Basic auth, every manifest and blob sent on to B.
    a.hook = (req, res) => {
      if (req.headers.authorization !== BASIC) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="a"', 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return true;
      }
      if (req.kind === undefined) return false;
      res.writeHead(307, { location: `http://${b.host}${req.path}` });
      res.end();
      return true;
    };
    await tpodOk(['login', '-u', ALICE.username, '-p', ALICE.password, a.host], { env: t.env });
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("guards against sending A's credentials to a token realm that B, a host A redirected to, names", async () => {
    b.requests.length = 0;
    b.hook = (req, res) => {
      if (req.path.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"token":"b-token"}');
        return true;
      }
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${b.host}/token",service="b"`, 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return true;
    };
    const r = await tpod(['pull', `${a.host}/fake/img:busybox`], { env: t.env });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/unauthorized/);
    expect(b.requests.length).toBeGreaterThan(0);
    expect(b.requests.filter((q) => q.headers.authorization !== undefined)).toEqual([]);
    expect(b.requests.filter((q) => q.path.startsWith('/token'))).toEqual([]);
    b.hook = undefined;
  });

  it('pulls through the redirect when B serves without credentials, and B still sees none', async () => {
    b.requests.length = 0;
    a.requests.length = 0;
    const r = await tpodOk(['pull', `${a.host}/fake/img:busybox`], { env: t.env });
    expect(r.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    // A got the user's credentials (that is whom they are for); B got the content requests and nothing else.
    expect(a.requests.some((q) => q.kind === 'manifests' && q.headers.authorization === BASIC)).toBe(true);
    expect(b.requests.some((q) => q.kind === 'blobs')).toBe(true);
    expect(b.requests.filter((q) => q.headers.authorization !== undefined)).toEqual([]);
  });
});
