// `tpod create` and the first half of `tpod run`: from checked options and a local image
// to a container record with its bundle (config.json, hosts, hostname, resolv.conf) and
// its empty upper/work/merged dirs. Nothing here spawns a process; the rootfs is mounted
// by `run` / `start` inside the user namespace.
import { readOr } from '../util/read-or.js';
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import type { Context } from './context.js';
import { TpodError } from '../errors.js';
import { parseMountsConf } from '../runtime/default-mounts.js';
import type { BindMount } from '../runtime/mounts.js';
import type { RunOptions } from '../runtime/options.js';
import { buildSpec, hasResources, processArgs, type KeepIdMapping, type SpecInput } from '../runtime/spec.js';
import { configuredProfilePath, loadProfile, realHostFacts } from '../runtime/seccomp.js';
import { thermalThrottlePaths } from '../runtime/security.js';
import { realSources } from '../network/config.js';
import { readInLayers, resolveUser, parsePasswd, parseGroup, type ResolvedUser } from '../runtime/user.js';
import { selectRuntime, type RuntimeInfo, type CgroupLayout } from '../runtime/runtime.js';
import { commandCertainlyMissing, commandIsDirectory } from '../runtime/command.js';
import { createContainer, type ContainerRecord, type ContainerDirs } from '../storage/containers.js';
import { chooseDriver, type DriverName } from '../storage/driver.js';
import { writeFileAtomic } from '../storage/atomic.js';
import type { ImageConfigBody } from '../image/types.js';
import { matchedName } from '../image/reference.js';
import { engineConfig } from '../util/containers-conf.js';
import { parseUserns } from '../runtime/options.js';
import { zoneFile } from '../runtime/run-extras.js';
import { groupAddGids, hostUserLines, keepIdHome, missingWorkdir, startFailure, systemdOn } from './create-extras.js';
import { parseSignal, DEFAULT_STOP_TIMEOUT } from '../runtime/lifecycle-options.js';
import { buildHosts } from '../network/etc-files.js';
import { resolveNetwork, networkFiles, shareHostsName } from '../network/plan.js';
import { releaseNetwork, startNetworkEarly } from '../network/setup.js';
import { addContainerNotify, ensureNotifyDir, writeCidFile } from '../systemd/run-options.js';
import { removeVolumes, resolveVolumes, volumeMounts } from './container-volumes.js';

/** What the image store gives run/create (src/image/store.ts). */
export interface ImageAccess {
  findImage(ctx: Context, nameOrId: string): Promise<{ id: string; names: string[]; layers: string[] }>;
  readImageConfig(ctx: Context, id: string): Promise<{ config?: ImageConfigBody; rootfs: { diff_ids: string[] } }>;
  layerDiffDir(ctx: Context, diffId: string): string;
  /** The mode of the rootfs's "/" over these layers (bottom first); 0755 when absent. */
  layersRootMode?(ctx: Context, diffIds: string[]): number;
}

export interface PreparedContainer {
  record: ContainerRecord;
  dirs: ContainerDirs;
  runtime: RuntimeInfo;
  driver: DriverName;
  /** Layer dirs, bottom first. */
  lowerDirs: string[];
  /** For run: the command is certainly not in the rootfs (nothing to start). */
  missingCommand?: string;
  /** For run: the command is a directory (nothing to start either). */
  directoryCommand?: string;
  /**
   * With startNetwork: pasta was launched on the namespace file (settles when that
   * spawn returned; waitNetworkReady() waits for pasta itself). The run must not set
   * the network up again, and must release it if it fails before the container runs.
   */
  networkStarted?: Promise<void>;
  /**
   * What Podman refuses when the container starts (a published port in use, a missing
   * --workdir, an unknown --hostuser): the container exists, and a run fails with it (126).
   */
  startFailure?: TpodError;
}

// ---- host facts ------------------------------------------------------------------

