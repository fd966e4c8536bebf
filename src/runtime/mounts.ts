// What `-v`, `--mount` and `--tmpfs` ask for, parsed and checked as Podman does
// (pkg/specgenutil/volumes.go): binds of host paths, named and anonymous volumes,
// tmpfs, image mounts and devpts. The same destination twice is refused unless the
// two are the same mount. Messages follow Podman's wording.
import { isAbsolute, posix, resolve } from 'node:path';
import { TpodError, UsageError, isErrno } from '../errors.js';

export interface BindMount {
  source: string;
  destination: string;
  readOnly: boolean;
  /** Extra mount options (propagation, nosuid, ...), already checked. */
  options: string[];
  /** `:U`: given to the container's user at each start. */
  chown?: boolean;
}

export interface TmpfsMount {
  destination: string;
  options: string[];
  chown?: boolean;
}

/** A named volume (`-v NAME:/dst`), or an anonymous one (`-v /dst`: no name until create). */
export interface VolumeMount {
  name?: string;
  destination: string;
  readOnly: boolean;
  /** exec/noexec, suid/nosuid, dev/nodev and propagation, as given. */
  options: string[];
  chown?: boolean;
  /** `nocopy`: the image's content is not copied into a new volume. */
  noCopy?: boolean;
  /** Made for this container: removed with it (rm -v, --rm). */
  anonymous?: boolean;
}

/** `--mount type=image,source=IMAGE,destination=/dst[,rw=true]`. */
export interface ImageMount {
  image: string;
  destination: string;
  readWrite: boolean;
}

export interface DevptsMount {
  destination: string;
  options: string[];
}

export interface ParsedMounts {
  volumes: BindMount[];
  tmpfs: TmpfsMount[];
  namedVolumes: VolumeMount[];
  imageMounts: ImageMount[];
  devpts: DevptsMount[];
}

/** Host file system access, injectable for tests. */
export interface MountHost {
  cwd: string;
  /** Throws an errno error (ENOENT, ...) when the path cannot be used. */
  stat(path: string): void;
}

const PROPAGATION = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable'];
const FLAG_PAIRS: Record<string, string> = { exec: 'noexec', noexec: 'exec', suid: 'nosuid', nosuid: 'suid', dev: 'nodev', nodev: 'dev' };
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const OPTION_ARG = 'must provide an argument for option';

function badOption(o: string): UsageError {
  return new UsageError(`${o}: invalid mount option`);
}

export function checkDestination(dest: string, what: string): string {
  if (!isAbsolute(dest)) throw new UsageError(`invalid container path "${dest}", must be an absolute path`);
  void what;
  const norm = posix.normalize(dest);
  return norm.length > 1 ? norm.replace(/\/$/, '') : norm;
}

function statSource(host: MountHost, source: string): void {
  try {
    host.stat(source);
  } catch (err) {
    const why = isErrno(err, 'ENOENT') ? 'no such file or directory' : isErrno(err, 'EACCES') ? 'permission denied' : (err as Error).message;
    throw new TpodError('EUSAGE', `statfs ${source}: ${why}`);
  }
}

/** Options common to binds and volumes; returns what is left to the caller. */
interface OptionState {
  readOnly: boolean;
  options: string[];
  chown: boolean;
  noCopy: boolean;
  bind: string;
}

function volumeOption(o: string, s: OptionState, spec: string, named: boolean): void {
  if (o === 'ro' || o === 'rw') s.readOnly = o === 'ro';
  else if (o === 'z' || o === 'Z') return; // SELinux relabelling: nothing to do without SELinux
  else if (o === 'U') s.chown = true;
  else if (o === 'bind' || o === 'rbind') s.bind = o;
  else if ((o === 'copy' || o === 'nocopy') && named) s.noCopy = o === 'nocopy';
  else if (PROPAGATION.includes(o) || o in FLAG_PAIRS) s.options.push(o);
  else throw new UsageError(`invalid option "${o}" in -v ${spec}: ${o}: invalid mount option`);
}

