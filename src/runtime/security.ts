// --security-opt and --privileged: what they ask for, checked, and the masked and
// read-only path lists they lead to. The lists are Podman's (containers-common's
// defaults plus the per-CPU thermal_throttle directories), so a container sees the same
// /proc and /sys under tpod as under Podman.
import { readdirSync } from 'node:fs';
import { isAbsolute, posix, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { SeccompChoice } from './seccomp.js';

export interface SecurityOptions {
  noNewPrivileges: boolean;
  seccomp: SeccompChoice;
  /** Extra paths to mask (mask=/a:/b). */
  mask: string[];
  /** Paths (globs) taken off the masked and read-only lists; ["ALL"] takes all. */
  unmask: string[];
}

export const MASKED_PATHS = [
  '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/fs/selinux', '/sys/dev/block',
  '/sys/devices/virtual/powercap', '/proc/interrupts',
];

export const READONLY_PATHS = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const SECURITY_OPTS_SUPPORTED = 'no-new-privileges, seccomp=unconfined|PATH, mask=PATHS, unmask=ALL|PATHS, label=disable, apparmor=unconfined';

function pathList(value: string, raw: string): string[] {
  const paths = value.split(':').filter((p) => p !== '');
  if (paths.length === 0) throw new UsageError(`invalid --security-opt "${raw}": give one or more paths separated by ":"`);
  for (const p of paths) {
    if (!isAbsolute(p)) throw new UsageError(`invalid --security-opt "${raw}": "${p}" is not an absolute path`);
  }
  return paths.map((p) => posix.normalize(p));
}

/** Podman's --security-opt forms (KEY=VALUE or KEY:VALUE). A relative profile path is taken from cwd. */
export function parseSecurityOpts(opts: string[], cwd: string): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: { kind: 'default' }, mask: [], unmask: [] };
  for (const raw of opts) {
    const sep = raw.search(/[=:]/);
    const key = sep < 0 ? raw : raw.slice(0, sep);
    const value = sep < 0 ? undefined : raw.slice(sep + 1);
    if (key === 'no-new-privileges' && (value === undefined || value === 'true' || value === 'false')) {
      out.noNewPrivileges = value !== 'false';
    } else if (key === 'seccomp' && value !== undefined && value !== '') {
      out.seccomp = value === 'unconfined' ? { kind: 'unconfined' } : { kind: 'file', path: resolve(cwd, value) };
    } else if (key === 'mask' && value !== undefined) {
      out.mask.push(...pathList(value, raw));
    } else if (key === 'unmask' && value !== undefined) {
      out.unmask.push(...(value === 'ALL' ? ['ALL'] : pathList(value, raw)));
    } else if (raw === 'label=disable' || raw === 'label:disable' || raw === 'apparmor=unconfined' || raw === 'apparmor:unconfined') {
      // No SELinux labels or AppArmor profiles are applied, so asking for none is satisfied.
      continue;
    } else {
      throw new UsageError(`unsupported --security-opt "${raw}": tpod supports ${SECURITY_OPTS_SUPPORTED}`);
    }
  }
  return out;
}

/** A shell-style glob (only "*", "?") matching one path. */
function globMatch(pattern: string, path: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`).test(path);
}

/** /sys/devices/system/cpu/cpuN/thermal_throttle where the host has them (Podman masks each). */
export function thermalThrottlePaths(list: (dir: string) => string[] = safeList, exists: (dir: string) => boolean = (d) => safeList(d).length > 0): string[] {
  const base = '/sys/devices/system/cpu';
  return list(base)
    .filter((n) => /^cpu\d+$/.test(n))
    .map((n) => `${base}/${n}/thermal_throttle`)
    .filter(exists);
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The masked and read-only paths. --privileged has none (rootless: the user's own
 * privileges, nothing hidden from them); unmask takes paths off both lists; mask adds.
 */
export function protectedPaths(sec: SecurityOptions, privileged: boolean, thermal: string[]): { masked: string[]; readonly: string[] } {
  let masked = privileged ? [] : [...MASKED_PATHS, ...thermal];
  let readonly = privileged ? [] : [...READONLY_PATHS];
  if (sec.unmask.includes('ALL')) {
    masked = [];
    readonly = [];
  } else if (sec.unmask.length > 0) {
    const keep = (p: string): boolean => !sec.unmask.some((u) => globMatch(u, p));
    masked = masked.filter(keep);
    readonly = readonly.filter(keep);
  }
  for (const p of sec.mask) if (!masked.includes(p)) masked.push(p);
  return { masked, readonly };
}

/** HostConfig.SecurityOpt, as Podman lists what was asked (the default profile is not listed). */
export function securityOptList(sec: SecurityOptions | undefined, noNewPrivileges: boolean): string[] {
  const out: string[] = [];
  if (noNewPrivileges) out.push('no-new-privileges');
  if (sec?.seccomp.kind === 'unconfined') out.push('seccomp=unconfined');
  if (sec?.seccomp.kind === 'file') out.push(`seccomp=${sec.seccomp.path}`);
  if (sec && sec.mask.length > 0) out.push(`mask=${sec.mask.join(':')}`);
  if (sec && sec.unmask.length > 0) out.push(`unmask=${sec.unmask.join(':')}`);
  return out;
}