/** The open-file limit this process has (Node raises the soft limit to the hard one). */
export function readNofile(limitsText: string): { soft: number; hard: number } {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limitsText);
  const n = (s: string | undefined): number => (s === undefined || s === 'unlimited' ? 1048576 : Number(s));
  const soft = n(m?.[1]);
  const hard = n(m?.[2]);
  return Number.isFinite(soft) && Number.isFinite(hard) ? { soft: hard, hard } : { soft: 1024, hard: 1024 };
}


const CATATONIT = ['/usr/bin/catatonit', '/usr/libexec/podman/catatonit', '/usr/local/libexec/podman/catatonit', '/usr/libexec/catatonit/catatonit', '/usr/local/bin/catatonit'];

export function findCatatonit(): string | undefined {
  return CATATONIT.find((p) => existsSync(p));
}

// ---- generated /etc files ---------------------------------------------------------

/** /etc/hosts without a network of its own: loopback names plus the container's name(s). */
export function hostsFile(hostname: string, name: string, hostHosts: string | undefined): string {
  return buildHosts({ hostname, name, ...(hostHosts !== undefined ? { hostHosts } : {}) });
}

/**
 * The host's resolv.conf. A loopback-only resolver (systemd-resolved's 127.0.0.53) is
 * unreachable from a container's own network namespace, so the upstream list is used
 * instead when there is one.
 */
export function resolvConfFor(hostText: string, upstreamText: string | undefined, hostNetwork: boolean): string {
  const servers = [...hostText.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!);
  const loopbackOnly = servers.length > 0 && servers.every((s) => s.startsWith('127.') || s === '::1');
  if (!hostNetwork && loopbackOnly && upstreamText !== undefined) return upstreamText;
  return hostText;
}

/** keep-id: the user's own passwd/group lines, added when the image lacks them. */
export function keepIdFiles(
  passwd: string | undefined,
  group: string | undefined,
  me: { uid: number; gid: number; name: string; home: string; shell: string },
): { passwd?: string; group?: string } {
  const out: { passwd?: string; group?: string } = {};
  const p = passwd ?? '';
  if (!parsePasswd(p).some((e) => e.uid === me.uid)) {
    out.passwd = `${p}${p === '' || p.endsWith('\n') ? '' : '\n'}${me.name}:*:${me.uid}:${me.gid}:${me.name}:${me.home}:${me.shell}\n`;
  }
  const g = group ?? '';
  if (!parseGroup(g).some((e) => e.gid === me.gid)) {
    out.group = `${g}${g === '' || g.endsWith('\n') ? '' : '\n'}${me.name}:x:${me.gid}:${me.name}\n`;
  }
  return out;
}

// ---- create -------------------------------------------------------------------------

export interface CreateOptions {
  /** `run` records the container as running from the start (one record write fewer). */
  forRun: boolean;
  /** Fail now on a published host port something else holds (run: before anything is written). */
  checkPorts?: boolean;
  /** run: start pasta now, to set up while the container is written (see PreparedContainer). */
  startNetwork?: boolean;
  /** Size of the pause namespace's id maps (for keep-id); read from the host when absent. */
  idCounts?: { uid: number; gid: number };
  /** The pod the container belongs to (src/pod/): its infra, or a member joining these namespaces. */
  pod?: { id: string; infra?: boolean; namespaces?: () => Partial<Record<'ipc' | 'uts' | 'pid', string>> };
}

function resourcesWarning(layout: CgroupLayout): string {
  return layout.mode === 'v2'
    ? 'Resource limits are not supported and ignored: this host does not delegate cgroup v2 controllers to tpod yet'
    : 'Resource limits are not supported and ignored on cgroups V1 rootless systems';
}

/**
 * Creates the container. With --pod it joins the pod (pod-join.ts): the infra's
 * network and namespaces, the infra started first for a run; a pod made by --pod new:
 * goes again when the container cannot be created.
 */
