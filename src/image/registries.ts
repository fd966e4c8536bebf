// registries.conf (containers-registries.conf(5), version 2, and the old v1 tables),
// read from the same places as Podman, so an existing setup just works:
//
// - $CONTAINERS_REGISTRIES_CONF, else $XDG_CONFIG_HOME/containers/registries.conf when
//   it exists (then only the user's registries.conf.d/ is read, as Podman does), else
//   /etc/containers/registries.conf with /etc/containers/registries.conf.d/ and the
//   user's drop-in directory;
// - drop-ins (*.conf, in name order) override: a [[registry]] with the same prefix
//   replaces the earlier one, unqualified-search-registries and short-name-mode replace,
//   [aliases] merge.
//
// What comes out: where a reference is pulled from (mirrors first, then the location),
// whether plain http is allowed, whether it is blocked, and how a short name resolves.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TpodError, isErrno } from '../errors.js';
import { parseToml, TomlError, type TomlTable, type TomlValue } from '../util/toml.js';
import { parseReference, qualify, formatReference, type RawReference, type Reference } from './reference.js';

export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

export interface Mirror {
  location: string;
  insecure: boolean;
  pullFromMirror: PullFromMirror;
}

export interface RegistryEntry {
  /** What references it applies to: `host[/path]` or `*.domain`. */
  prefix: string;
  /** Where those references are fetched from (replaces the prefix); "" keeps them. */
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: Mirror[];
  /** The file it was read from, for messages. */
  file: string;
}

export interface Alias {
  value: string;
  file: string;
}

export interface RegistriesConfig {
  unqualifiedSearch: string[];
  registries: RegistryEntry[];
  aliases: Map<string, Alias>;
  shortNameMode?: string;
  /** The main file (whether it exists or not), named in messages. */
  mainFile: string;
  /** Every file that was read, in order. */
  files: string[];
}

/** One file's contribution before merging. */
export interface ConfFragment {
  file: string;
  unqualifiedSearch?: string[];
  registries: RegistryEntry[];
  aliases: Map<string, Alias>;
  shortNameMode?: string;
}

export interface ConfigLocations {
  mainFile: string;
  dropInDirs: string[];
}

/** Where registries.conf and its drop-ins are, for this user (see the header). */
export function configLocations(env: NodeJS.ProcessEnv, configHome: string, systemDir = '/etc/containers', exists: (p: string) => boolean = fileExists): ConfigLocations {
  const userFile = join(configHome, 'registries.conf');
  const userDir = join(configHome, 'registries.conf.d');
  const systemFile = join(systemDir, 'registries.conf');
  const systemDropIns = join(systemDir, 'registries.conf.d');
  const forced = env.CONTAINERS_REGISTRIES_CONF;
  if (forced) return { mainFile: forced, dropInDirs: [systemDropIns, userDir] };
  if (exists(userFile)) return { mainFile: userFile, dropInDirs: [userDir] };
  return { mainFile: systemFile, dropInDirs: [systemDropIns, userDir] };
}

function fileExists(p: string): boolean {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
}

function configError(file: string, why: string): TpodError {
  return new TpodError('ECONFIG', `${file}: ${why}`);
}

function str(v: TomlValue | undefined, file: string, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw configError(file, `${what} must be a string`);
  return v;
}

function bool(v: TomlValue | undefined, file: string, what: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw configError(file, `${what} must be true or false`);
  return v;
}

function strings(v: TomlValue | undefined, file: string, what: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw configError(file, `${what} must be a list of strings`);
  return v as string[];
}

