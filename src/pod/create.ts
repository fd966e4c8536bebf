// `tpod pod create`: the pod record and its infra container, which holds the pod's
// network (its -p, --network, --dns, --add-host and hostname apply to the infra) and
// the IPC/UTS/(PID) namespaces members join. The infra is created, not started: the
// first member that starts (or `pod start`) starts it.
//
// Nothing is left half-made: options are checked before anything is written, the pod
// is created under the pods lock with its infra inside that step, and an infra whose
// pod record could not be committed is removed again.
import { resolve } from 'node:path';
import type { Context } from '../engine/context.js';
import { TpodError, UsageError } from '../errors.js';
import { checkIdFile, writeIdFile } from '../util/id-files.js';
import type { RunOptions, RawRunFlags, HostAccess } from '../runtime/options.js';
import { createPod, findPod, type PodNamespace, type PodRecord } from '../storage/pods.js';
import { NAME_RE } from '../storage/records.js';
import { infraImageName } from './infra.js';
import { engineConfig } from '../util/containers-conf.js';

/** The flags as the CLI collected them. */
export interface RawPodCreateFlags {
  name?: string | undefined;
  hostname?: string | undefined;
  label?: string[] | undefined;
  share?: string | undefined;
  infra?: boolean | undefined;
  infraName?: string | undefined;
  publish?: string[] | undefined;
  network?: string | undefined;
  dns?: string[] | undefined;
  dnsSearch?: string[] | undefined;
  dnsOption?: string[] | undefined;
  addHost?: string[] | undefined;
  noHosts?: boolean | undefined;
  exitPolicy?: string | undefined;
  podIdFile?: string | undefined;
  infraConmonPidFile?: string | undefined;
  replace?: boolean | undefined;
  /** -v: the infra's volumes, which every member gets (as with --volumes-from the infra). */
  volume?: string[] | undefined;
}

/** Checked `pod create` options. */
export interface PodCreateOptions {
  name?: string;
  /** --hostname as given (the pod's name is the hostname otherwise). */
  hostname?: string;
  labels: Record<string, string>;
  share: PodNamespace[];
  /** The infra's create options (network, ports, DNS, hosts); absent with --infra=false. */
  infra?: RunOptions;
  infraName?: string;
  /** --infra-image (else containers.conf's infra_image, else tpod's own pause image). */
  infraImage?: string;
  exitPolicy: 'continue' | 'stop';
  podIdFile?: string;
  infraConmonPidFile?: string;
  replace: boolean;
  createCommand?: string[];
}

export const DEFAULT_SHARE: PodNamespace[] = ['ipc', 'net', 'uts'];
const KNOWN = ['cgroup', 'ipc', 'net', 'pid', 'uts', 'none'];

/**
 * --share: a comma list (replacing the default ipc,net,uts), or +LIST (added to it).
 * cgroup is Podman's too, but tpod does not share it (rootless without delegated
 * cgroups there is nothing to share): refused with a word saying so.
 */
export function parseShare(raw: string | undefined): PodNamespace[] {
  if (raw === undefined) return [...DEFAULT_SHARE];
  const add = raw.startsWith('+');
  const items = (add ? raw.slice(1) : raw).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const out: PodNamespace[] = add ? [...DEFAULT_SHARE] : [];
  for (const item of items) {
    if (!KNOWN.includes(item)) {
      throw new UsageError(`invalid kernel namespace to share: ${item}. Options are: cgroup, ipc, net, pid, uts or none`);
    }
    if (item === 'cgroup') throw new UsageError('--share cgroup: tpod cannot share the cgroup namespace in a pod (it shares ipc, net, pid and uts)');
    if (item === 'none') {
      if (items.length > 1) throw new UsageError(`--share ${raw}: "none" cannot be combined with other namespaces`);
      return [];
    }
    if (!out.includes(item as PodNamespace)) out.push(item as PodNamespace);
  }
  return out;
}

