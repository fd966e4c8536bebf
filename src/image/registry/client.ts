// A client for one registry host speaking the OCI distribution API: ping (which picks
// https, or http for an insecure registry, and learns the auth challenge), manifests,
// blobs. It adds credentials (Basic, or Bearer tokens fetched per repository scope and
// cached), follows redirects (credentials, tokens and the --cert-dir client certificate
// go only to the registry's own origin: never to another host, never over a downgrade to
// plain http, and a challenge only counts when the registry itself sent it), and retries
// what is worth retrying: 429 and 502/503/504 with backoff (Retry-After honoured),
// refused and reset connections a couple of times.
import { createHash } from 'node:crypto';
import { TpodError } from '../../errors.js';
import type { Credentials } from '../auth-file.js';
import { TokenCache, parseChallenges, parseTokenResponse, repositoryScope, type Challenge } from './auth.js';
import { httpRequest, readBody, discard, networkError, isTransient, type HttpResponse, type StreamBody } from './http.js';
import { tlsSettingsFor, type TlsEnv, type TlsSettings } from './tls.js';
import { MAX_MANIFEST } from './manifest.js';

export interface ClientOptions {
  /** host[:port] */
  host: string;
  /** Plain http and unverified TLS allowed (registries.conf insecure, --tls-verify=false). */
  insecure: boolean;
  /** Credentials for a repository (or the registry when repo is undefined). */
  credentials: (repo: string | undefined) => Credentials | undefined;
  tlsEnv: TlsEnv;
  timeoutMs?: number;
  tokens?: TokenCache;
  /** Told about retries ("… retrying in 1 s"). */
  onRetry?: (msg: string) => void;
  /** Waits between retries; tests make it instant. */
  sleep?: (ms: number) => Promise<void>;
  /** How many times 429/5xx answers are retried. */
  maxRetries?: number;
}

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  /** Repository the request is about (decides the token scope). */
  repo?: string;
  /** Token scope actions; default pull. */
  actions?: string[];
  body?: Buffer | StreamBody;
  /** An absolute URL (upload locations) instead of a path below /v2/. */
  url?: URL;
  accept?: string[];
  headers?: Record<string, string>;
  what: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The default timeout, or $TPOD_REGISTRY_TIMEOUT seconds. */
export function defaultTimeoutMs(env: NodeJS.ProcessEnv): number {
  const v = Number(env.TPOD_REGISTRY_TIMEOUT);
  return Number.isFinite(v) && v > 0 ? v * 1000 : DEFAULT_TIMEOUT_MS;
}

interface DistributionError {
  code?: string;
  message?: string;
}

/** The registry's own words from an error body (`{"errors":[{"code","message"}]}`). */
export function errorDetail(body: Buffer): { codes: string[]; text: string } {
  try {
    const j = JSON.parse(body.toString('utf8')) as { errors?: DistributionError[] };
    if (Array.isArray(j.errors) && j.errors.length > 0) {
      const codes = j.errors.map((e) => String(e.code ?? ''));
      const text = j.errors.map((e) => [e.code?.toLowerCase().replace(/_/g, ' '), e.message].filter((x, i, a) => x && a.indexOf(x) === i).join(': ')).join('; ');
      return { codes, text };
    }
  } catch {
    /* not JSON */
  }
  const t = body.toString('utf8').trim().slice(0, 200);
  return { codes: [], text: /^[\x20-\x7e\s]*$/.test(t) ? t : '' };
}