/** A location or prefix: a host with an optional port and path, no scheme. */
function checkLocation(value: string, file: string, what: string): string {
  if (/^[a-z]+:\/\//i.test(value)) throw configError(file, `${what} "${value}": URI schemes are not supported`);
  return value.replace(/\/+$/, '');
}

function parseMirror(t: TomlValue, file: string, mirrorByDigestOnly: boolean): Mirror {
  if (typeof t !== 'object' || Array.isArray(t)) throw configError(file, '[[registry.mirror]] must be a table');
  const location = str(t.location, file, 'mirror location');
  if (!location) throw configError(file, 'a [[registry.mirror]] needs a location');
  const pfm = str(t['pull-from-mirror'], file, 'pull-from-mirror') ?? (mirrorByDigestOnly ? 'digest-only' : 'all');
  if (pfm !== 'all' && pfm !== 'digest-only' && pfm !== 'tag-only') throw configError(file, `pull-from-mirror "${pfm}": must be all, digest-only or tag-only`);
  return { location: checkLocation(location, file, 'mirror location'), insecure: bool(t.insecure, file, 'mirror insecure') ?? false, pullFromMirror: pfm };
}

function parseRegistry(t: TomlValue, file: string): RegistryEntry {
  if (typeof t !== 'object' || Array.isArray(t)) throw configError(file, '[[registry]] must be a table');
  const location = checkLocation(str(t.location, file, 'location') ?? '', file, 'location');
  const prefix = checkLocation(str(t.prefix, file, 'prefix') ?? location, file, 'prefix');
  if (prefix === '') throw configError(file, 'a [[registry]] needs a prefix or a location');
  if (prefix.startsWith('*.') ? prefix.slice(2).includes('*') || prefix.includes('/') : prefix.includes('*')) {
    throw configError(file, `prefix "${prefix}": a wildcard must be the first label of a host name ("*.example.com")`);
  }
  if (location === '' && !prefix.startsWith('*.')) throw configError(file, `[[registry]] with prefix "${prefix}" needs a location`);
  const mirrorByDigestOnly = bool(t['mirror-by-digest-only'], file, 'mirror-by-digest-only') ?? false;
  const rawMirrors = t.mirror;
  if (rawMirrors !== undefined && !Array.isArray(rawMirrors)) throw configError(file, 'mirror must be written as [[registry.mirror]] tables');
  return {
    prefix,
    location,
    insecure: bool(t.insecure, file, 'insecure') ?? false,
    blocked: bool(t.blocked, file, 'blocked') ?? false,
    mirrorByDigestOnly,
    mirrors: (rawMirrors ?? []).map((m) => parseMirror(m, file, mirrorByDigestOnly)),
    file,
  };
}

/** The v1 format's [registries.search/insecure/block] tables, turned into v2 entries. */
function parseV1(reg: TomlTable, file: string, frag: ConfFragment): void {
  const list = (name: string): string[] => {
    const t = reg[name];
    if (t === undefined) return [];
    if (typeof t !== 'object' || Array.isArray(t)) throw configError(file, `[registries.${name}] must be a table`);
    return strings(t.registries, file, `registries.${name}.registries`) ?? [];
  };
  const search = list('search');
  if (search.length > 0) frag.unqualifiedSearch = search;
  const byPrefix = new Map<string, RegistryEntry>();
  const entry = (p: string): RegistryEntry => {
    let e = byPrefix.get(p);
    if (!e) {
      e = { prefix: p, location: p, insecure: false, blocked: false, mirrorByDigestOnly: false, mirrors: [], file };
      byPrefix.set(p, e);
    }
    return e;
  };
  for (const r of list('insecure')) entry(checkLocation(r, file, 'registry')).insecure = true;
  for (const r of list('block')) entry(checkLocation(r, file, 'registry')).blocked = true;
  frag.registries.push(...byPrefix.values());
}

/** Reads one registries.conf (or drop-in). Throws ECONFIG naming the file and line. */
export function parseRegistriesConf(text: string, file: string): ConfFragment {
  let doc: TomlTable;
  try {
    doc = parseToml(text, file);
  } catch (err) {
    if (err instanceof TomlError) throw new TpodError('ECONFIG', `parsing ${err.message}`, { cause: err });
    throw err;
  }
  const frag: ConfFragment = { file, registries: [], aliases: new Map() };
  const v1 = doc.registries;
  if (v1 !== undefined && !Array.isArray(v1) && typeof v1 === 'object') {
    if (doc.registry !== undefined || doc['unqualified-search-registries'] !== undefined) {
      throw configError(file, 'mixes the v1 format ([registries.search] ...) with the v2 format ([[registry]] ...)');
    }
    parseV1(v1, file, frag);
  }
  const search = strings(doc['unqualified-search-registries'], file, 'unqualified-search-registries');
  if (search) frag.unqualifiedSearch = search.map((s) => checkLocation(s, file, 'unqualified-search-registries entry'));
  const mode = str(doc['short-name-mode'], file, 'short-name-mode');
  if (mode !== undefined) {
    if (!['enforcing', 'permissive', 'disabled', ''].includes(mode)) throw configError(file, `short-name-mode "${mode}": must be enforcing, permissive or disabled`);
    if (mode !== '') frag.shortNameMode = mode;
  }
  const regs = doc.registry;
  if (regs !== undefined) {
    if (!Array.isArray(regs)) throw configError(file, 'registries must be written as [[registry]] tables');
    for (const r of regs) frag.registries.push(parseRegistry(r, file));
  }
  const aliases = doc.aliases;
  if (aliases !== undefined) {
    if (typeof aliases !== 'object' || Array.isArray(aliases)) throw configError(file, '[aliases] must be a table');
    for (const [name, value] of Object.entries(aliases)) {
      if (typeof value !== 'string') throw configError(file, `alias "${name}" must be a string`);
      frag.aliases.set(name, { value, file });
    }
  }
  return frag;
}

/** Applies fragments in order: later ones override (see the header). */
export function mergeFragments(mainFile: string, frags: ConfFragment[]): RegistriesConfig {
  const cfg: RegistriesConfig = { unqualifiedSearch: [], registries: [], aliases: new Map(), mainFile, files: frags.map((f) => f.file) };
  for (const f of frags) {
    if (f.unqualifiedSearch !== undefined) cfg.unqualifiedSearch = f.unqualifiedSearch;
    if (f.shortNameMode !== undefined) cfg.shortNameMode = f.shortNameMode;
    for (const r of f.registries) {
      const i = cfg.registries.findIndex((x) => x.prefix === r.prefix);
      if (i >= 0) cfg.registries[i] = r;
      else cfg.registries.push(r);
    }
    for (const [k, v] of f.aliases) {
      if (v.value === '') cfg.aliases.delete(k);
      else cfg.aliases.set(k, v);
    }
  }
  for (const [name, a] of cfg.aliases) checkAlias(name, a);
  return cfg;
}

function checkAlias(name: string, a: Alias): void {
  let key: RawReference;
  try {
    key = parseReference(name);
  } catch {
    throw configError(a.file, `alias "${name}" is not a valid short name`);
  }
  if (key.domain !== undefined || key.tag !== undefined || key.digest !== undefined) {
    throw configError(a.file, `alias "${name}" must be a short name without registry, tag or digest`);
  }
  let value: RawReference;
  try {
    value = parseReference(a.value);
  } catch {
    throw configError(a.file, `alias "${name}": "${a.value}" is not a valid image reference`);
  }
  if (value.domain === undefined) throw configError(a.file, `alias "${name}": "${a.value}" must name its registry`);
}

/** Reads the configuration from `locs`. Missing files are fine; broken ones are errors. */
export function loadRegistriesConfig(locs: ConfigLocations, read: (p: string) => string = (p) => readFileSync(p, 'utf8'), list: (dir: string) => string[] = readdirSync): RegistriesConfig {
  const frags: ConfFragment[] = [];
  const tryRead = (file: string): void => {
    let text: string;
    try {
      text = read(file);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw configError(file, (err as Error).message);
    }
    frags.push(parseRegistriesConf(text, file));
  };
  tryRead(locs.mainFile);
  for (const dir of locs.dropInDirs) {
    let names: string[];
    try {
      names = list(dir);
    } catch {
      continue;
    }
    for (const n of names.filter((x) => x.endsWith('.conf')).sort()) tryRead(join(dir, n));
  }
  return mergeFragments(locs.mainFile, frags);
}

// ---- resolution ---------------------------------------------------------------------

/** The length of the match of `prefix` on `ref`, or -1. */
function matchLength(prefix: string, ref: Reference): number {
  if (prefix.startsWith('*.')) {
    const suffix = prefix.slice(1); // ".example.com"
    const host = ref.domain.replace(/:\d+$/, '');
    return host.endsWith(suffix) && host.length > suffix.length ? prefix.length : -1;
  }
  const s = formatReference(ref);
  if (!s.startsWith(prefix)) return -1;
  const next = s[prefix.length];
  return next === undefined || next === '/' || next === ':' || next === '@' ? prefix.length : -1;
}

/** The [[registry]] entry for a reference: the one with the longest matching prefix. */
export function findRegistry(cfg: RegistriesConfig, ref: Reference): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  let bestLen = -1;
  for (const r of cfg.registries) {
    const n = matchLength(r.prefix, ref);
    if (n > bestLen) {
      best = r;
      bestLen = n;
    }
  }
  return best;
}

