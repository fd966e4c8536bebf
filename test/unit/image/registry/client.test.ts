// The registry client against a small in-process server: auth, redirects, retries,
// limits. Security guards are named after what they guard against.
import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { RegistryClient, retryDelay, errorDetail } from '../../../../src/image/registry/client.js';
import { closeAgents } from '../../../../src/image/registry/http.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

async function serve(h: Handler): Promise<string> {
  const s = createServer(h);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  return `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

afterEach(async () => {
  closeAgents();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
});

const creds = { username: 'u', password: 'p' };
const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;

function client(host: string, o: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}): RegistryClient {
  return new RegistryClient({ host, insecure: true, credentials: () => creds, tlsEnv: { env: {}, configHome: '/nonexistent' }, sleep: async () => undefined, ...o });
}

describe('registry client', () => {
  it('fetches one Bearer token per scope and reuses it', async () => {
    let tokens = 0;
    const host = await serve((req, res) => {
      if (req.url!.startsWith('/token')) {
        tokens++;
        expect(req.headers.authorization).toBe(basic);
        res.end(JSON.stringify({ token: 't1', expires_in: 300 }));
        return;
      }
      if (req.headers.authorization !== 'Bearer t1') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="s"` });
        res.end();
        return;
      }
      res.end('blob');
    });
    const c = client(host);
    for (let i = 0; i < 3; i++) {
      const r = await c.request('GET', 'a/b/blobs/x', { repo: 'a/b', what: 'x' });
      expect(r.status).toBe(200);
      r.body.resume();
    }
    expect(tokens).toBe(1);
  });

  it('guards against leaking credentials: a redirect to another host carries no Authorization', async () => {
    let seen: string | undefined = 'unset';
    const storage = await serve((req, res) => {
      seen = req.headers.authorization;
      res.end('data');
    });
    const host = await serve((req, res) => {
      if (req.url === '/v2/') {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
        res.end();
        return;
      }
      expect(req.headers.authorization).toBe(basic);
      res.writeHead(307, { location: `http://${storage}/blob` });
      res.end();
    });
    const r = await client(host).openBlob('a', 'sha256:' + '0'.repeat(64), 'x');
    r.body.resume();
    expect(seen).toBeUndefined();
  });

  it('guards against sending credentials in clear text to a plain-http token service of a TLS registry', async () => {
    // The client believes the registry is TLS-only (insecure: false); ping is faked by
    // pointing it at a server through a subclass-free path: the refusal happens before
    // any token request is made.
    const c = new RegistryClient({ host: 'registry.invalid', insecure: false, credentials: () => creds, tlsEnv: { env: {}, configHome: '/x' } });
    const auth = (c as unknown as { authorization: (r: string, ch: unknown, f: boolean) => Promise<string> }).authorization.bind(c);
    await expect(auth('a', { scheme: 'bearer', params: { realm: 'http://evil.invalid/token' } }, false)).rejects.toThrow(/plain-http token service/);
  });

  it('retries 429 with Retry-After, then gives up with a clear message', async () => {
    let n = 0;
    const host = await serve((req, res) => {
      if (req.url === '/v2/') return res.end('{}');
      n++;
      res.writeHead(429, { 'retry-after': '1' });
      res.end();
    });
    const waits: number[] = [];
    const c = client(host, { sleep: async (ms) => void waits.push(ms), maxRetries: 3 });
    await expect(c.getManifest('a', 'latest', [])).rejects.toThrow(/too many requests \(429\), gave up after 3 retries/);
    expect(n).toBe(4);
    expect(waits).toEqual([1000, 1000, 1000]);
  });

  it('refuses an oversized manifest before reading it, and a manifest whose digest is not the one asked for', async () => {
    const body = Buffer.from('{"schemaVersion":2}');
    const host = await serve((req, res) => {
      if (req.url === '/v2/') return res.end('{}');
      if (req.url!.endsWith('/big')) {
        res.writeHead(200, { 'content-length': String(5 * 1024 * 1024) });
        res.end();
        return;
      }
      res.end(body);
    });
    const c = client(host);
    await expect(c.getManifest('a', 'big', [])).rejects.toThrow(/too large/);
    await expect(c.getManifest('a', `sha256:${'1'.repeat(64)}`, [])).rejects.toThrow(/digest mismatch/);
    const ok = await c.getManifest('a', `sha256:${createHash('sha256').update(body).digest('hex')}`, []);
    expect(ok.bytes.equals(body)).toBe(true);
  });

  it('checks small blobs by size and digest', async () => {
    const blob = Buffer.from('config');
    const d = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const host = await serve((req, res) => {
      if (req.url === '/v2/') return res.end('{}');
      res.end(req.url!.includes('bad') ? Buffer.from('CONFIG') : blob);
    });
    const c = client(host);
    expect((await c.readBlob('a', d, 6, 100, 'x')).equals(blob)).toBe(true);
    await expect(c.readBlob('a', d, 5, 100, 'x')).rejects.toThrow(/size mismatch: expected 5 bytes, got 6/);
    await expect(c.readBlob('bad', d, 6, 100, 'x')).rejects.toThrow(/digest mismatch/);
  });

  it('says "connection refused" for a closed port', async () => {
    const c = client('127.0.0.1:1', { insecure: false });
    await expect(c.ping()).rejects.toThrow(/pinging registry 127\.0\.0\.1:1: connection refused/);
  });

  it('reads Retry-After in seconds and as a date, with a cap', () => {
    expect(retryDelay('2', 0)).toBe(2000);
    expect(retryDelay(undefined, 0)).toBe(500);
    expect(retryDelay(undefined, 2)).toBe(2000);
    expect(retryDelay('9999', 0)).toBe(30_000);
    expect(retryDelay(new Date(10_000).toUTCString(), 0, 5_000)).toBe(5_000);
  });

  it('words the registry\'s own errors', () => {
    expect(errorDetail(Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')).text).toBe('manifest unknown');
    expect(errorDetail(Buffer.from('{"errors":[{"code":"DENIED","message":"no way"}]}')).text).toBe('denied: no way');
    expect(errorDetail(Buffer.from('plain text')).text).toBe('plain text');
  });
});

describe('network errors in words', () => {
  it('names refused, DNS, timeout, reset and TLS trust failures', async () => {
    const { networkError, TimeoutError } = await import('../../../../src/image/registry/http.js');
    const e = (code: string, message = code) => Object.assign(new Error(message), { code });
    expect(networkError(e('ECONNREFUSED'), 'pinging registry r').message).toBe('pinging registry r: connection refused');
    expect(networkError(e('ENOTFOUND', 'getaddrinfo ENOTFOUND r'), 'x').message).toBe('x: cannot resolve the host name (DNS lookup failed)');
    expect(networkError(e('EAI_AGAIN'), 'x').message).toMatch(/DNS temporarily unavailable/);
    expect(networkError(new TimeoutError(1500), 'x').message).toBe('x: timed out after 1.5 s');
    expect(networkError(e('ECONNRESET'), 'x').message).toBe('x: the connection was reset');
    expect(networkError(e('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'x').message).toMatch(/TLS certificate not trusted \(self-signed certificate\)/);
    expect(networkError(e('EPROTO', 'write EPROTO 80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'), 'x').message).toMatch(/TLS handshake failed \(the server does not speak TLS\)/);
  });
});