export async function prepareContainer(ctx: Context, opts: RunOptions, images: ImageAccess, co: CreateOptions): Promise<PreparedContainer> {
  if (opts.pod === undefined || co.pod) return prepareOwn(ctx, opts, images, co);
  const { joinPod } = await import('./pod-join.js');
  const { forgetMember, refreshMemberNamespaces } = await import('./pod-member.js');
  const joined = await joinPod(ctx, opts, { start: co.forRun || co.startNetwork === true });
  let p: PreparedContainer | undefined;
  try {
    // A run writes the member while the infra starts, then points it at the infra's namespaces.
    p = await prepareOwn(ctx, joined.opts, images, { ...co, pod: { id: joined.pod.id, namespaces: joined.namespaces } });
    if (joined.ready) {
      await joined.ready;
      refreshMemberNamespaces(ctx, p.record);
    }
    return p;
  } catch (err) {
    await joined.ready?.catch(() => undefined);
    // The member never ran: it goes with the failure (and a pod made for it with --pod new:).
    if (p) await forgetMember(ctx, p.record);
    await joined.undo?.();
    throw err;
  }
}

async function prepareOwn(ctx: Context, given: RunOptions, images: ImageAccess, co: CreateOptions): Promise<PreparedContainer> {
  const conf = engineConfig(ctx);
  let opts: RunOptions = { ...given };
  // containers.conf's [containers] userns applies when --userns was not given.
  if (opts.userns === 'default' && conf.userns) opts.userns = parseUserns(conf.userns);
  if (opts.imageVolumeMode === undefined && conf.imageVolumeMode) opts.imageVolumeMode = conf.imageVolumeMode;
  if (ctx.globals.defaultMountsFile !== undefined) opts = { ...opts, volumes: [...opts.volumes, ...defaultMounts(ctx.globals.defaultMountsFile, opts.volumes)] };
  // What killed commands left is cleaned first (when the store is not busy: then later).
  await (await import('./orphans.js')).repairOrphans(ctx, { wait: false });
  const image = await images.findImage(ctx, opts.image);
  const imageConfig = await images.readImageConfig(ctx, image.id);
  const diffIds = imageConfig.rootfs.diff_ids.length > 0 ? imageConfig.rootfs.diff_ids : image.layers;
  const lowerDirs = diffIds.map((d) => images.layerDiffDir(ctx, d));
  const topFirst = [...lowerDirs].reverse();
  const config = imageConfig.config;

  const { runtime, layout } = selectRuntime(ctx);
  const { driver } = await chooseDriver(ctx);

  // Users and groups come from the image's own files; they cannot change before start.
  const passwdText = readInLayers(topFirst, '/etc/passwd');
  const groupText = readInLayers(topFirst, '/etc/group');

  let user: ResolvedUser;
  let keepId: KeepIdMapping | undefined;
  let extraFiles: { passwd?: string; group?: string } = {};
  // Refused when the container starts, as Podman does (the container is created anyway).
  let startError: string | undefined;
  if (opts.userns === 'nomap' || opts.userns === 'auto') {
    // The runtime enters the nested namespace before it mounts the rootfs, and the
    // private storage directories (0700) are not for ids other than the user's own.
    throw new TpodError('EROOTLESS', `--userns ${opts.userns} is not supported yet: a namespace without your own id cannot reach tpod's private storage`);
  }
  if (opts.userns === 'keep-id') {
    const me = userInfo();
    const home = keepIdHome(me.homedir, opts, config?.WorkingDir, topFirst);
    const counts = co.idCounts ?? (await namespaceIdCounts(ctx));
    keepId = { uid: ctx.uid, gid: ctx.gid, uidCount: counts.uid, gidCount: counts.gid };
    // -u still wins inside a keep-id container; by default the user is themself.
    user = opts.user !== undefined
      ? resolveUser(opts.user, { passwd: passwdText, group: groupText })
      : { uid: ctx.uid, gid: ctx.gid, additionalGids: [], home, name: me.username };
    extraFiles = keepIdFiles(passwdText, groupText, { uid: ctx.uid, gid: ctx.gid, name: me.username, home, shell: '/bin/sh' });
  } else {
    user = resolveUser(opts.user ?? (config?.User || undefined), { passwd: passwdText, group: groupText });
  }
  if (opts.hostUsers) {
    const r = hostUserLines(readOr('/etc/passwd', ''), extraFiles.passwd ?? passwdText, opts.hostUsers);
    if (r.missing !== undefined) startError = `unable to find user ${r.missing}: no matching entries in passwd file`;
    else if (r.passwd !== undefined) extraFiles = { ...extraFiles, passwd: r.passwd };
  }
  try {
    const gids = groupAddGids(opts.groupAdd, groupText);
    if (gids.length > 0) user = { ...user, additionalGids: [...new Set([...user.additionalGids, ...gids])] };
  } catch (err) {
    startError ??= (err as Error).message;
  }
  const workdir = missingWorkdir(opts, topFirst);
  const localtime = opts.tz !== undefined ? zoneFile(opts.tz) : undefined;
  const logConfig = opts.log ?? { driver: conf.logDriver === 'json-file' || conf.logDriver === 'none' || conf.logDriver === 'passthrough' ? conf.logDriver : 'k8s-file' };

  if (hasResources(opts.resources)) ctx.log.report(resourcesWarning(layout));
  const nofile = readNofile(readOr('/proc/self/limits', ''));
  const capLastCap = opts.capAdd.includes('ALL') || opts.privileged ? Number(readOr('/proc/sys/kernel/cap_last_cap', '40').trim()) || 40 : 40;
  const initBinary = opts.init ? findCatatonit() : undefined;
  if (opts.init && !initBinary) throw new TpodError('ECONFIG', '--init needs catatonit: install the "catatonit" package');
  // Fail on a bad command line, or a missing seccomp profile, before anything is written.
  const args = processArgs(config, opts);
  const seccomp = seccompFor(ctx, opts);
  if (systemdOn(opts.systemdMode, args)) opts.systemdMode = 'always';

  const network = await resolveNetwork(ctx, opts, config, { checkPorts: false });
  // A host port in use fails the start, not the create (Podman's run then exits 126).
  let portFailure: TpodError | undefined;
  if (co.checkPorts && network.ports.length > 0) {
    const { checkPortsFree } = await import('../network/ports.js');
    portFailure = await checkPortsFree(network.ports).then(
      () => undefined,
      (err: unknown) => (err instanceof TpodError ? startFailure(err.message) : Promise.reject(err)),
    );
  }
  let networkStarted: Promise<void> | undefined;
  if (co.startNetwork && network.mode === 'pasta' && !portFailure && startError === undefined && workdir === undefined) {
    networkStarted = startNetworkEarly(ctx, { id: '', network: 'pasta', netns: network.netns, networkOptions: network.options, ports: network.ports });
    networkStarted.catch(() => undefined); // awaited by the caller; not unhandled meanwhile
  }

  // Volumes last: nothing after them fails but the record itself, which gives them back.
  const vols = await resolveVolumes(ctx, opts, config);
  opts = vols.opts;
  let dirsOut: ContainerDirs | undefined;
  let missingCommand: string | undefined;
  let directoryCommand: string | undefined;
  const rootMode = images.layersRootMode?.(ctx, diffIds) ?? 0o755;
  const record = await createContainer(ctx, opts.name, ({ id, name, dirs }) => {
    dirsOut = dirs;
    const hostname = opts.hostname ?? id.slice(0, 12);
    const net = networkFiles(ctx, network, opts, { id, name, hostname });
    const place = (f: { text: string } | { path: string } | undefined, file: string): string | undefined => {
      if (f === undefined) return undefined;
      if ('path' in f) return f.path;
      const p = join(dirs.userdata, file);
      // Plain writes: the record written after them is the commit point, and a dir
      // without a record is removed as a leftover.
      writeFileSync(p, f.text, { mode: 0o644 });
      return p;
    };
    const files = {
      hosts: place(net.hosts, 'hosts'),
      hostname: join(dirs.userdata, 'hostname'),
      resolvConf: place(net.resolvConf, 'resolv.conf'),
    } as { hosts?: string; hostname: string; resolvConf?: string; passwd?: string; group?: string; containerEnv?: string; localtime?: string };
    writeFileSync(files.hostname, `${hostname}\n`, { mode: 0o644 });
    // Podman's /run/.containerenv: present (and empty) in every unprivileged container.
    files.containerEnv = join(dirs.userdata, 'containerenv');
    writeFileSync(files.containerEnv, '', { mode: 0o644 });
    if (localtime) files.localtime = localtime;
    // A shared /etc/hosts (pod member, container:) lists this container too.
    if (net.hosts && 'path' in net.hosts && network.peer) shareHostsName(ctx, network.peer, name);
    if (extraFiles.passwd !== undefined) {
      files.passwd = join(dirs.userdata, 'passwd');
      writeFileSync(files.passwd, extraFiles.passwd, { mode: 0o644 });
    }
    if (extraFiles.group !== undefined) {
      files.group = join(dirs.userdata, 'group');
      writeFileSync(files.group, extraFiles.group, { mode: 0o644 });
    }
    const spec = buildSpec({
      id, image: config, opts, user, rootfs: dirs.merged, hostname, files, hostEnv: process.env,
      ...(net.specNetns ? { netnsPath: net.specNetns } : {}), hostNetwork: net.hostNetwork,
      ...(initBinary ? { initBinary } : {}),
      nofile, cgroupV2: layout.mode === 'v2', capLastCap,
      ...(seccomp ? { seccomp } : {}),
      thermalThrottle: thermalThrottlePaths(),
      ...(keepId ? { keepId } : {}),
      applyResources: false,
      extraMounts: volumeMounts(ctx, opts),
      // Asked while the record is written: an infra starting meanwhile is likely up by then.
      ...(co.pod?.namespaces ? { joinNamespaces: co.pod.namespaces() } : {}),
    });
    if (opts.systemd?.sdNotify === 'container') addContainerNotify(spec, ensureNotifyDir(ctx, id));
    writeFileAtomic(join(dirs.userdata, 'config.json'), JSON.stringify(spec, null, 2) + '\n');
    // Podman creates the container and fails at start: so does run, without a spawn.
    if (co.forRun && commandCertainlyMissing(spec, topFirst)) missingCommand = spec.process.args[0];
    else if (co.forRun && commandIsDirectory(spec, topFirst)) directoryCommand = spec.process.args[0];
    const now = new Date().toISOString();
    const rec: ContainerRecord = {
      id,
      name,
      image: opts.image,
      imageId: image.id,
      // The name the container was created with (Podman's RootfsImageName), not another of the image's.
      imageName: matchedName(image.names, opts.image) ?? image.names[0] ?? image.id,
      command: args,
      created: now,
      state: co.forRun ? 'running' : 'created',
      runtime: runtime.name,
      driver,
      layers: diffIds,
      hostname,
      ...net.record,
      rm: opts.rm,
      tty: opts.tty,
      interactive: opts.interactive,
      ...lifecycleFields(opts, config),
      logDriver: logConfig.driver,
      ...(logConfig.path !== undefined ? { logPath: logConfig.path } : {}),
      ...(workdir !== undefined ? { startError: `workdir "${workdir}" does not exist on container ${id}` } : startError !== undefined ? { startError } : {}),
      ...(co.pod ? { pod: co.pod.id, ...(co.pod.infra ? { isInfra: true } : {}) } : {}),
    };
    rec.seccompProfile = seccomp?.path ?? 'unconfined';
    const labels = { ...(config?.Labels ?? {}), ...(opts.labels ?? {}) };
    if (Object.keys(labels).length > 0) rec.labels = labels;
    if (co.forRun) {
      rec.startedAt = now;
      Object.assign(rec, selfAsMonitor());
    }
    return rec;
  }, undefined, rootMode).catch(async (err: unknown) => {
    await removeVolumes(ctx, vols.created);
    // The name was taken, say: the early network goes with the container that never was.
    if (networkStarted) await networkStarted.catch(() => undefined).then(() => releaseNetwork(ctx, { id: '', network: 'pasta', netns: network.netns }));
    throw err;
  });
  if (opts.systemd?.cidFile !== undefined) writeCidFile(opts.systemd.cidFile, record.id);
  await (await import('./events.js')).containerEvent(ctx, record, 'create');
  const out: PreparedContainer = { record, dirs: dirsOut!, runtime, driver, lowerDirs };
  if (missingCommand !== undefined) out.missingCommand = missingCommand;
  if (directoryCommand !== undefined) out.directoryCommand = directoryCommand;
  if (record.startError !== undefined) out.startFailure = startFailure(record.startError);
  else if (portFailure) out.startFailure = portFailure;
  if (networkStarted) out.networkStarted = networkStarted;
  return out;
}

