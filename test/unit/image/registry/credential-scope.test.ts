// Credentials, tokens and client certificates stay with the registry they belong to:
// in-process servers stand in for the registry, a host a redirect names, a token
// service, and a port that speaks both TLS and plain http (for a downgrade on one origin).
import { describe, it, expect, afterEach, beforeAll } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../../../src/image/registry/client.js';
import { closeAgents } from '../../../../src/image/registry/http.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const closers: Array<() => Promise<void>> = [];

function closeOf(s: Server | NetServer): () => Promise<void> {
  return () => new Promise<void>((r) => {
    (s as Server).closeAllConnections?.();
    s.close(() => r());
  });
}

async function listen(s: Server | NetServer): Promise<number> {
  closers.push(closeOf(s));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  return typeof a === 'object' && a ? a.port : 0;
}

async function serve(h: Handler): Promise<string> {
  return `127.0.0.1:${await listen(createServer(h))}`;
}

/** A self-signed certificate and key made by openssl (an independent tool). */
function makeCert(dir: string, name: string): { cert: string; key: string } {
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.cert`)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { cert: readFileSync(join(dir, `${name}.cert`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
}

let dir: string;
let serverCert: { cert: string; key: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tpod-creds-'));
  serverCert = makeCert(dir, 'server');
});

afterEach(async () => {
  closeAgents();
  await Promise.all(closers.splice(0).map((c) => c()));
});

const creds = { username: 'u', password: 'p' };
const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;

function client(host: string, o: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}): RegistryClient {
  return new RegistryClient({ host, insecure: true, credentials: () => creds, tlsEnv: { env: {}, configHome: '/nonexistent' }, sleep: async () => undefined, ...o });
}

describe('credentials stay with their registry', () => {
  it("guards against a redirect target's token realm receiving the registry's credentials", async () => {
    // The attack: A holds Basic credentials; its manifest redirects to B; B answers 401
    // naming its own token realm. Nothing of A's may reach B, and B's realm is not asked.
    const seenByB: Array<{ url: string; auth: string | undefined }> = [];
    const b = await serve((req, res) => {
      seenByB.push({ url: req.url!, auth: req.headers.authorization });
      if (req.url!.startsWith('/token')) return res.end(JSON.stringify({ token: 'stolen' }));
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="evil"` });
      res.end();
    });
    const a = await serve((req, res) => {
      if (req.headers.authorization !== basic) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="a"' });
        return res.end();
      }
      res.writeHead(307, { location: `http://${b}/v2/lib/img/manifests/latest` });
      res.end();
    });
    await expect(client(a).getManifest('lib/img', 'latest', [])).rejects.toThrow(/unauthorized/);
    expect(seenByB.length).toBeGreaterThan(0);
    expect(seenByB.every((r) => r.auth === undefined)).toBe(true);
    expect(seenByB.some((r) => r.url.startsWith('/token'))).toBe(false);
  });

  it('guards against credentials sent over an https -> http downgrade on the same host and port', async () => {
    // One port that speaks TLS and plain http (by the first byte), so the redirect keeps
    // host and port and changes only the scheme.
    const seen: Array<{ tls: boolean; url: string; auth: string | undefined }> = [];
    const handler = (tls: boolean): Handler => (req, res) => {
      seen.push({ tls, url: req.url!, auth: req.headers.authorization });
      if (req.headers.authorization !== basic && tls) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="a"' });
        return res.end();
      }
      if (tls) {
        res.writeHead(302, { location: `http://${req.headers.host}/plain${req.url}` });
        return res.end();
      }
      res.end('{}');
    };
    const securePort = await listen(createHttpsServer({ ...serverCert }, handler(true)));
    const plainPort = await listen(createServer(handler(false)));
    // The first byte of a TLS connection is a handshake record (0x16): pass the
    // connection on to the TLS or the plain server.
    const mux = createNetServer((sock: Socket) => {
      sock.once('data', (first) => {
        const to = connect(first[0] === 0x16 ? securePort : plainPort, '127.0.0.1', () => {
          to.write(first);
          sock.pipe(to).pipe(sock);
        });
        to.on('error', () => sock.destroy());
        sock.on('error', () => to.destroy());
      });
    });
    const port = await listen(mux);
    const c = client(`127.0.0.1:${port}`);
    const r = await c.request('GET', 'lib/img/manifests/latest', { repo: 'lib/img', what: 'x' });
    r.body.resume();
    expect(c.scheme).toBe('https:');
    expect(seen.find((s) => s.tls && s.url.includes('manifests'))?.auth).toBe(basic);
    const downgraded = seen.find((s) => !s.tls);
    expect(downgraded?.url).toBe('/plain/v2/lib/img/manifests/latest');
    expect(downgraded?.auth).toBeUndefined();
  });

  it("guards against presenting the --cert-dir client certificate to a host a redirect names", async () => {
    const certDir = join(dir, 'cert-dir');
    mkdirSync(certDir, { recursive: true });
    makeCert(certDir, 'client');
    copyFileSync(join(dir, 'server.cert'), join(certDir, 'server.crt'));
    const peerOf = (req: IncomingMessage): string | undefined => {
      const cn = (req.socket as TLSSocket).getPeerCertificate()?.subject?.CN;
      return Array.isArray(cn) ? cn[0] : cn;
    };
    const presented: Record<string, string | undefined> = {};
    const other = createHttpsServer({ ...serverCert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      presented.other = peerOf(req);
      res.end('data');
    });
    const otherHost = `127.0.0.1:${await listen(other)}`;
    const registry = createHttpsServer({ ...serverCert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      if (req.url === '/v2/') return res.end('{}');
      presented.registry = peerOf(req);
      res.writeHead(307, { location: `https://${otherHost}/blob` });
      res.end();
    });
    const host = `127.0.0.1:${await listen(registry)}`;
    const c = client(host, { tlsEnv: { env: {}, configHome: '/nonexistent', certDir } });
    const r = await c.request('GET', 'a/blobs/x', { repo: 'a', what: 'x' });
    r.body.resume();
    expect(r.status).toBe(200);
    expect(presented.registry).toBe('client');
    expect(presented.other).toBeUndefined();
  });

  it('guards against an upload location on another host receiving the credentials', async () => {
    let putAuth: string | undefined = 'unset';
    const elsewhere = await serve((req, res) => {
      putAuth = req.headers.authorization;
      res.writeHead(201);
      res.end();
    });
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== basic) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
        return res.end();
      }
      req.resume();
      res.writeHead(202, { location: `http://${elsewhere}/upload/1` });
      res.end();
    });
    await client(registry).uploadBlob('a', 'sha256:' + '0'.repeat(64), Buffer.from('x'));
    expect(putAuth).toBeUndefined();
  });
});