/** `-v HOST:CTR[:OPTS]`, `-v NAME:CTR[:OPTS]` or `-v CTR` (an anonymous volume). */
export function parseVolumeFlag(spec: string, host: MountHost): BindMount | VolumeMount {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '' && parts.length > 1 && parts.indexOf(p) < 2)) {
    throw new UsageError(`invalid volume "${spec}": expected HOST-DIR:CONTAINER-DIR[:OPTIONS]`);
  }
  if (parts.length === 1) {
    // Podman: a single absolute path is an anonymous volume.
    return { destination: checkDestination(spec, `-v ${spec}`), readOnly: false, options: [], anonymous: true };
  }
  const [src, dst, opts = ''] = parts as [string, string, string?];
  const destination = checkDestination(dst, `-v ${spec}`);
  const isBind = src.startsWith('/') || src.startsWith('.');
  if (!isBind && !NAME_RE.test(src)) {
    throw new UsageError(`invalid volume "${spec}": "${src}" is neither an absolute or relative host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  }
  const s: OptionState = { readOnly: false, options: [], chown: false, noCopy: false, bind: 'rbind' };
  for (const o of opts.split(',').filter((x) => x !== '')) volumeOption(o, s, spec, !isBind);
  if (!isBind) {
    const v: VolumeMount = { name: src, destination, readOnly: s.readOnly, options: s.options };
    if (s.chown) v.chown = true;
    if (s.noCopy) v.noCopy = true;
    return v;
  }
  const source = resolve(host.cwd, src);
  statSource(host, source);
  if (!s.options.some((o) => PROPAGATION.includes(o))) s.options.push('rprivate');
  const b: BindMount = { source, destination, readOnly: s.readOnly, options: [s.bind, ...s.options] };
  if (s.chown) b.chown = true;
  return b;
}

/** `--tmpfs /path[:opts]`, with Podman's defaults rw,noexec,nosuid,nodev unless overridden. */
export function parseTmpfs(spec: string): TmpfsMount {
  const colon = spec.indexOf(':');
  const dst = colon < 0 ? spec : spec.slice(0, colon);
  const destination = checkDestination(dst, `--tmpfs ${spec}`);
  const given = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter((o) => o !== '');
  for (const o of given) {
    if (!/^[a-z_]+(=[A-Za-z0-9.%+_-]+)?$/.test(o)) throw new UsageError(`--tmpfs ${spec}: invalid option "${o}"`);
  }
  return tmpfsWithDefaults(destination, given);
}

function tmpfsWithDefaults(destination: string, given: string[]): TmpfsMount {
  const options = [...given];
  const has = (o: string): boolean => given.includes(o);
  if (!has('ro') && !has('rw')) options.unshift('rw');
  for (const [flag, opposite] of [['noexec', 'exec'], ['nosuid', 'suid'], ['nodev', 'dev']] as const) {
    if (!has(flag) && !has(opposite)) options.push(flag);
  }
  return { destination, options };
}

/** Splits `--mount` into fields as Go's csv reader does (quotes allowed). */
function csvFields(spec: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === '"') {
      if (quoted && spec[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw new UsageError(`invalid --mount "${spec}": unterminated quote`);
  out.push(cur);
  return out;
}

const SYNTAX = 'incorrect mount format: should be --mount type=<bind|tmpfs|volume>,[src=<host-dir|volume-name>,]target=<ctr-dir>[,options]';

function truthyOption(key: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  const v = value.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new UsageError(`'${key}' must be set to true or false, instead received "${value}": ${OPTION_ARG}`);
}

/** A parsed mount with the list of ParsedMounts it belongs in. */
export type TypedMount =
  | { kind: 'volumes'; m: BindMount }
  | { kind: 'namedVolumes'; m: VolumeMount }
  | { kind: 'tmpfs'; m: TmpfsMount }
  | { kind: 'imageMounts'; m: ImageMount }
  | { kind: 'devpts'; m: DevptsMount };

/** One `--mount type=...,...`. */
export function parseMountFlag(spec: string, host: MountHost): TypedMount {
  const fields = csvFields(spec);
  let type: string | undefined;
  const rest: Array<[string, string | undefined]> = [];
  for (const f of fields) {
    const eq = f.indexOf('=');
    const k = eq < 0 ? f : f.slice(0, eq);
    const v = eq < 0 ? undefined : f.slice(eq + 1);
    if (k === 'type' && v !== undefined && type === undefined) type = v;
    else rest.push([k, v]);
  }
  if (type === undefined) throw new UsageError(SYNTAX);
  let source: string | undefined;
  let destination: string | undefined;
  let readOnly = false;
  let chown = false;
  let noCopy = false;
  const options: string[] = [];
  const tmpfsOptions: string[] = [];
  for (const [k, v] of rest) {
    switch (k) {
      case 'src':
      case 'source':
        if (type === 'tmpfs') throw new UsageError('source is not supported with tmpfs mounts');
        if (v === undefined) throw new UsageError(`${k}: ${OPTION_ARG}`);
        if (v === '') throw new UsageError(`host directory cannot be empty: ${OPTION_ARG}`);
        source = v;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        if (v === undefined) throw new UsageError(`${k}: ${OPTION_ARG}`);
        destination = checkDestination(v, `--mount ${spec}`);
        break;
      case 'ro':
      case 'readonly':
        readOnly = truthyOption(k, v);
        break;
      case 'rw':
        readOnly = !truthyOption(k, v);
        break;
      case 'U':
      case 'chown':
        chown = truthyOption(k, v);
        break;
      case 'bind-propagation':
        if (v === undefined) throw new UsageError(`${k}: ${OPTION_ARG}`);
        if (!PROPAGATION.includes(v)) throw badOption(v);
        options.push(v);
        break;
      case 'bind-nonrecursive':
        options.push('bind');
        break;
      case 'relabel':
        if (v !== 'private' && v !== 'shared') throw new UsageError(`${k} mount option must be 'private' or 'shared': invalid mount option`);
        break;
      case 'z':
      case 'Z':
      case 'consistency':
        break;
      case 'tmpfs-size':
        if (v === undefined) throw new UsageError(`${k}: ${OPTION_ARG}`);
        tmpfsOptions.push(`size=${v}`);
        break;
      case 'tmpfs-mode':
        if (v === undefined) throw new UsageError(`${k}: ${OPTION_ARG}`);
        tmpfsOptions.push(`mode=${v}`);
        break;
      case 'tmpcopyup':
      case 'notmpcopyup':
        tmpfsOptions.push(k);
        break;
      case 'nocopy':
        noCopy = true;
        break;
      case 'volume-opt':
        break;
      case 'uid':
      case 'gid':
      case 'mode':
      case 'ptxmode':
      case 'newinstance':
      case 'max':
        if (type !== 'devpts') throw badOption(k);
        options.push(v === undefined ? k : `${k}=${v}`);
        break;
      default:
        if (k in FLAG_PAIRS || PROPAGATION.includes(k)) options.push(k);
        else throw badOption(k);
    }
  }
  if (destination === undefined) throw new UsageError('must set volume destination');
  switch (type) {
    case 'bind': {
      const src = resolve(host.cwd, source ?? destination);
      statSource(host, src);
      const bind = options.includes('bind') ? 'bind' : 'rbind';
      const opts = options.filter((o) => o !== 'bind');
      if (!opts.some((o) => PROPAGATION.includes(o))) opts.push('rprivate');
      const b: BindMount = { source: src, destination, readOnly, options: [bind, ...opts] };
      if (chown) b.chown = true;
      return { kind: 'volumes', m: b };
    }
    case 'volume': {
      const v: VolumeMount = { destination, readOnly, options };
      if (source === undefined) v.anonymous = true;
      else if (!NAME_RE.test(source)) throw new UsageError(`invalid volume name "${source}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
      else v.name = source;
      if (chown) v.chown = true;
      if (noCopy) v.noCopy = true;
      return { kind: 'namedVolumes', m: v };
    }
    case 'tmpfs': {
      const t = tmpfsWithDefaults(destination, [...(readOnly ? ['ro'] : []), ...options, ...tmpfsOptions]);
      if (chown) t.chown = true;
      return { kind: 'tmpfs', m: t };
    }
    case 'image':
      if (source === undefined) throw new UsageError(`must set source image: ${OPTION_ARG}`);
      return { kind: 'imageMounts', m: { image: source, destination, readWrite: !readOnly && rest.some(([k, v]) => k === 'rw' && truthyOption(k, v)) } };
    case 'devpts':
      return { kind: 'devpts', m: { destination, options } };
    default:
      throw new UsageError(`invalid filesystem type "${type}"`);
  }
}

