// The seccomp filter: containers-common's profile (the one Podman applies), turned into
// the OCI `linux.seccomp` form for one container. The profile's conditional blocks
// (`includes`/`excludes` on capabilities, architectures and minimum kernel) are
// decided here, against the container's bounding set and the host, because the OCI form
// has no conditions. Reading files is kept apart from the conversion so the conversion
// is a pure function the tests feed.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { TpodError } from '../errors.js';
import { configFiles, type ConfigSources } from '../network/config.js';
import { parseToml } from '../util/toml.js';

/** What `--security-opt seccomp=` asked for: the default profile, none, or a file. */
export type SeccompChoice = { kind: 'default' } | { kind: 'unconfined' } | { kind: 'file'; path: string };

interface ProfileFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface ProfileArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface ProfileSyscall {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: ProfileArg[] | null;
  includes?: ProfileFilter;
  excludes?: ProfileFilter;
}

/** containers-common's format (a superset of the OCI one). */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  syscalls?: ProfileSyscall[];
  flags?: string[];
  listenerPath?: string;
}

export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls: Array<{ names: string[]; action: string; errnoRet?: number; args?: ProfileArg[] }>;
}

/** Where containers-common installs the profile, and the admin's override Podman prefers. */
export const DEFAULT_PROFILE = '/usr/share/containers/seccomp.json';
export const OVERRIDE_PROFILE = '/etc/containers/seccomp.json';

export const PACKAGE_HINT = 'install the containers-common package (Debian and Ubuntu: apt install golang-github-containers-common; Fedora: dnf install containers-common)';

/** Node's process.arch -> the profile's short name (includes.arches) and libseccomp's. */
const ARCHES: Record<string, { short: string; scmp: string }> = {
  x64: { short: 'amd64', scmp: 'SCMP_ARCH_X86_64' },
  ia32: { short: 'x86', scmp: 'SCMP_ARCH_X86' },
  arm64: { short: 'arm64', scmp: 'SCMP_ARCH_AARCH64' },
  arm: { short: 'arm', scmp: 'SCMP_ARCH_ARM' },
  ppc64: { short: 'ppc64le', scmp: 'SCMP_ARCH_PPC64LE' },
  s390x: { short: 's390x', scmp: 'SCMP_ARCH_S390X' },
  riscv64: { short: 'riscv64', scmp: 'SCMP_ARCH_RISCV64' },
  loong64: { short: 'loong64', scmp: 'SCMP_ARCH_LOONGARCH64' },
  mips64el: { short: 'mips64le', scmp: 'SCMP_ARCH_MIPSEL64' },
};

export interface HostFacts {
  /** Node's process.arch. */
  arch: string;
  /** uname -r, e.g. "6.1.0-18-amd64". */
  kernel: string;
}

export const realHostFacts = (): HostFacts => ({ arch: process.arch, kernel: release() });

const ACTIONS = new Set(['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY']);
const OPS = new Set(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']);

/** "5.8" <= "6.1.0-18-amd64"? Versions compare by their numeric parts. */
export function kernelAtLeast(kernel: string, min: string): boolean {
  const nums = (v: string): number[] => (/^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v) ?? []).slice(1).map((x) => Number(x ?? 0));
  const k = nums(kernel);
  const m = nums(min);
  if (m.length === 0) throw new TpodError('ECONFIG', `invalid minKernel "${min}" in the seccomp profile`);
  for (let i = 0; i < 3; i++) {
    const a = k[i] ?? 0;
    const b = m[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

function applies(call: ProfileSyscall, caps: Set<string>, arch: string, kernel: string): boolean {
  const ex = call.excludes ?? {};
  if (ex.arches?.includes(arch)) return false;
  if (ex.caps?.some((c) => caps.has(c))) return false;
  if (ex.minKernel && kernelAtLeast(kernel, ex.minKernel)) return false;
  const inc = call.includes ?? {};
  if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(arch)) return false;
  if (inc.caps?.some((c) => !caps.has(c))) return false;
  if (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel)) return false;
  return true;
}

function checkSyscall(call: ProfileSyscall, where: string): void {
  if (!ACTIONS.has(call.action)) throw new TpodError('ECONFIG', `${where}: unknown seccomp action "${call.action}"`);
  if (call.name && call.names && call.names.length > 0) {
    throw new TpodError('ECONFIG', `${where}: both "name" and "names" are set; use one of them`);
  }
  for (const a of call.args ?? []) {
    if (!OPS.has(a.op)) throw new TpodError('ECONFIG', `${where}: unknown seccomp operator "${a.op}"`);
  }
}

/**
 * The OCI filter for a container whose bounding set is `bounding`, on this host. Blocks
 * whose conditions do not hold are left out, as containers-common does; the arch list
 * comes from archMap's entry for the host (the native arch and its compat arches).
 */
export function convertProfile(profile: SeccompProfile, bounding: string[], host: HostFacts, source = 'seccomp profile'): OciSeccomp {
  if (!ACTIONS.has(profile.defaultAction)) throw new TpodError('ECONFIG', `${source}: unknown defaultAction "${profile.defaultAction}"`);
  if (profile.architectures?.length && profile.archMap?.length) {
    throw new TpodError('ECONFIG', `${source}: both "architectures" and "archMap" are set; use one of them`);
  }
  const arch = ARCHES[host.arch];
  const out: OciSeccomp = { defaultAction: profile.defaultAction, syscalls: [] };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.architectures?.length) out.architectures = [...profile.architectures];
  else if (arch && profile.archMap?.length) {
    const entry = profile.archMap.find((a) => a.architecture === arch.scmp);
    if (entry) out.architectures = [entry.architecture, ...(entry.subArchitectures ?? [])];
  }
  if (profile.flags?.length) out.flags = [...profile.flags];
  const caps = new Set(bounding);
  const short = arch?.short ?? host.arch;
  (profile.syscalls ?? []).forEach((call, i) => {
    checkSyscall(call, `${source}: syscalls[${i}]`);
    if (!applies(call, caps, short, host.kernel)) return;
    const names = call.name ? [call.name] : call.names ?? [];
    if (names.length === 0) return;
    const s: OciSeccomp['syscalls'][number] = { names, action: call.action };
    if (call.errnoRet !== undefined) s.errnoRet = call.errnoRet;
    if (call.args && call.args.length > 0) {
      s.args = call.args.map((a) => ({ index: a.index, value: a.value, ...(a.valueTwo ? { valueTwo: a.valueTwo } : {}), op: a.op }));
    }
    out.syscalls.push(s);
  });
  return out;
}