/**
 * The seccomp profile to apply: none with seccomp=unconfined, or for --privileged
 * unless a file was named (as Podman); otherwise the file asked for or the default one.
 */
function seccompFor(ctx: Context, opts: RunOptions): SpecInput['seccomp'] {
  const choice = opts.security?.seccomp ?? { kind: 'default' as const };
  if (choice.kind === 'unconfined' || (opts.privileged && choice.kind === 'default')) return undefined;
  const configured = choice.kind === 'default' ? configuredProfilePath(realSources(process.env, ctx.paths.configHome)) : undefined;
  const loaded = loadProfile(choice, configured);
  return loaded ? { ...loaded, host: realHostFacts() } : undefined;
}

export interface MonitorIdentity {
  monitorPid: number;
  monitorStartTime?: string;
  bootId?: string;
}

/**
 * An attached run has no monitor process: tpod itself waits for the container, so it is
 * recorded as the monitor. If tpod is killed, `ps` then sees the container as ended.
 */
export function selfAsMonitor(proc = '/proc', pid = process.pid): MonitorIdentity {
  const stat = readOr(join(proc, 'self', 'stat'), '');
  const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const out: MonitorIdentity = { monitorPid: pid };
  if (startTime !== undefined && /^\d+$/.test(startTime)) out.monitorStartTime = startTime;
  const boot = readOr(join(proc, 'sys/kernel/random/boot_id'), '').trim();
  if (boot !== '') out.bootId = boot;
  return out;
}