export function parsePodCreateOptions(raw: RawPodCreateFlags, host?: HostAccess, parseRun?: (r: RawRunFlags, h?: HostAccess) => RunOptions): PodCreateOptions {
  if (raw.name !== undefined && (!NAME_RE.test(raw.name) || raw.name.length > 253)) {
    throw new UsageError(`invalid pod name "${raw.name}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
  const infra = raw.infra ?? true;
  let share = parseShare(raw.share);
  const exitPolicy = raw.exitPolicy ?? 'continue';
  if (exitPolicy !== 'continue' && exitPolicy !== 'stop') throw new UsageError(`running pod create option: invalid pod exit policy: "${exitPolicy}" (continue or stop)`);
  const o: PodCreateOptions = { labels: {}, share, exitPolicy, replace: raw.replace ?? false };
  if (raw.name !== undefined) o.name = raw.name;
  if (!infra) {
    // Without an infra there is nothing to hold a network or namespaces.
    if ((raw.publish ?? []).length > 0) throw new UsageError('you must have an infra container to publish port bindings to the host');
    if (raw.network !== undefined) throw new UsageError('--infra=false and --network cannot be used together: the network belongs to the infra container');
    for (const [flag, v] of [['--dns', raw.dns], ['--dns-search', raw.dnsSearch], ['--dns-option', raw.dnsOption], ['--add-host', raw.addHost]] as const) {
      if ((v ?? []).length > 0) throw new UsageError(`--infra=false and ${flag} cannot be used together: the pod's /etc files belong to the infra container`);
    }
    if (raw.noHosts) throw new UsageError('--infra=false and --no-hosts cannot be used together');
    if ((raw.volume ?? []).length > 0) throw new UsageError('--infra=false and --volume cannot be used together: the pod\'s volumes are held by the infra container');
    if (raw.infraConmonPidFile !== undefined) throw new UsageError('--infra-conmon-pidfile needs an infra container');
    if (raw.infraName !== undefined) throw new UsageError('--infra-name needs an infra container');
    if (raw.share !== undefined && share.length > 0) {
      throw new UsageError(`cannot set share(${share.join(',')}) namespaces without an infra container`);
    }
    share = [];
    o.share = share;
  }
  if (raw.hostname !== undefined) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})?$/.test(raw.hostname)) {
      throw new UsageError(`invalid --hostname "${raw.hostname}": use letters, digits, "." and "-", at most 64 characters`);
    }
    if (infra && !share.includes('uts')) throw new UsageError('--hostname needs the pod to share the uts namespace (--share uts)');
    o.hostname = raw.hostname;
  }
  if (raw.label !== undefined) {
    for (const l of raw.label) {
      const eq = l.indexOf('=');
      const key = eq < 0 ? l : l.slice(0, eq);
      if (key === '') throw new UsageError(`invalid label "${l}": the key is empty`);
      o.labels[key] = eq < 0 ? '' : l.slice(eq + 1);
    }
  }
  if (raw.infraName !== undefined) {
    if (!NAME_RE.test(raw.infraName)) throw new UsageError(`invalid --infra-name "${raw.infraName}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
    o.infraName = raw.infraName;
  }
  const cwd = host?.cwd ?? process.cwd();
  if (raw.podIdFile !== undefined) {
    if (raw.podIdFile === '') throw new UsageError('--pod-id-file needs a file name');
    o.podIdFile = resolve(cwd, raw.podIdFile);
  }
  if (raw.infraConmonPidFile !== undefined) {
    if (raw.infraConmonPidFile === '') throw new UsageError('--infra-conmon-pidfile needs a file name');
    o.infraConmonPidFile = resolve(cwd, raw.infraConmonPidFile);
  }
  if (infra && parseRun) {
    // The infra's network flags go through run's own checks (ports, DNS, hosts, modes).
    const flags: RawRunFlags = {
      image: infraImageName(),
      command: [],
      network: raw.network,
      publish: raw.publish,
      dns: raw.dns,
      dnsSearch: raw.dnsSearch,
      dnsOption: raw.dnsOption,
      addHost: raw.addHost,
      noHosts: raw.noHosts,
      volume: raw.volume,
    };
    const run = parseRun(flags, host);
    if (run.network === 'container' || run.network === 'ns' || run.network === 'host') {
      if ((run.publish ?? []).length > 0) throw new UsageError(`--network ${raw.network} and -p cannot be used together in a pod: its network is not the infra's own`);
    }
    if (!share.includes('net')) {
      if ((run.publish ?? []).length > 0) {
        throw new UsageError('the pod does not share its network namespace (--share without net): -p would apply to nobody');
      }
      // Members keep networks of their own: the infra needs none of its own (no pasta for
      // nobody), but keeps the host's when asked (Podman's InfraConfig.HostNetwork).
      if (run.network !== 'host') run.network = 'none';
    }
    o.infra = run;
  }
  return o;
}

/** Refuses an existing (or unwritable) id file before anything is created (Podman's message). */
export function checkPodIdFile(path: string): void {
  checkIdFile(path, 'pod');
}

/**
 * Creates the pod (and its infra container). Returns the committed record.
 * --replace removes a pod of the same name first (its containers with it).
 */