/** Parses a profile file's text; names the file on any fault. */
export function parseProfile(text: string, path: string): SeccompProfile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new TpodError('ECONFIG', `seccomp profile ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const p = doc as Partial<SeccompProfile> | null;
  if (p === null || typeof p !== 'object' || Array.isArray(p) || typeof p.defaultAction !== 'string') {
    throw new TpodError('ECONFIG', `seccomp profile ${path} has no "defaultAction": it is not a seccomp profile`);
  }
  if (p.syscalls !== undefined && p.syscalls !== null && !Array.isArray(p.syscalls)) {
    throw new TpodError('ECONFIG', `seccomp profile ${path}: "syscalls" must be an array`);
  }
  return p as SeccompProfile;
}

/** `seccomp_profile` from the [containers] table of containers.conf, later files winning. */
export function configuredProfilePath(src: ConfigSources): string | undefined {
  let found: string | undefined;
  for (const f of configFiles(src)) {
    const text = src.readFile(f);
    if (text === undefined || !/^\s*seccomp_profile\s*=/m.test(text)) continue;
    let containers;
    try {
      containers = parseToml(text, f).containers;
    } catch (err) {
      throw new TpodError('ECONFIG', `reading ${f}: ${(err as Error).message}`, { cause: err });
    }
    const v = containers !== undefined && typeof containers === 'object' && !Array.isArray(containers) ? containers.seccomp_profile : undefined;
    if (typeof v === 'string') found = v;
  }
  return found === '' ? undefined : found;
}

export interface LoadedProfile {
  path: string;
  profile: SeccompProfile;
}

/**
 * The profile a container gets: the file it asked for, else containers.conf's
 * seccomp_profile, else /etc/containers/seccomp.json, else containers-common's. None
 * at all is refused (naming the package) rather than running without a filter.
 */
export function loadProfile(choice: SeccompChoice, configured: string | undefined, read: (p: string) => string | undefined = readOrUndefined): LoadedProfile | undefined {
  if (choice.kind === 'unconfined') return undefined;
  if (choice.kind === 'file') {
    const text = read(choice.path);
    if (text === undefined) throw new TpodError('ECONFIG', `opening seccomp profile ${choice.path}: no such file or it cannot be read`);
    return { path: choice.path, profile: parseProfile(text, choice.path) };
  }
  const candidates = configured !== undefined ? [configured] : [OVERRIDE_PROFILE, DEFAULT_PROFILE];
  for (const path of candidates) {
    const text = read(path);
    if (text !== undefined) return { path, profile: parseProfile(text, path) };
  }
  const which = configured !== undefined ? `${configured} (seccomp_profile in containers.conf) is missing` : `${DEFAULT_PROFILE} is missing`;
  throw new TpodError('ECONFIG', `no seccomp profile: ${which}; ${PACKAGE_HINT}, or run the container with --security-opt seccomp=unconfined`);
}

function readOrUndefined(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}