/** One place to try: the reference as that endpoint knows it. */
export interface PullSource {
  /** The reference rewritten for this endpoint (its domain is the endpoint's host). */
  ref: Reference;
  insecure: boolean;
  mirror: boolean;
}

/** Replaces the matched prefix of `ref` with `location`, as a string, and parses the result. */
function rewrite(ref: Reference, entry: RegistryEntry, location: string): Reference {
  if (location === '') return ref;
  const s = formatReference(ref);
  // A wildcard prefix matched the whole host.
  const matched = entry.prefix.startsWith('*.') ? ref.domain.length : entry.prefix.length;
  const text = location + s.slice(matched);
  let raw: RawReference;
  try {
    raw = parseReference(text);
  } catch (err) {
    throw new TpodError('ECONFIG', `${entry.file}: rewriting ${s} with location "${location}" gives "${text}": ${(err as Error).message}`);
  }
  if (raw.domain === undefined) throw new TpodError('ECONFIG', `${entry.file}: location "${location}" does not name a registry host`);
  return qualify(raw, raw.domain);
}

/**
 * Where to pull a fully qualified reference from, in order: the mirrors that apply,
 * then the registry's location. Throws when the registry is blocked.
 */
export function pullSources(cfg: RegistriesConfig, ref: Reference): PullSource[] {
  const entry = findRegistry(cfg, ref);
  if (!entry) return [{ ref, insecure: false, mirror: false }];
  if (entry.blocked) {
    throw new TpodError('EREGISTRY', `registry ${ref.domain} is blocked in ${entry.file}`);
  }
  const out: PullSource[] = [];
  const byDigest = ref.digest !== undefined;
  for (const m of entry.mirrors) {
    if (m.pullFromMirror === 'digest-only' && !byDigest) continue;
    if (m.pullFromMirror === 'tag-only' && byDigest) continue;
    out.push({ ref: rewrite(ref, entry, m.location), insecure: m.insecure, mirror: true });
  }
  out.push({ ref: rewrite(ref, entry, entry.location), insecure: entry.insecure, mirror: false });
  return out;
}

