// The host facts `tpod doctor` judges (src/doctor/checks.ts), read the way tpod itself
// reads them: /etc/subuid, the id-map tools, devices, XDG_RUNTIME_DIR, sysctls, cgroups,
// the runtimes and helpers on PATH, free space, and what killed commands left. Nothing
// is changed; the only processes spawned are getcap (for a tool that is not setuid) and
// an `unshare -U true` probe when no pause process shows user namespaces work already.
import { accessSync, constants, existsSync, lstatSync, readFileSync, statSync, statfsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { release, userInfo } from 'node:os';
import type { DoctorFacts, IdMapTool } from './checks.js';
import { parseSubidFile, type IdRange } from '../rootless/subid.js';
import { detectCgroupLayout, pathFinder } from '../runtime/runtime.js';
import { kernelAllowsRootlessOverlay } from '../storage/driver.js';
import { hostEnv, runtimeDir, dataHome } from '../storage/paths.js';
import { readCacheJson } from '../storage/atomic.js';
import { unprivilegedPortStart } from '../network/ports.js';
import { configuredProfilePath, loadProfile } from '../runtime/seccomp.js';
import { realSources } from '../network/config.js';
import { createContext } from '../engine/context.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function num(path: string): number | undefined {
  const t = read(path)?.trim();
  return t === undefined || t === '' || !/^-?\d+$/.test(t) ? undefined : Number(t);
}

/** Every range in a subid file, whoever it belongs to. */
function allRanges(text: string): IdRange[] {
  return text.split('\n').flatMap((l) => {
    const [, s, c] = l.trim().split(':');
    const start = Number(s);
    const count = Number(c);
    return Number.isInteger(start) && Number.isInteger(count) && count > 0 ? [{ start, count }] : [];
  });
}

function idmapTool(tool: 'newuidmap' | 'newgidmap', find: (n: string) => string | undefined): IdMapTool {
  const path = find(tool);
  if (!path) return { tool, setuidRoot: false };
  const st = statSync(path);
  const out: IdMapTool = { tool, path, setuidRoot: (st.mode & 0o4000) !== 0 && st.uid === 0 };
  if (!out.setuidRoot) {
    const getcap = find('getcap');
    const r = getcap ? spawnSync(getcap, [path], { encoding: 'utf8' }) : undefined;
    const caps = r?.stdout?.trim().replace(`${path} `, '').replace(/^=\s*/, '');
    if (caps && /cap_set[ug]id/.test(caps)) out.caps = caps;
  }
  return out;
}

function usable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Controllers the user may hand on: those of the topmost cgroup v2 dir above us that is theirs. */
function delegatedControllers(uid: number): string[] {
  const own = (read('/proc/self/cgroup') ?? '').split('\n').find((l) => l.startsWith('0::'))?.slice(3);
  if (own === undefined) return [];
  let dir = join('/sys/fs/cgroup', own);
  let top: string | undefined;
  while (dir.startsWith('/sys/fs/cgroup/')) {
    try {
      if (statSync(dir).uid !== uid) break;
    } catch {
      break;
    }
    top = dir;
    dir = dirname(dir);
  }
  return top === undefined ? [] : (read(join(top, 'cgroup.controllers')) ?? '').split(/\s+/).filter((c) => c !== '');
}