function sameMount(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Parses -v, --mount and --tmpfs together, refusing two different mounts at one place. */
export function parseMounts(flags: { volume?: string[] | undefined; mount?: string[] | undefined; tmpfs?: string[] | undefined }, host: MountHost): ParsedMounts {
  const out: ParsedMounts = { volumes: [], tmpfs: [], namedVolumes: [], imageMounts: [], devpts: [] };
  const byDest = new Map<string, unknown>();
  const add = (m: BindMount | VolumeMount | TmpfsMount | ImageMount | DevptsMount, kind: keyof ParsedMounts): void => {
    const prev = byDest.get(m.destination);
    if (prev !== undefined) {
      // The same mount asked for twice is one mount (Podman: same source and options).
      if (sameMount(prev, m) && !('anonymous' in m && m.anonymous)) return;
      throw new UsageError(`${m.destination}: duplicate mount destination`);
    }
    byDest.set(m.destination, m);
    (out[kind] as unknown[]).push(m);
  };
  for (const spec of flags.mount ?? []) {
    const t = parseMountFlag(spec, host);
    add(t.m, t.kind);
  }
  for (const spec of flags.volume ?? []) {
    const m = parseVolumeFlag(spec, host);
    add(m, 'source' in m ? 'volumes' : 'namedVolumes');
  }
  for (const spec of flags.tmpfs ?? []) add(parseTmpfs(spec), 'tmpfs');
  return out;
}