/** Whether plain http / unverified TLS is allowed for a registry host (login, ping). */
export function isInsecureRegistry(cfg: RegistriesConfig, host: string): boolean {
  const entry = findRegistry(cfg, { domain: host, path: 'x' });
  return entry?.insecure ?? false;
}

export interface ShortNameResolution {
  /** Fully qualified names to try, in order. */
  candidates: Reference[];
  /** Set when an alias decided it. */
  alias?: Alias;
}

/**
 * How Podman resolves a short name for pulling: an [aliases] entry wins; otherwise
 * every unqualified-search registry in order. (Podman asks on a terminal in enforcing
 * mode when several registries are configured; tpod tries them in order instead.)
 */
export function resolveShortName(cfg: RegistriesConfig, raw: RawReference): ShortNameResolution {
  const alias = cfg.aliases.get(raw.path);
  if (alias) {
    const v = parseReference(alias.value);
    if (raw.tag !== undefined || raw.digest !== undefined) {
      delete v.tag;
      delete v.digest;
      if (raw.tag !== undefined) v.tag = raw.tag;
      if (raw.digest !== undefined) v.digest = raw.digest;
    }
    return { candidates: [qualify(v, v.domain!)], alias };
  }
  if (cfg.unqualifiedSearch.length === 0) {
    throw new TpodError('ENOIMAGE', `short-name "${formatShort(raw)}" did not resolve to an alias and no unqualified-search registries are defined in "${cfg.mainFile}"`);
  }
  return { candidates: cfg.unqualifiedSearch.map((r) => qualify(raw, r)) };
}

function formatShort(raw: RawReference): string {
  let s = raw.path;
  if (raw.tag !== undefined) s += `:${raw.tag}`;
  if (raw.digest !== undefined) s += `@${raw.digest}`;
  return s;
}