/** What restart, stop and inspect need later: the policy, the stop signal and timeout, the options. */
function lifecycleFields(opts: RunOptions, config: ImageConfigBody | undefined): Partial<ContainerRecord> {
  let imageSignal: number | undefined;
  if (config?.StopSignal) {
    try {
      imageSignal = parseSignal(config.StopSignal);
    } catch {
      /* an image with a signal this host does not know stops with SIGTERM */
    }
  }
  const f: Partial<ContainerRecord> = {
    restartCount: 0,
    stopSignal: opts.stopSignal ?? imageSignal ?? 15,
    stopTimeout: opts.stopTimeout ?? DEFAULT_STOP_TIMEOUT,
    options: opts,
  };
  if (opts.restartPolicy) f.restartPolicy = opts.restartPolicy;
  return f;
}

/** How many ids the pause namespace maps: 1 (the user) + the subordinate ranges. */
async function namespaceIdCounts(ctx: Context): Promise<{ uid: number; gid: number }> {
  const { currentMappings } = await import('../rootless/pause.js');
  const m = currentMappings(ctx);
  const total = (map: Array<{ size: number }>): number => map.reduce((n, e) => n + e.size, 0);
  return { uid: total(m.uidMap), gid: total(m.gidMap) };
}

/** --default-mounts-file's directories, where no mount of the container's own has that destination. */
function defaultMounts(file: string, own: BindMount[]): BindMount[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // As Podman: a mounts file that is not there adds nothing.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TpodError('ECONFIG', `reading ${file}: ${(err as Error).message}`);
  }
  return parseMountsConf(text, existsSync).filter((m) => !own.some((o) => o.destination === m.destination));
}
