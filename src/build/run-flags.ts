// The flags of RUN (`--mount=...`, `--network=...`) and the build's `--secret`
// values, parsed as buildah parses them (internal/volumes, run_common.go,
// pkg/parse) with its error words. Pure: what the mounts need from the host is done in
// run-mounts.ts.
import { posix } from 'node:path';
import { TpodError } from '../errors.js';

export interface BindRunMount {
  type: 'bind';
  target: string;
  /** Path in the context (or in `from`); "" is its root. */
  source: string;
  from?: string | undefined;
  readWrite: boolean;
  /** nosuid, nodev, noexec, propagation: passed on to the mount. */
  options: string[];
}

export interface CacheRunMount {
  type: 'cache';
  target: string;
  id?: string | undefined;
  source: string;
  from?: string | undefined;
  sharing: 'shared' | 'locked' | 'private';
  mode: number;
  uid: number;
  gid: number;
  readWrite: boolean;
  options: string[];
}

export interface TmpfsRunMount {
  type: 'tmpfs';
  target: string;
  /** size=, mode=, ro, nosuid, ... as tmpfs options. */
  options: string[];
}

export interface SecretRunMount {
  type: 'secret';
  id: string;
  /** Where the file goes; none when the secret only goes into `env`. */
  target?: string | undefined;
  env?: string | undefined;
  required: boolean;
  mode: number;
  uid: number;
  gid: number;
}

export type RunMount = BindRunMount | CacheRunMount | TmpfsRunMount | SecretRunMount;

export interface RunFlags {
  mounts: RunMount[];
  /** undefined: the build's network; else 'none' or 'host'. */
  network?: 'none' | 'host' | undefined;
}

/** A build secret given with --secret: a file's content or an environment variable's value. */
export interface BuildSecret {
  id: string;
  source: string;
  type: 'file' | 'env';
}

const fail = (msg: string): TpodError => new TpodError('EUSAGE', msg);
const badOption = (name: string): TpodError => fail(`${name}: invalid mount option`);
const needsArg = (name: string): TpodError => fail(`${name}: must provide an argument for option`);
const noArg = (name: string): TpodError => fail(`${name}: must not provide an argument for option`);
const PROPAGATION = ['shared', 'rshared', 'private', 'rprivate', 'slave', 'rslave'];

