// The registry auth handshake (distribution's token spec): a 401 carries a
// WWW-Authenticate challenge; Basic means "send the credentials", Bearer means "get a
// token for this scope from the realm (with the credentials, if any), then send the
// token". Tokens are cached per realm, service, scope and user until shortly before
// they expire, so parallel layer downloads share one.

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses WWW-Authenticate values (RFC 7235): `Bearer realm="x",service="y"`, several
 * challenges in one header, quoted strings with escapes and commas inside.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const v of values) out.push(...parseOne(v));
  return out;
}

function parseOne(s: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const ws = (): void => {
    while (s[i] === ' ' || s[i] === '\t') i++;
  };
  const token = (): string => {
    const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z/]+/.exec(s.slice(i));
    if (!m) return '';
    i += m[0].length;
    return m[0];
  };
  let current: Challenge | undefined;
  while (i < s.length) {
    ws();
    if (s[i] === ',') {
      i++;
      continue;
    }
    const name = token();
    if (name === '') {
      i++; // skip what cannot be parsed
      continue;
    }
    ws();
    if (s[i] === '=' && current) {
      // name=value or name="quoted value" belongs to the current challenge.
      i++;
      ws();
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        // Unquoted: up to the next comma or blank (lenient: URLs appear unquoted too).
        const m = /^[^,\s]*/.exec(s.slice(i))!;
        value = m[0];
        i += value.length;
      }
      current.params[name.toLowerCase()] = value;
    } else {
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

export interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Tokens by realm/service/scope/user; expired ones are dropped when read. */
export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  constructor(private readonly now: () => number = Date.now) {}

  static key(realm: string, service: string | undefined, scope: string, user: string | undefined): string {
    return JSON.stringify([realm, service ?? '', scope, user ?? '']);
  }

  get(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (!t) return undefined;
    if (t.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return t.token;
  }

  /**
   * Keeps a token for `expiresIn` seconds (the spec's minimum of 60 when the server
   * says less or nothing), less a margin so a request never starts with a dying token.
   */
  set(key: string, token: string, expiresIn?: number): void {
    const secs = expiresIn !== undefined && Number.isFinite(expiresIn) && expiresIn >= 60 ? expiresIn : 60;
    this.tokens.set(key, { token, expiresAt: this.now() + Math.max(secs - 10, 1) * 1000 });
  }

  get size(): number {
    return this.tokens.size;
  }
}

/** What a token endpoint answers (`token` or, OAuth-style, `access_token`). */
export function parseTokenResponse(body: string): { token: string; expiresIn?: number } | undefined {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof j !== 'object' || j === null) return undefined;
  const o = j as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token = typeof o.token === 'string' && o.token !== '' ? o.token : typeof o.access_token === 'string' ? o.access_token : undefined;
  if (!token) return undefined;
  const r: { token: string; expiresIn?: number } = { token };
  if (typeof o.expires_in === 'number') r.expiresIn = o.expires_in;
  return r;
}

/** `repository:NAME:pull` (or `pull,push`). */
export function repositoryScope(repo: string, actions: string[] = ['pull']): string {
  return `repository:${repo}:${actions.join(',')}`;
}