function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RegistryClient {
  readonly host: string;
  private base: URL | undefined;
  private pinging: Promise<void> | undefined;
  private challenge: Challenge | undefined;
  private readonly tokens: TokenCache;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly tlsCache = new Map<string, Promise<TlsSettings>>();

  constructor(private readonly opts: ClientOptions) {
    this.host = opts.host;
    this.tokens = opts.tokens ?? new TokenCache();
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /** The docker.io API lives at registry-1.docker.io. */
  private apiHost(): string {
    return this.host === 'docker.io' ? 'registry-1.docker.io' : this.host;
  }

  private tlsFor(host: string): Promise<TlsSettings> {
    let t = this.tlsCache.get(host);
    if (!t) {
      // --cert-dir's client certificate is the registry's; other hosts (a redirect's blob
      // store, a token service) get only what certs.d holds for them.
      const { certDir, ...others } = this.opts.tlsEnv;
      t = tlsSettingsFor(host, !this.opts.insecure, host === this.apiHost() || certDir === undefined ? this.opts.tlsEnv : others);
      this.tlsCache.set(host, t);
    }
    return t;
  }

  /** One request with network retries; redirects are the caller's. */
  private async send(url: URL, method: Method, headers: Record<string, string>, what: string, body?: Buffer | StreamBody): Promise<HttpResponse> {
    const tls = url.protocol === 'https:' ? await this.tlsFor(url.host) : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return await httpRequest(url, { method, headers, timeoutMs: this.timeoutMs, ...(tls ? { tls } : {}), ...(body !== undefined ? { body } : {}) });
      } catch (err) {
        if (attempt < 2 && isTransient(err)) {
          const wait = 250 * 2 ** attempt;
          this.opts.onRetry?.(`${what}: ${networkError(err, 'request failed').message.replace(/^request failed: /, '')}, retrying in ${wait} ms`);
          await this.sleep(wait);
          continue;
        }
        throw networkError(err, what);
      }
    }
  }

  /**
   * GET /v2/: decides https or (insecure registries only) http, and remembers the
   * auth challenge. Done once per client.
   */
  ping(): Promise<void> {
    this.pinging ??= this.doPing().catch((err: unknown) => {
      this.pinging = undefined;
      throw err;
    });
    return this.pinging;
  }

  private async doPing(): Promise<void> {
    const schemes = this.opts.insecure ? ['https:', 'http:'] : ['https:'];
    let firstErr: unknown;
    for (const scheme of schemes) {
      const url = new URL(`${scheme}//${this.apiHost()}/v2/`);
      let res: HttpResponse;
      try {
        res = await this.send(url, 'GET', {}, `pinging registry ${this.host}`);
      } catch (err) {
        firstErr ??= err;
        continue;
      }
      const body = await readBody(res, 64 * 1024, 'the registry answer').catch(() => Buffer.alloc(0));
      if (res.status === 200 || res.status === 401 || res.status === 403) {
        this.base = new URL(`${scheme}//${this.apiHost()}`);
        this.challenge = preferred(parseChallenges(res.headers['www-authenticate']));
        return;
      }
      const d = errorDetail(body);
      throw new TpodError('EREGISTRY', `pinging registry ${this.host}: ${url.href} answered ${res.status} ${res.statusText}${d.text ? ` (${d.text})` : ''}: not a container registry`);
    }
    throw firstErr instanceof TpodError ? firstErr : networkError(firstErr, `pinging registry ${this.host}`);
  }

  /** The scheme chosen by ping ("https:" or "http:"). */
  get scheme(): string | undefined {
    return this.base?.protocol;
  }

  /** Whether URL is the registry's own origin (scheme, host and port as ping chose them). */
  private isOwn(url: URL): boolean {
    return this.base !== undefined && url.protocol === this.base.protocol && url.host === this.base.host;
  }

  /** Whether the registry asked for credentials at all. */
  get wantsAuth(): boolean {
    return this.challenge !== undefined;
  }

  private async authorization(repo: string | undefined, challenge: Challenge | undefined, fresh: boolean, actions: string[] = ['pull']): Promise<string | undefined> {
    if (!challenge) return undefined;
    const creds = this.opts.credentials(repo);
    if (challenge.scheme === 'basic') {
      return creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : undefined;
    }
    if (challenge.scheme !== 'bearer') return undefined;
    const realm = challenge.params.realm;
    if (!realm) throw new TpodError('EAUTH', `registry ${this.host} asked for a token without saying where to get it (no realm)`);
    const scope = repo !== undefined ? repositoryScope(repo, actions) : challenge.params.scope ?? '';
    const key = TokenCache.key(realm, challenge.params.service, scope, creds?.username);
    if (!fresh) {
      const cached = this.tokens.get(key);
      if (cached) return `Bearer ${cached}`;
    }
    const url = new URL(realm);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TpodError('EAUTH', `registry ${this.host}: token realm "${realm}" is not an http(s) URL`);
    // Credentials never travel in clear text to a token service of a registry that
    // is itself reached over TLS.
    if (creds && url.protocol === 'http:' && !this.opts.insecure) {
      throw new TpodError('EAUTH', `registry ${this.host} sends credentials to a plain-http token service (${url.origin}); refusing (mark the registry insecure in registries.conf if this is intended)`);
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    if (scope) url.searchParams.set('scope', scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const res = await this.send(url, 'GET', headers, `getting a token from ${url.host}`);
    const body = await readBody(res, 1024 * 1024, 'the token answer');
    if (res.status === 401 || res.status === 403) {
      throw new TpodError('EAUTH', creds ? `${this.host}: invalid username/password (the token service answered ${res.status})` : `${this.host}: the token service refused anonymous access (${res.status}): log in with \`tpod login ${this.host}\``);
    }
    if (res.status !== 200) throw new TpodError('EAUTH', `getting a token for ${this.host} from ${url.host}: ${res.status} ${res.statusText}`);
    const tok = parseTokenResponse(body.toString('utf8'));
    if (!tok) throw new TpodError('EAUTH', `getting a token for ${this.host}: the answer holds no token`);
    this.tokens.set(key, tok.token, tok.expiresIn);
    return `Bearer ${tok.token}`;
  }

  /**
   * An authenticated request to the registry API (path below /v2/), following
   * redirects and retrying 429/5xx. Returns the final response, whatever its status.
   */
  async request(method: Method, path: string, o: RequestOptions): Promise<HttpResponse> {
    await this.ping();
    let freshToken = false;
    let retries = 0;
    const maxRetries = this.opts.maxRetries ?? 5;
    for (;;) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.accept) headers.accept = o.accept.join(', ');
      let url = o.url ?? new URL(`/v2/${path}`, this.base);
      // An upload location may name another host: it gets no credentials either.
      const auth = this.isOwn(url) ? await this.authorization(o.repo, this.challenge, freshToken, o.actions) : undefined;
      if (auth) headers.authorization = auth;
      let res = await this.send(url, method, headers, o.what, o.body);
      // Redirects (blob storage): credentials go only to the registry's own origin; once
      // dropped (another host, https -> http) they stay dropped for the later hops.
      for (let hops = 0; (method === 'GET' || method === 'HEAD') && res.status >= 301 && res.status <= 308 && res.status !== 304 && res.headers.location; hops++) {
        if (hops >= 5) throw new TpodError('EREGISTRY', `${o.what}: too many redirects`);
        discard(res);
        const next = new URL(res.headers.location, url);
        if (!this.isOwn(next)) delete headers.authorization;
        url = next;
        res = await this.send(url, method, headers, o.what);
      }
      // A challenge from anyone but the registry (a host a redirect named) is not
      // learned: its token realm would otherwise receive the registry's credentials.
      if (res.status === 401 && !freshToken && this.isOwn(url)) {
        // A new challenge (another scope, an expired token): learn it and try once more.
        const ch = preferred(parseChallenges(res.headers['www-authenticate']));
        discard(res);
        if (ch) this.challenge = ch;
        freshToken = true;
        if (this.challenge) continue;
        return res;
      }
      if ((res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504) && retries < maxRetries) {
        const wait = retryDelay(res.headers['retry-after'], retries);
        discard(res);
        retries++;
        this.opts.onRetry?.(`${o.what}: ${res.status === 429 ? 'too many requests (429)' : `${res.status} ${res.statusText}`}, retrying in ${wait >= 1000 ? `${wait / 1000} s` : `${wait} ms`} (${retries}/${maxRetries})`);
        await this.sleep(wait);
        continue;
      }
      return res;
    }
  }

  /** Turns a non-2xx answer into an error naming `what` and the registry's reason. */
  async failure(res: HttpResponse, what: string): Promise<TpodError> {
    const body = method(res) === 'HEAD' ? Buffer.alloc(0) : await readBody(res, 64 * 1024, 'the error answer').catch(() => Buffer.alloc(0));
    const d = errorDetail(body);
    if (res.status === 401) {
      const hint = this.opts.credentials(undefined) ? ' (the stored credentials were refused)' : ` (no credentials for ${this.host}: \`tpod login ${this.host}\`)`;
      return new TpodError('EAUTH', `${what}: unauthorized: ${d.text ? d.text.replace(/^unauthorized: /, '') : 'authentication required'}${hint}`);
    }
    if (res.status === 403) return new TpodError('EAUTH', `${what}: access denied (403 Forbidden)${d.text ? `: ${d.text}` : ''}`);
    if (res.status === 404) return new TpodError('ENOIMAGE', `${what}: ${d.text || 'not found (404)'}`);
    if (res.status === 429) return new TpodError('EREGISTRY', `${what}: too many requests (429), gave up after ${this.opts.maxRetries ?? 5} retries`);
    return new TpodError('EREGISTRY', `${what}: ${res.status} ${res.statusText}${d.text ? `: ${d.text}` : ''}`);
  }

  /** GET a manifest by tag or digest; checks the size limit and, by digest, the digest. */
  async getManifest(repo: string, reference: string, accept: string[]): Promise<{ bytes: Buffer; contentType: string | undefined; digest: string }> {
    const what = `reading manifest ${reference} in ${this.host}/${repo}`;
    const res = await this.request('GET', `${repo}/manifests/${reference}`, { repo, accept, what });
    if (res.status !== 200) throw await this.failure(res, what);
    const bytes = await readBody(res, MAX_MANIFEST, `the manifest ${reference} of ${this.host}/${repo}`);
    const digest = sha256(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new TpodError('EDIGEST', `${what}: digest mismatch: the registry sent a manifest whose digest is ${digest}`);
    }
    const ct = res.headers['content-type'];
    return { bytes, contentType: Array.isArray(ct) ? ct[0] : ct, digest };
  }

  /** HEAD a manifest: its digest, or undefined when the registry does not say. */
  async headManifest(repo: string, reference: string, accept: string[]): Promise<string | undefined> {
    const what = `checking manifest ${reference} in ${this.host}/${repo}`;
    const res = await this.request('HEAD', `${repo}/manifests/${reference}`, { repo, accept, what });
    discard(res);
    if (res.status !== 200) throw await this.failure(res, what);
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' ? d : undefined;
  }

  /** Opens a blob for streaming (status 200 checked); the caller verifies digest and size. */
  async openBlob(repo: string, digest: string, what: string): Promise<HttpResponse> {
    const res = await this.request('GET', `${repo}/blobs/${digest}`, { repo, what });
    if (res.status !== 200) throw await this.failure(res, what);
    return res;
  }

  /** Reads a whole (small) blob and checks its size and digest. */
  async readBlob(repo: string, digest: string, size: number, limit: number, what: string): Promise<Buffer> {
    if (size > limit) throw new TpodError('EREGISTRY', `${what}: too large (${size} bytes; the limit is ${limit})`);
    const res = await this.openBlob(repo, digest, what);
    const bytes = await readBody(res, Math.max(size, 0) + 1, what).catch((err: unknown) => {
      if (err instanceof TpodError && /too large/.test(err.message)) throw new TpodError('EDIGEST', `${what}: the registry sent more than the ${size} bytes the manifest says`);
      throw err;
    });
    if (bytes.length !== size) throw new TpodError('EDIGEST', `${what}: size mismatch: expected ${size} bytes, got ${bytes.length}`);
    const got = sha256(bytes);
    if (got !== digest) throw new TpodError('EDIGEST', `${what}: digest mismatch: expected ${digest}, got ${got}`);
    return bytes;
  }

  /** The registry's base URL (after ping). */
  get baseUrl(): URL | undefined {
    return this.base;
  }

  /** Whether the registry has a blob in a repository (HEAD). */
  async hasBlob(repo: string, digest: string, actions: string[]): Promise<boolean> {
    const what = `checking blob ${digest} in ${this.host}/${repo}`;
    const res = await this.request('HEAD', `${repo}/blobs/${digest}`, { repo, actions, what });
    discard(res);
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await this.failure(res, what);
  }

  /** Cross-repository mount; true when the registry mounted it (201). */
  async mountBlob(repo: string, digest: string, from: string): Promise<boolean> {
    const what = `mounting blob ${digest} from ${from} into ${this.host}/${repo}`;
    const q = new URLSearchParams({ mount: digest, from });
    const res = await this.request('POST', `${repo}/blobs/uploads/?${q.toString()}`, { repo, actions: ['pull', 'push'], what, body: Buffer.alloc(0) });
    if (res.status === 201 || res.status === 202 || res.status === 401 || res.status === 403 || res.status === 404) {
      discard(res);
      // 202: not mounted, an upload session was opened instead; it is simply abandoned.
      return res.status === 201;
    }
    throw await this.failure(res, what);
  }

  /** Monolithic upload: POST for a session, then PUT the whole blob with its digest. */
  async uploadBlob(repo: string, digest: string, body: Buffer | StreamBody): Promise<void> {
    const what = `uploading blob ${digest} to ${this.host}/${repo}`;
    const start = await this.request('POST', `${repo}/blobs/uploads/`, { repo, actions: ['pull', 'push'], what, body: Buffer.alloc(0) });
    if (start.status !== 202 && start.status !== 201) throw await this.failure(start, what);
    discard(start);
    const loc = start.headers.location;
    if (!loc) throw new TpodError('EREGISTRY', `${what}: the registry gave no upload location`);
    const url = new URL(loc, this.base);
    url.searchParams.set('digest', digest);
    const res = await this.request('PUT', '', { repo, actions: ['pull', 'push'], what, body, url, headers: { 'content-type': 'application/octet-stream' } });
    if (res.status !== 201 && res.status !== 204 && res.status !== 200) throw await this.failure(res, what);
    discard(res);
  }

  /** PUT a manifest under a tag; returns the digest the registry reports (or ours). */
  async putManifest(repo: string, tag: string, bytes: Buffer, mediaType: string): Promise<string> {
    const what = `writing manifest ${tag} to ${this.host}/${repo}`;
    const res = await this.request('PUT', `${repo}/manifests/${tag}`, { repo, actions: ['pull', 'push'], what, body: bytes, headers: { 'content-type': mediaType } });
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await this.failure(res, what);
    discard(res);
    const d = res.headers['docker-content-digest'];
    return typeof d === 'string' ? d : sha256(bytes);
  }

  /** Checks credentials against /v2/ (login): true when accepted. */
  async checkLogin(): Promise<boolean> {
    await this.ping();
    if (!this.challenge) return true;
    const res = await this.request('GET', '', { what: `logging into ${this.host}` });
    discard(res);
    if (res.status === 200) return true;
    if (res.status === 401 || res.status === 403) return false;
    throw await this.failure(res, `logging into ${this.host}`);
  }
}

function method(res: HttpResponse): string {
  return (res.body as unknown as { req?: { method?: string } }).req?.method ?? 'GET';
}

/** Bearer over Basic when a registry offers both. */
function preferred(cs: Challenge[]): Challenge | undefined {
  return cs.find((c) => c.scheme === 'bearer') ?? cs.find((c) => c.scheme === 'basic');
}

/** Retry-After (seconds or an HTTP date), else exponential backoff; at most 30 s. */
export function retryDelay(header: string | string[] | undefined, attempt: number, now = Date.now()): number {
  const h = Array.isArray(header) ? header[0] : header;
  let ms: number | undefined;
  if (h !== undefined && h.trim() !== '') {
    const secs = Number(h);
    if (Number.isFinite(secs) && secs >= 0) ms = secs * 1000;
    else {
      const at = Date.parse(h);
      if (Number.isFinite(at)) ms = Math.max(at - now, 0);
    }
  }
  ms ??= 500 * 2 ** attempt;
  return Math.min(ms, 30_000);
}