/** A container path of a mount: relative ones are under the working directory. */
function targetPath(v: string, workdir: string): string {
  const p = posix.resolve(workdir || '/', v);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function octal(v: string, what: string): number {
  if (!/^[0-7]+$/.test(v)) throw fail(`unable to parse ${what} "${v}": invalid syntax`);
  return parseInt(v, 8);
}

function decimal(v: string, what: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw fail(`unable to parse ${what} "${v}": invalid syntax`);
  return Number(v);
}

/** One `--mount=` value of RUN; `workdir` places a relative target. */
export function parseRunMount(spec: string, workdir: string): RunMount {
  const tokens = spec.split(',');
  let type = 'bind';
  for (const t of tokens) {
    if (!t.startsWith('type=')) continue;
    const kv = t.split('=');
    if (kv.length !== 2) throw fail('invalid mount type');
    type = kv[1]!;
  }
  switch (type) {
    case 'bind':
      return parseBind(tokens, workdir);
    case 'cache':
      return parseCache(tokens, workdir);
    case 'tmpfs':
      return parseTmpfs(tokens, workdir);
    case 'secret':
      return parseSecret(tokens, workdir);
    default:
      throw fail(`invalid mount type "${type}"`);
  }
}

interface Token {
  name: string;
  value: string | undefined;
}

function split(t: string): Token {
  const eq = t.indexOf('=');
  return eq < 0 ? { name: t, value: undefined } : { name: t.slice(0, eq), value: t.slice(eq + 1) };
}

function flagOnly(t: Token): string {
  if (t.value !== undefined) throw noArg(t.name);
  return t.name;
}

function arg(t: Token): string {
  if (t.value === undefined || t.value === '') throw needsArg(t.name);
  return t.value;
}

/**
 * The options bind and cache mounts share: source, target and from, rw/ro, propagation,
 * nosuid/nodev/noexec, and SELinux or owner relabels that do not apply here.
 */
function commonOption(t: ReturnType<typeof split>, m: BindRunMount | CacheRunMount, workdir: string): boolean {
  if (PROPAGATION.includes(t.name)) {
    m.options.push(flagOnly(t));
    return true;
  }
  switch (t.name) {
    case 'from':
      m.from = arg(t);
      return true;
    case 'src':
    case 'source':
      m.source = arg(t);
      return true;
    case 'target':
    case 'dst':
    case 'destination':
      m.target = targetPath(arg(t), workdir);
      return true;
    case 'bind-propagation':
      if (!PROPAGATION.includes(arg(t))) throw fail(`bind-propagation: "${t.value}": invalid mount option`);
      m.options.push(t.value!);
      return true;
    case 'rw':
    case 'readwrite':
      flagOnly(t);
      m.readWrite = true;
      return true;
    case 'ro':
    case 'readonly':
      flagOnly(t);
      m.readWrite = false;
      return true;
    case 'nosuid':
    case 'nodev':
    case 'noexec':
      m.options.push(flagOnly(t));
      return true;
    case 'z':
    case 'Z':
    case 'U':
      flagOnly(t);
      return true;
    default:
      return false;
  }
}

function parseBind(tokens: string[], workdir: string): BindRunMount {
  const m: BindRunMount = { type: 'bind', target: '', source: '', readWrite: false, options: [] };
  for (const t of tokens.map(split)) {
    if (commonOption(t, m, workdir)) continue;
    switch (t.name) {
      case 'type':
      case 'consistency':
        break;
      case 'bind-nonrecursive':
      case 'no-dereference':
        // Accepted and without effect here, as the SELinux relabels are.
        flagOnly(t);
        break;
      case 'relabel':
        if (!['private', 'shared'].includes(arg(t))) throw fail("relabel mount option must be 'private' or 'shared': invalid mount option");
        break;
      default:
        throw badOption(t.name);
    }
  }
  if (m.target === '') throw fail('must set volume destination');
  return m;
}

function parseCache(tokens: string[], workdir: string): CacheRunMount {
  const m: CacheRunMount = { type: 'cache', target: '', source: '', sharing: 'shared', mode: 0o755, uid: 0, gid: 0, readWrite: true, options: [] };
  for (const t of tokens.map(split)) {
    if (commonOption(t, m, workdir)) continue;
    switch (t.name) {
      case 'type':
        break;
      case 'sharing': {
        const v = arg(t);
        if (v !== 'shared' && v !== 'locked' && v !== 'private') throw fail(`unrecognized value "${v}" for field \`sharing\`: invalid mount option`);
        m.sharing = v;
        break;
      }
      case 'id':
        m.id = arg(t);
        break;
      case 'mode':
        m.mode = octal(arg(t), 'cache mode');
        break;
      case 'uid':
        m.uid = decimal(arg(t), 'cache uid');
        break;
      case 'gid':
        m.gid = decimal(arg(t), 'cache gid');
        break;
      default:
        throw badOption(t.name);
    }
  }
  if (m.target === '') throw fail('must set volume destination');
  return m;
}

function parseTmpfs(tokens: string[], workdir: string): TmpfsRunMount {
  const m: TmpfsRunMount = { type: 'tmpfs', target: '', options: [] };
  for (const t of tokens.map(split)) {
    switch (t.name) {
      case 'type':
        break;
      case 'nosuid':
      case 'nodev':
      case 'noexec':
      case 'tmpcopyup':
        m.options.push(flagOnly(t));
        break;
      case 'ro':
      case 'readonly':
        flagOnly(t);
        m.options.push('ro');
        break;
      // buildkit spells the size `size`, buildah `tmpfs-size`.
      case 'size':
      case 'tmpfs-size':
        if (!/^\d+(\.\d+)?[kKmMgGtT%]?[bB]?$/.test(arg(t))) throw fail(`${t.name}: "${t.value}": invalid mount option`);
        m.options.push(`size=${t.value!}`);
        break;
      case 'tmpfs-mode':
      case 'mode':
        m.options.push(`mode=${octal(arg(t), 'tmpfs mode').toString(8)}`);
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.target = targetPath(arg(t), workdir);
        break;
      default:
        throw badOption(t.name);
    }
  }
  if (m.target === '') throw fail('must set volume destination');
  return m;
}

const SECRET_SYNTAX = 'secret should have syntax id=id[,target=path,required=bool,mode=uint,uid=uint,gid=uint,env=dstVarName';

function parseSecret(tokens: string[], workdir: string): SecretRunMount {
  const bad = (): TpodError => fail(SECRET_SYNTAX);
  let id = '';
  let target: string | undefined;
  let env: string | undefined;
  const m: SecretRunMount = { type: 'secret', id: '', required: false, mode: 0o400, uid: 0, gid: 0 };
  for (const t of tokens.map(split)) {
    const v = t.value ?? '';
    switch (t.name) {
      case 'type':
        break;
      case 'id':
        id = v;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        if (v === '') throw bad();
        target = targetPath(v, workdir);
        break;
      case 'required':
        if (t.value === undefined || /^(1|t|T|true|TRUE|True)$/.test(v)) m.required = true;
        else if (/^(0|f|F|false|FALSE|False)$/.test(v)) m.required = false;
        else throw bad();
        break;
      case 'mode':
        if (!/^[0-7]+$/.test(v)) throw bad();
        m.mode = parseInt(v, 8);
        break;
      case 'uid':
      case 'gid':
        if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw bad();
        m[t.name] = Number(v);
        break;
      case 'env':
        if (v === '') throw bad();
        env = v;
        break;
      default:
        throw bad();
    }
  }
  // Defaults as buildah documents them: the file under /run/secrets unless it only goes to env.
  if (target === undefined && env === undefined) target = `/run/secrets/${id}`;
  if (target !== undefined && id === '') id = posix.basename(target);
  if (id === '') throw bad();
  m.id = id;
  if (target !== undefined) m.target = target;
  if (env !== undefined) m.env = env;
  return m;
}

/**
 * The flags of one RUN, their values already expanded. Unknown flags and values are
 * refused in buildah's words.
 */
export function parseRunFlags(flags: Array<{ name: string; value: string | undefined }>, workdir: string): RunFlags {
  const out: RunFlags = { mounts: [] };
  for (const f of flags) {
    if (f.name === 'mount') {
      if (f.value === undefined || f.value === '') throw fail('no value specified for --mount=');
      out.mounts.push(parseRunMount(f.value, workdir));
    } else if (f.name === 'network') {
      if (f.value === undefined || f.value === '') throw fail('no value specified for --network=');
      if (f.value === 'none' || f.value === 'host') out.network = f.value;
      else if (f.value === 'default') out.network = undefined;
      else throw fail(`unsupported value "${f.value}" for "RUN --network", must be either "host" or "none"`);
    } else {
      throw fail('RUN only supports the --mount and --network flag');
    }
  }
  const seen = new Set<string>();
  for (const m of out.mounts) {
    if (m.type === 'secret' && m.target === undefined) continue;
    const t = m.target!;
    if (seen.has(t)) throw fail(`${t}: duplicate mount destination`);
    seen.add(t);
  }
  return out;
}

const SECRET_FLAG_SYNTAX = 'incorrect secret flag format: should be --secret id=foo,src=bar[,env=ENV][,type=file|env]';

/**
 * One `--secret` value: id=ID with src=PATH (a file), env=VAR (a variable), or neither
 * (the variable named ID when it is set, else the file ID). Files must exist.
 */
export function parseSecretFlag(spec: string, env: NodeJS.ProcessEnv, cwd: string, exists: (p: string) => boolean): BuildSecret {
  let id = '';
  let src = '';
  let type: 'file' | 'env' | undefined;
  for (const t of spec.split(',')) {
    const eq = t.indexOf('=');
    if (eq < 0) throw fail(SECRET_FLAG_SYNTAX);
    const k = t.slice(0, eq);
    const v = t.slice(eq + 1);
    if (k === 'id') id = v;
    else if (k === 'src') src = v;
    else if (k === 'env') {
      src = v;
      type = 'env';
    } else if (k === 'type') {
      if (v !== 'file' && v !== 'env') throw fail('invalid secret type, must be file or env');
      type = v;
    } else throw fail(SECRET_FLAG_SYNTAX);
  }
  if (id === '') throw fail(SECRET_FLAG_SYNTAX);
  if (src === '') src = id;
  type ??= env[id] !== undefined ? 'env' : 'file';
  if (type === 'file') {
    src = posix.resolve(cwd, src);
    if (!exists(src)) throw fail(`could not parse secrets: stat ${src}: no such file or directory`);
  }
  return { id, source: src, type };
}
