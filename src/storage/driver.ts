// The rootfs driver: native overlay inside the user namespace where the kernel allows
// it (Linux >= 5.11 with userxattr), fuse-overlayfs otherwise, vfs (a copy) as the last
// resort. All three read the same extracted layers; the choice is probed once per boot
// and kept in the runtime directory.
import { mkdirSync, mkdtempSync, accessSync, constants, existsSync, rmSync, readdirSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { release } from 'node:os';
import type { Context } from '../engine/context.js';
import { UsageError } from '../errors.js';
import { readCacheJson, writeJsonAtomic } from './atomic.js';
import { ensurePrivateDir } from './paths.js';
import { runInNamespace, type NsStep } from '../rootless/join.js';

export const DRIVERS = ['overlay', 'fuse-overlayfs', 'vfs'] as const;
export type DriverName = (typeof DRIVERS)[number];

export function isDriverName(s: string): s is DriverName {
  return (DRIVERS as readonly string[]).includes(s);
}

/** Linux >= 5.11 lets an unprivileged user namespace mount overlay with userxattr. */
export function kernelAllowsRootlessOverlay(kernelRelease: string = release()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 5 || (major === 5 && minor >= 11);
}

export function findInPath(tool: string, pathEnv = process.env.PATH ?? '/usr/bin:/bin'): string | undefined {
  for (const dir of pathEnv.split(':')) {
    const p = join(dir || '.', tool);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function fuseUsable(): boolean {
  if (!findInPath('fuse-overlayfs')) return false;
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export interface MountSpec {
  /** Layer diff dirs, bottom layer first (image order). */
  lowerDirs: string[];
  upper: string;
  work: string;
  merged: string;
  /** Directory the lower dirs live in: they are passed relative to it to keep options short. */
  layersDir: string;
}

function dirHasEntries(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}

function lowerOption(spec: MountSpec): { chdir?: NsStep; lowerdir: string } {
  // overlay lists the top-most lower dir first. A layer an image has twice (an empty
  // layer, a commit that changed nothing) is listed once, at its top-most place: overlay
  // refuses overlapping lower dirs (ELOOP), and the lower copy could change nothing.
  const top = [...new Set([...spec.lowerDirs].reverse())];
  const rel = top.map((d) => relative(spec.layersDir, d));
  if (rel.every((r) => !r.startsWith('..') && !isAbsolute(r))) {
    return { chdir: { kind: 'chdir', arg: spec.layersDir }, lowerdir: rel.join(':') };
  }
  return { lowerdir: top.join(':') };
}

/**
 * nsexec steps that make a container's rootfs appear at spec.merged. For vfs that is a
 * copy of the layers, made once: a merged dir that already has content is the copy.
 */
export function mountSteps(driver: DriverName, spec: MountSpec): NsStep[] {
  if (driver === 'vfs') {
    if (dirHasEntries(spec.merged)) return [];
    return spec.lowerDirs.map((d) => ({ kind: 'vfs-apply', arg: `${d}@${spec.merged}` }));
  }
  const { chdir, lowerdir } = lowerOption(spec);
  const opts = `lowerdir=${lowerdir},upperdir=${spec.upper},workdir=${spec.work}`;
  const steps: NsStep[] = chdir ? [chdir] : [];
  if (driver === 'overlay') steps.push({ kind: 'overlay', arg: `${opts},userxattr@${spec.merged}` });
  else steps.push({ kind: 'fuse-overlay', arg: `${opts}@${spec.merged}` });
  return steps;
}

export function unmountStep(merged: string, after = false): NsStep {
  return { kind: 'umount', arg: merged, after };
}

interface DriverRecord {
  driver: DriverName;
  reason: string;
}

function recordPath(ctx: Context): string {
  return join(ctx.paths.runroot, 'storage-driver.json');
}

/** Mounts a throw-away overlay in the namespace to see whether this kernel lets us. */
async function probeNativeOverlay(ctx: Context): Promise<boolean> {
  ensurePrivateDir(ctx.paths.root, ctx.uid);
  mkdirSync(ctx.paths.tmp, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(ctx.paths.tmp, 'probe-'));
  try {
    for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(dir, d));
    const spec: MountSpec = { lowerDirs: [join(dir, 'lower')], upper: join(dir, 'upper'), work: join(dir, 'work'), merged: join(dir, 'merged'), layersDir: dir };
    const r = await runInNamespace(ctx, [...mountSteps('overlay', spec), unmountStep(spec.merged)], [], { capture: true });
    if (r.code !== 0) ctx.log.debug(`native overlay probe failed: ${r.stderr.trim()}`);
    return r.code === 0;
  } finally {
    // The work dir gets a root-owned (namespace root = us) "work" subdir; still ours.
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The driver for this command: --storage-driver, else the probed choice of this boot. */
export async function chooseDriver(ctx: Context): Promise<{ driver: DriverName; reason: string }> {
  const asked = ctx.globals.storageDriver ?? process.env.TPOD_STORAGE_DRIVER;
  if (asked) {
    const name = asked === 'overlay2' ? 'overlay' : asked;
    if (!isDriverName(name)) throw new UsageError(`unknown storage driver "${asked}": use one of ${DRIVERS.join(', ')}`);
    return { driver: name, reason: 'chosen with --storage-driver' };
  }
  const cached = readCacheJson<DriverRecord>(recordPath(ctx), ctx.uid);
  if (cached && isDriverName(cached.driver)) return cached;
  let rec: DriverRecord;
  if (kernelAllowsRootlessOverlay() && (await probeNativeOverlay(ctx))) {
    rec = { driver: 'overlay', reason: 'native overlay works in the user namespace' };
  } else if (fuseUsable()) {
    rec = { driver: 'fuse-overlayfs', reason: 'native rootless overlay unavailable; fuse-overlayfs found' };
  } else {
    rec = { driver: 'vfs', reason: 'neither native rootless overlay nor fuse-overlayfs (with /dev/fuse) is usable' };
  }
  ensurePrivateDir(ctx.paths.runroot, ctx.uid);
  writeJsonAtomic(recordPath(ctx), rec);
  return rec;
}