function freeBytes(path: string): number | undefined {
  let p = path;
  while (!existsSync(p) && p !== '/') p = dirname(p);
  try {
    const s = statfsSync(p);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

async function userNamespaces(ctxPause: number | undefined, find: (n: string) => string | undefined): Promise<DoctorFacts['userns']> {
  const out: DoctorFacts['userns'] = { works: ctxPause !== undefined };
  const max = num('/proc/sys/user/max_user_namespaces');
  const clone = num('/proc/sys/kernel/unprivileged_userns_clone');
  const apparmor = num('/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  if (max !== undefined) out.maxUserNamespaces = max;
  if (clone !== undefined) out.unprivilegedClone = clone;
  if (apparmor !== undefined) out.apparmorRestrict = apparmor;
  if (out.works) return out;
  const unshare = find('unshare');
  if (unshare) {
    const r = spawnSync(unshare, ['--user', 'true'], { encoding: 'utf8', timeout: 10_000 });
    out.works = r.status === 0;
    if (!out.works) out.detail = (r.stderr ?? '').trim().split('\n')[0] ?? '';
  } else {
    out.works = max !== 0 && clone !== 0 && apparmor !== 1;
  }
  return out;
}

export async function gatherFacts(): Promise<DoctorFacts> {
  const h = hostEnv();
  const me = userInfo();
  const find = pathFinder();
  const user = { name: me.username, uid: h.uid };
  const subuidText = read(process.env.TPOD_SUBUID_FILE || '/etc/subuid') ?? '';
  const subgidText = read(process.env.TPOD_SUBGID_FILE || '/etc/subgid') ?? '';

  // The runtime dir as tpod would choose it, without creating the fallback.
  const rdFacts: DoctorFacts['runtimeDir'] = { usable: false };
  if (h.env.XDG_RUNTIME_DIR) rdFacts.xdg = h.env.XDG_RUNTIME_DIR;
  const fallback = join(h.tmpdir, `tpod-run-${h.uid}`);
  // A missing fallback is not created here (a no-op mkdir): its absence is no problem.
  const rd = runtimeDir(h, lstatSync, () => undefined);
  if (rd.fallbackReason === undefined) rdFacts.usable = true;
  else {
    rdFacts.problem = rd.fallbackReason;
    rdFacts.fallback = fallback;
    if (existsSync(fallback) && rd.fallbackProblem !== undefined) rdFacts.fallbackProblem = rd.fallbackProblem;
  }

  // Storage, pause process and leftovers, through the context any command builds.
  let pause: number | undefined;
  let orphans: DoctorFacts['orphans'];
  let orphansUnknown: string | undefined;
  let driver: string | undefined;
  let storagePath = join(dataHome(h), 'tpod');
  try {
    const ctx = createContext({});
    storagePath = ctx.paths.root;
    const { readPausePid } = await import('../rootless/pause.js');
    pause = readPausePid(ctx);
    driver = readCacheJson<{ driver: string }>(join(ctx.paths.runroot, 'storage-driver.json'), ctx.uid)?.driver;
    const { findOrphans } = await import('../engine/orphans.js');
    const plan = await findOrphans(ctx);
    orphans = { containers: plan.containers.map((c) => c.id), netns: plan.netns };
  } catch (err) {
    orphansUnknown = (err as Error).message;
  }

  let seccomp: DoctorFacts['seccomp'];
  try {
    const p = loadProfile({ kind: 'default' }, configuredProfilePath(realSources(process.env, join(h.env.XDG_CONFIG_HOME || join(h.home, '.config'), 'containers'))));
    seccomp = p ? { path: p.path } : { problem: 'no seccomp profile' };
  } catch (err) {
    seccomp = { problem: (err as Error).message.replace(/;.*$/, '') };
  }

  const facts: DoctorFacts = {
    user,
    subuid: parseSubidFile(subuidText, { name: me.username, id: h.uid }),
    subgid: parseSubidFile(subgidText, { name: me.username, id: h.uid }),
    allSubuid: allRanges(subuidText),
    allSubgid: allRanges(subgidText),
    idmapTools: [idmapTool('newuidmap', find), idmapTool('newgidmap', find)],
    devices: [
      { path: '/dev/fuse', why: 'fuse-overlayfs needs it where native overlay does not work' },
      { path: '/dev/net/tun', why: 'pasta and slirp4netns need it for container networks' },
    ].map((d) => ({ ...d, exists: existsSync(d.path), usable: usable(d.path) })),
    runtimeDir: rdFacts,
    userns: await userNamespaces(pause, find),
    kernel: release(),
    nativeOverlay: kernelAllowsRootlessOverlay(),
    runtimes: {},
    layout: detectCgroupLayout(),
    delegated: delegatedControllers(h.uid),
    unprivilegedPortStart: unprivilegedPortStart(),
    network: {},
    storage: { path: storagePath },
    seccomp,
    orphans,
  };
  const loginUid = num('/proc/self/loginuid');
  if (loginUid !== undefined && loginUid !== 4294967295) facts.loginUid = loginUid;
  if (h.env.SUDO_USER) facts.sudoUser = h.env.SUDO_USER;
  const fuse = find('fuse-overlayfs');
  if (fuse) facts.fuseOverlayfs = fuse;
  if (driver) facts.storageDriver = driver;
  for (const r of ['crun', 'runc'] as const) {
    const p = find(r);
    if (p) facts.runtimes[r] = p;
  }
  const pasta = find('pasta');
  const slirp = find('slirp4netns');
  if (pasta) facts.network.pasta = pasta;
  if (slirp) facts.network.slirp4netns = slirp;
  const free = freeBytes(storagePath);
  if (free !== undefined) facts.storage.freeBytes = free;
  if (orphansUnknown !== undefined) facts.orphansUnknown = orphansUnknown;
  return facts;
}