export async function createPodFromOptions(ctx: Context, o: PodCreateOptions): Promise<PodRecord> {
  if (o.podIdFile !== undefined) checkPodIdFile(o.podIdFile);
  if (o.replace && o.name !== undefined) {
    let existing: PodRecord | undefined;
    try {
      existing = findPod(ctx, o.name);
    } catch {
      existing = undefined;
    }
    if (existing && existing.name === o.name) {
      const { removePod } = await import('./remove.js');
      await removePod(ctx, existing, { force: true });
    }
  }
  let imageName: string | undefined;
  let images: typeof import('../image/store.js') | undefined;
  if (o.infra) {
    const store = await import('../image/store.js');
    const custom = o.infraImage ?? engineConfig(ctx).infraImage;
    if (custom !== undefined && custom !== '') {
      // Pulled when missing, as Podman does; the infra runs the image's own command.
      const { withPullPolicy } = await import('../image/pull-policy.js');
      images = withPullPolicy(store, { policy: 'missing', quiet: true });
      imageName = custom;
      await images.findImage(ctx, custom);
    } else {
      const { ensureInfraImage } = await import('./infra.js');
      imageName = await ensureInfraImage(ctx);
      images = store;
    }
  }
  let infraId: string | undefined;
  let pod: PodRecord;
  try {
    pod = await createPod(ctx, o.name, async ({ id, name }) => {
      const rec: PodRecord = { id, name, created: new Date().toISOString(), labels: o.labels, share: o.share };
      if (o.hostname !== undefined) rec.hostname = o.hostname;
      if (o.exitPolicy === 'stop') rec.exitPolicy = 'stop';
      if (o.createCommand) rec.createCommand = o.createCommand;
      if (o.infra && imageName && images) {
        const { prepareContainer } = await import('../engine/create.js');
        const infraOpts: RunOptions = { ...o.infra, image: imageName, name: o.infraName ?? `${id.slice(0, 12)}-infra` };
        // The pod's name is its hostname unless --hostname says otherwise (Podman 4).
        if (o.share.includes('uts')) infraOpts.hostname = o.hostname ?? name;
        // On user networks the pod is known by its name (Podman gives the infra that alias).
        if (infraOpts.network === 'bridge') infraOpts.networkAliases = [...(infraOpts.networkAliases ?? []), name];
        // The monitor pid file, written at each infra start like any --conmon-pidfile (src/systemd/run-options.ts).
        if (o.infraConmonPidFile) Object.assign(infraOpts, { systemd: { conmonPidFile: o.infraConmonPidFile } });
        const p = await prepareContainer(ctx, infraOpts, images, { forRun: false, pod: { id, infra: true } }).catch((err: unknown) => {
          // Podman says which step failed: scripts match "...: the container name ... is already in use".
          if (err instanceof TpodError && err.code === 'ENAMEINUSE') throw new TpodError(err.code, `creating infra container: ${err.message}`, { cause: err, exitCode: err.exitCode });
          throw err;
        });
        infraId = p.record.id;
        rec.infraId = infraId;
      }
      return rec;
    });
  } catch (err) {
    if (infraId !== undefined) {
      const { removeOne } = await import('../engine/remove.js');
      await removeOne(ctx, infraId, { force: true, depend: false, podRemoval: true }).catch(() => undefined);
    }
    throw err;
  }
  if (o.podIdFile !== undefined) {
    try {
      writeIdFile(o.podIdFile, pod.id, 'pod');
    } catch (err) {
      const { removePod } = await import('./remove.js');
      await removePod(ctx, pod, { force: true }).catch(() => undefined);
      throw err;
    }
  }
  await (await import('../engine/events.js')).podEvent(ctx, pod, 'create');
  return pod;
}

/** `--pod new:NAME`: a pod with the container's network flags, as Podman moves them to the pod. */
export async function createPodFor(ctx: Context, name: string, opts: RunOptions): Promise<{ pod: PodRecord; opts: RunOptions }> {
  const infra: RunOptions = {
    image: infraImageName(),
    command: [],
    rm: false,
    interactive: false,
    tty: false,
    env: [],
    capAdd: [],
    capDrop: [],
    readOnly: false,
    noNewPrivileges: false,
    tmpfs: [],
    volumes: [],
    network: opts.network,
    userns: 'default',
    init: false,
    resources: {},
  };
  const rest: RunOptions = { ...opts, network: 'default' };
  for (const k of ['networkOptions', 'networkTarget', 'publish', 'publishAll', 'dns', 'dnsSearch', 'dnsOption', 'addHosts', 'noHosts'] as const) {
    if (opts[k] !== undefined) Object.assign(infra, { [k]: opts[k] });
    delete rest[k];
  }
  if (infra.network === 'container' || infra.network === 'ns') {
    throw new UsageError(`--pod new: with --network ${infra.network}: the new pod's network must be its own`);
  }
  const createOpts: PodCreateOptions = { name, labels: {}, share: [...DEFAULT_SHARE], infra, exitPolicy: 'continue', replace: false };
  if (opts.hostname !== undefined) {
    createOpts.hostname = opts.hostname;
    delete rest.hostname;
  }
  const pod = await createPodFromOptions(ctx, createOpts);
  return { pod, opts: rest };
}
