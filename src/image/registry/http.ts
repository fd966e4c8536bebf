// Plain HTTP(S) requests over Node's own http/https modules with keep-alive agents: one
// request in, status + headers + a body stream out. Network failures become typed
// errors that say what happened in words (refused, DNS, timeout, TLS) rather than
// Node's error codes.
import type { IncomingHttpHeaders, IncomingMessage, Agent as HttpAgent } from 'node:http';
import * as http from 'node:http';
import * as https from 'node:https';
import { TpodError } from '../../errors.js';
import type { TlsSettings } from './tls.js';

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  url: URL;
}

export interface HttpRequestOptions {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  /** https only. */
  tls?: TlsSettings;
  /** Socket inactivity limit (connecting, waiting for headers, between body chunks). */
  timeoutMs: number;
  body?: Buffer | string | StreamBody;
}

/** A request body read from a stream of known length (opened again for a retry). */
export interface StreamBody {
  length: number;
  open: () => NodeJS.ReadableStream;
}

function isStreamBody(b: unknown): b is StreamBody {
  return typeof b === 'object' && b !== null && typeof (b as StreamBody).open === 'function';
}

const agents = new Map<string, HttpAgent>();

function agentFor(url: URL, tls: TlsSettings | undefined): HttpAgent {
  const key = `${url.protocol}//${url.host}|${tls ? `${tls.rejectUnauthorized}|${tls.certDir ?? ''}` : ''}`;
  let a = agents.get(key);
  if (!a) {
    if (url.protocol === 'https:') {
      const opts: https.AgentOptions = { keepAlive: true, maxSockets: 16, rejectUnauthorized: tls?.rejectUnauthorized ?? true };
      if (tls) {
        if (tls.ca.length > 0) opts.ca = tls.ca;
        if (tls.cert !== undefined) opts.cert = tls.cert;
        if (tls.key !== undefined) opts.key = tls.key;
      }
      a = new https.Agent(opts);
    } else {
      a = new http.Agent({ keepAlive: true, maxSockets: 16 });
    }
    agents.set(key, a);
  }
  return a;
}

/** Closes idle keep-alive sockets so the process can exit at once. */
export function closeAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

export class TimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`timed out after ${ms / 1000} s`);
  }
}

export function httpRequest(url: URL, opts: HttpRequestOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'user-agent': 'tpod', ...(opts.headers ?? {}) };
    const body = opts.body;
    if (body !== undefined) headers['content-length'] = String(isStreamBody(body) ? body.length : Buffer.byteLength(body));
    const req = mod.request(url, { method: opts.method, headers, agent: agentFor(url, opts.tls) });
    req.setTimeout(opts.timeoutMs, () => req.destroy(new TimeoutError(opts.timeoutMs)));
    req.on('error', reject);
    req.on('response', (res) => {
      resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: res, url });
    });
    if (isStreamBody(body)) {
      const src = body.open();
      src.on('error', (e) => req.destroy(e));
      src.pipe(req);
    } else {
      req.end(body);
    }
  });
}

/** Reads a whole body, refusing more than `limit` bytes (before reading them when the length is declared). */
export async function readBody(res: HttpResponse, limit: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    res.body.destroy();
    throw new TpodError('EREGISTRY', `${what} is too large (${declared} bytes; the limit is ${limit})`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res.body) {
      const b = c as Buffer;
      n += b.length;
      if (n > limit) {
        res.body.destroy();
        throw new TpodError('EREGISTRY', `${what} is too large (more than ${limit} bytes)`);
      }
      chunks.push(b);
    }
  } catch (err) {
    if (err instanceof TpodError) throw err;
    throw networkError(err, `reading ${what}`);
  }
  if (res.body.readableAborted || (Number.isFinite(declared) && n < declared && res.status < 300)) {
    throw new TpodError('EREGISTRY', `reading ${what}: the connection closed after ${n} of ${declared} bytes`);
  }
  return Buffer.concat(chunks);
}

/** Drains and discards a body so its socket can be reused. */
export function discard(res: HttpResponse): void {
  res.body.resume();
  res.body.on('error', () => undefined);
}

const TLS_TRUST = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE',
]);

/** Whether an error is worth another try (the network, not the request, failed). */
export function isTransient(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE' || code === 'EAI_AGAIN' || code === 'ECONNABORTED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
}

/** A network failure in words: "<what>: connection refused", "...: cannot resolve host name", ... */
export function networkError(err: unknown, what: string): TpodError {
  if (err instanceof TpodError) return err;
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e?.code ?? '';
  let why: string;
  if (code === 'ECONNREFUSED') why = 'connection refused';
  else if (code === 'ENOTFOUND' || code === 'EAI_NONAME') why = 'cannot resolve the host name (DNS lookup failed)';
  else if (code === 'EAI_AGAIN') why = 'cannot resolve the host name (DNS temporarily unavailable)';
  else if (code === 'ETIMEDOUT' || err instanceof TimeoutError) why = e.message.startsWith('timed out') ? e.message : 'timed out';
  else if (code === 'ECONNRESET' || code === 'EPIPE') why = 'the connection was reset';
  else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') why = 'no route to the host';
  else if (TLS_TRUST.has(code)) why = `TLS certificate not trusted (${e.message}); add its CA to certs.d or use --tls-verify=false for a registry you trust`;
  else if (code === 'EPROTO' || /SSL|TLS|wrong version number/i.test(e?.message ?? '')) {
    const msg = e?.message ?? '';
    const detail = /wrong version number/.test(msg) ? 'the server does not speak TLS' : (/SSL routines:[^:]*:([^:\n]+)/.exec(msg)?.[1] ?? msg.split('\n')[0]!).trim();
    why = `TLS handshake failed (${detail}); is it a plain-http registry? (then: insecure = true in registries.conf, or --tls-verify=false)`;
  }
  else if (code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.message === 'aborted') why = 'the connection closed early';
  else why = e?.message ?? String(err);
  return new TpodError('EREGISTRY', `${what}: ${why}`, { cause: err });
}
