// What every Quadlet file kind shares: the keys Podman knows per section, the service
// unit that starts as a copy of the Quadlet file, names of units and of the resources
// they create, and references between Quadlet files (Pod=web.pod, Volume=data.volume:/d,
// Network=net.network, Image=base.image, After=db.container).
import { dirname, extname, isAbsolute, join } from 'node:path';
import { TpodError } from '../errors.js';
import { TpodCmdline, type TpodFeatures } from './cmdline.js';
import type { Diagnostic, UnitEntry, UnitFile, Where } from './unit-file.js';

export type QuadletKind = 'container' | 'volume' | 'network' | 'image' | 'pod' | 'kube' | 'build';

/** The Quadlet section of each kind, and what it is renamed to in the service (systemd ignores X- sections). */
export const GROUPS: Record<QuadletKind, { group: string; xgroup: string }> = {
  container: { group: 'Container', xgroup: 'X-Container' },
  volume: { group: 'Volume', xgroup: 'X-Volume' },
  network: { group: 'Network', xgroup: 'X-Network' },
  image: { group: 'Image', xgroup: 'X-Image' },
  pod: { group: 'Pod', xgroup: 'X-Pod' },
  kube: { group: 'Kube', xgroup: 'X-Kube' },
  build: { group: 'Build', xgroup: 'X-Build' },
};

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** Every key Podman's Quadlet (5.x) knows, per section: anything else is a typo or from elsewhere. */
export const KNOWN_KEYS: Record<QuadletKind, Set<string>> = {
  container: new Set(words(`
    AddCapability AddDevice AddHost Annotation AutoUpdate CgroupsMode ContainerName ContainersConfModule
    DNS DNSOption DNSSearch DropCapability Environment EnvironmentFile EnvironmentHost Entrypoint Exec
    ExposeHostPort GIDMap GlobalArgs Group GroupAdd HealthCmd HealthInterval HealthOnFailure
    HealthLogDestination HealthMaxLogCount HealthMaxLogSize HealthRetries HealthStartPeriod HealthStartupCmd
    HealthStartupInterval HealthStartupRetries HealthStartupSuccess HealthStartupTimeout HealthTimeout
    HostName IP IP6 Image Label LogDriver LogOpt Mask Memory Mount Network NetworkAlias NoNewPrivileges
    Notify PidsLimit Pod PodmanArgs PublishPort Pull ReadOnly ReadOnlyTmpfs ReloadCmd ReloadSignal RemapGid
    RemapUid RemapUidSize RemapUsers Retry RetryDelay Rootfs RunInit SeccompProfile Secret
    SecurityLabelDisable SecurityLabelFileType SecurityLabelLevel SecurityLabelNested SecurityLabelType
    ServiceName ShmSize StartWithPod StopSignal StopTimeout SubGIDMap SubUIDMap Sysctl Timezone Tmpfs UIDMap
    Ulimit Unmask User UserNS VolatileTmp Volume WorkingDir`)),
  volume: new Set(words('ContainersConfModule Copy Device Driver GlobalArgs Group Image Label Options PodmanArgs ServiceName Type User VolumeName')),
  network: new Set(words(`Label DNS ContainersConfModule GlobalArgs DisableDNS Driver Gateway IPAMDriver IPRange IPv6
    InterfaceName Internal NetworkName NetworkDeleteOnStop Options ServiceName Subnet PodmanArgs`)),
  image: new Set(words(`AllTags Arch AuthFile CertDir ContainersConfModule Creds DecryptionKey GlobalArgs Image ImageTag
    OS PodmanArgs Retry RetryDelay ServiceName TLSVerify Variant`)),
  pod: new Set(words(`AddHost ContainersConfModule DNS DNSOption DNSSearch ExitPolicy GIDMap GlobalArgs HostName IP IP6
    Label Network NetworkAlias PodName PodmanArgs PublishPort RemapGid RemapUid RemapUidSize RemapUsers
    ServiceName ShmSize SubGIDMap SubUIDMap UIDMap UserNS Volume`)),
  kube: new Set(words(`AutoUpdate ConfigMap ContainersConfModule ExitCodePropagation GlobalArgs KubeDownForce LogDriver
    LogOpt Network PodmanArgs PublishPort RemapGid RemapUid RemapUidSize RemapUsers ServiceName
    SetWorkingDirectory UserNS Yaml`)),
  build: new Set(words(`Annotation Arch AuthFile ContainersConfModule DNS DNSOption DNSSearch Environment File ForceRM
    GlobalArgs GroupAdd ImageTag Label Network PodmanArgs Pull Retry RetryDelay Secret ServiceName
    SetWorkingDirectory Target TLSVerify Variant Volume`)),
};

/** Keys of the [Quadlet] section. */
export const QUADLET_SECTION_KEYS = new Set(['DefaultDependencies']);

/** The unit that makes a rootless Quadlet wait for the system's network (Podman's podman-user-wait-network-online.service). */
export const WAIT_NETWORK_UNIT = 'tpod-user-wait-network-online.service';

/** Dependency keys whose Quadlet file names (db.container) become service names (db.service). */
const DEPENDENCY_KEYS = ['After', 'Before', 'BindsTo', 'Conflicts', 'OnFailure', 'OnSuccess', 'PartOf', 'PropagatesReloadTo', 'PropagatesStopTo', 'ReloadPropagatedFrom', 'Requires', 'Requisite', 'StopPropagatedFrom', 'Upholds', 'Wants'];

/** One Quadlet file as the others see it: its service and what it creates. */
export interface UnitInfo {
  source: UnitFile;
  kind: QuadletKind;
  /** Without `.service`. */
  serviceName: string;
  /** Container, volume, network, image or pod name; undefined when it has unresolvable specifiers. */
  resourceName: string | undefined;
  /** Services a .pod starts (Wants=/Before=), filled in by its containers. */
  containersToStart: string[];
  /** Why this file produced no unit: files that use it fail too. */
  failure?: TpodError;
}

export function serviceFile(info: UnitInfo): string {
  return `${info.serviceName}.service`;
}

export interface TranslateContext {
  /** The command that runs tpod: its absolute path (or node and its script). */
  tpod: string[];
  features: TpodFeatures;
  /** Every Quadlet file by file name. */
  infos: Map<string, UnitInfo>;
  /** A user manager's units (always, for tpod): network-online needs a helper unit. */
  isUser: boolean;
  diag: Diagnostic[];
}

export function kindOf(filename: string): QuadletKind | undefined {
  const ext = extname(filename).slice(1);
  return ext in GROUPS ? (ext as QuadletKind) : undefined;
}

function baseName(filename: string): string {
  const ext = extname(filename);
  return ext ? filename.slice(0, -ext.length) : filename;
}

const SUFFIX: Record<QuadletKind, string> = { container: '', kube: '', volume: '-volume', network: '-network', image: '-image', build: '-build', pod: '-pod' };

/** web.container -> web, data.volume -> data-volume, unless ServiceName= says otherwise. */
export function serviceNameOf(unit: UnitFile, kind: QuadletKind): string {
  return unit.lookup(GROUPS[kind].group, 'ServiceName') || baseName(unit.filename) + SUFFIX[kind];
}

/** ContainerName=, else systemd-%N (systemd-%p_%i for templates). */
export function containerNameOf(unit: UnitFile): string {
  const name = unit.lookup('Container', 'ContainerName');
  if (name) return name;
  return unit.filename.includes('@') ? 'systemd-%p_%i' : 'systemd-%N';
}

/** The name a Quadlet file's resource gets, for other files that refer to it. */
export function resourceNameOf(unit: UnitFile, kind: QuadletKind, serviceName: string): string | undefined {
  switch (kind) {
    case 'container': {
      const n = containerNameOf(unit).replaceAll('%N', serviceName);
      return n.includes('%') ? undefined : n;
    }
    case 'volume':
      return unit.lookup('Volume', 'VolumeName') || `systemd-${baseName(unit.filename)}`;
    case 'network':
      return unit.lookup('Network', 'NetworkName') || `systemd-${baseName(unit.filename)}`;
    case 'pod':
      return unit.lookup('Pod', 'PodName') || `systemd-${baseName(unit.filename)}`;
    case 'image':
      return unit.lookup('Image', 'ImageTag') || unit.lookup('Image', 'Image');
    case 'build': {
      const tags = unit.lookupAll('Build', 'ImageTag');
      return tags[0];
    }
    case 'kube':
      return undefined;
  }
}

/** Sections a Quadlet file of a kind may have besides X-... ones; systemd would ignore others. */
const PASSED_SECTIONS = new Set(['Unit', 'Service', 'Install', 'Quadlet']);

/** Warns about sections and keys that are not Podman Quadlet ones, by FILE:LINE. */
export function checkKeys(unit: UnitFile, kind: QuadletKind, diag: Diagnostic[]): void {
  const { group } = GROUPS[kind];
  for (const s of unit.sections) {
    if (s.name === group || PASSED_SECTIONS.has(s.name) || s.name.startsWith('X-')) continue;
    const hint = s.name.toLowerCase() === group.toLowerCase() ? ` (did you mean [${group}]?)` : '';
    diag.push({ where: s.where, message: `unknown section [${s.name}] in a .${kind} file${hint}; ignored` });
  }
  const known = KNOWN_KEYS[kind];
  for (const e of unit.entries(group)) {
    if (!known.has(e.key)) diag.push({ where: e.where, message: `unknown key "${e.key}" in section [${group}]; ignored` });
  }
  for (const e of unit.entries('Quadlet')) {
    if (!QUADLET_SECTION_KEYS.has(e.key)) diag.push({ where: e.where, message: `unknown key "${e.key}" in section [Quadlet]; ignored` });
  }
}

/** Keys tpod knows but cannot carry out (yet): said once each, by FILE:LINE. */
export function warnUnsupported(unit: UnitFile, group: string, keys: string[], why: string, diag: Diagnostic[]): void {
  for (const key of keys) {
    const e = unit.lastEntry(group, key);
    if (e && e.value !== '') diag.push({ where: e.where, message: `${key}= ${why}; ignored` });
  }
}

/**
 * The service unit starts as a copy of the Quadlet file: [Unit], [Service], [Install]
 * and anything else pass through; the Quadlet sections are kept as X- sections, which
 * systemd ignores.
 */
export function initService(info: UnitInfo, ctx: TranslateContext): UnitFile {
  const unit = info.source;
  const { group, xgroup } = GROUPS[info.kind];
  checkKeys(unit, info.kind, ctx.diag);
  const service = unit.dup(serviceFile(info));
  translateDependencies(service, ctx);
  if (ctx.isUser && unit.lookupBoolean('Quadlet', 'DefaultDependencies', ctx.diag) !== false) {
    // Rootless pasta needs the host's network up; a user manager has no network-online.target.
    service.prepend('Unit', 'After', WAIT_NETWORK_UNIT);
    service.prepend('Unit', 'Wants', WAIT_NETWORK_UNIT);
  }
  if (unit.path) service.add('Unit', 'SourcePath', unit.path);
  service.add('Unit', 'RequiresMountsFor', '%t/tpod');
  service.renameSection(group, xgroup);
  service.renameSection('Quadlet', 'X-Quadlet');
  return service;
}

/** After=db.container becomes After=db.service (and so on for every dependency key). */
function translateDependencies(service: UnitFile, ctx: TranslateContext): void {
  for (const key of DEPENDENCY_KEYS) {
    const deps = service.lookupAllStrv('Unit', key);
    if (!deps.some((d) => kindOf(d))) continue;
    const entries = service.lookupAllEntries('Unit', key);
    const out = deps.map((dep) => {
      if (!kindOf(dep)) return dep;
      const info = ctx.infos.get(dep);
      if (!info) {
        const e = entries.find((x) => x.value.includes(dep));
        throw new TpodError('EQUADLET', `${at(e)}${key}=${dep}: no Quadlet file ${dep} was found`);
      }
      return serviceFile(info);
    });
    service.unset('Unit', key);
    service.add('Unit', key, out.join(' '));
  }
}

/** A tpod command line with the GlobalArgs= and ContainersConfModule= of the file. */
export function baseCmdline(unit: UnitFile, group: string, verb: string[], diag: Diagnostic[]): TpodCmdline {
  const cmd = new TpodCmdline(verb);
  // Podman's --module loads containers.conf modules; tpod has no such global option.
  for (const e of unit.lookupAllEntries(group, 'ContainersConfModule')) {
    diag.push({ where: e.where, message: 'ContainersConfModule= needs `tpod --module`, which tpod does not have; ignored' });
  }
  const globals = unit.lookupAllEntries(group, 'GlobalArgs');
  if (globals.length > 0) cmd.addGlobal(unit.lookupAllArgs(group, 'GlobalArgs', diag), { key: 'GlobalArgs', where: globals[0]!.where });
  return cmd;
}

/** PodmanArgs=: passed as they are (tpod takes Podman's flags). */
export function addPodmanArgs(unit: UnitFile, group: string, cmd: TpodCmdline, diag: Diagnostic[]): void {
  const entries = unit.lookupAllEntries(group, 'PodmanArgs');
  if (entries.length > 0) cmd.addRaw(unit.lookupAllArgs(group, 'PodmanArgs', diag), { key: 'PodmanArgs', where: entries[0]!.where });
}

/** A path relative to the Quadlet file's directory (unless it starts with a systemd specifier). */
export function absolutePath(unit: UnitFile, p: string): string {
  if (isAbsolute(p) || (p.startsWith('%') && !p.startsWith('%%'))) return p;
  return join(dirname(unit.path), p);
}

/** "FILE:LINE: " of an entry, for messages. */
export function at(e: { where?: Where | undefined } | undefined): string {
  return e?.where ? `${e.where.path}:${e.where.line}: ` : '';
}

/** The unit another file refers to, or a clear error. */
export function referencedInfo(ctx: TranslateContext, name: string, e: UnitEntry | undefined, what: string): UnitInfo {
  const info = ctx.infos.get(name);
  if (!info) throw new TpodError('EQUADLET', `${at(e)}${what} ${name} was not found in the Quadlet directories`);
  if (info.failure) throw new TpodError('EQUADLET', `${at(e)}${what} ${name} produced no unit: ${info.failure.message}`);
  return info;
}

/** Requires= and After= another Quadlet's service. */
export function requireUnit(service: UnitFile, info: UnitInfo): void {
  service.add('Unit', 'Requires', serviceFile(info));
  service.add('Unit', 'After', serviceFile(info));
}

/** Image=base.image (or .build): the image's name, and a dependency on its service. */
export function resolveImage(image: string, e: UnitEntry | undefined, service: UnitFile, ctx: TranslateContext): string {
  if (!image.endsWith('.image') && !image.endsWith('.build')) return image;
  const info = referencedInfo(ctx, image, e, 'Quadlet image');
  if (!info.resourceName) throw new TpodError('EQUADLET', `${image} has no image name (Image= or ImageTag=)`);
  requireUnit(service, info);
  return info.resourceName;
}

/**
 * The source of Volume=SRC:DST: a path relative to the Quadlet file, an absolute path
 * (RequiresMountsFor=), or data.volume (the volume's name, after its service).
 */
export function resolveStorageSource(unit: UnitFile, service: UnitFile, source: string, e: UnitEntry | undefined, ctx: TranslateContext): string {
  let src = source;
  if (src.startsWith('.')) src = absolutePath(unit, src);
  if (src.startsWith('/')) {
    service.add('Unit', 'RequiresMountsFor', src);
    return src;
  }
  if (src.endsWith('.volume')) {
    const info = referencedInfo(ctx, src, e, 'Quadlet volume');
    requireUnit(service, info);
    return info.resourceName!;
  }
  // A named volume (or a specifier-built path): tpod's run decides.
  if (!src.startsWith('%') && !ctx.features.hasCommand(['volume', 'create'])) {
    ctx.diag.push({ where: e?.where, message: `Volume=${e?.value ?? source}: "${src}" is a named volume, and this tpod mounts only host paths (give an absolute path)` });
  }
  return src;
}

/** Volume= lines: `-v` arguments (Pod and Container). */
export function addVolumes(unit: UnitFile, group: string, service: UnitFile, cmd: TpodCmdline, ctx: TranslateContext): void {
  for (const e of unit.lookupAllEntries(group, 'Volume')) {
    const parts = e.value.split(':');
    let source = '';
    let dest: string;
    let options = '';
    if (parts.length >= 2) {
      source = parts[0]!;
      dest = parts[1]!;
      if (parts.length >= 3) options = ':' + parts.slice(2).join(':');
    } else {
      dest = parts[0]!;
    }
    if (source !== '') source = resolveStorageSource(unit, service, source, e, ctx);
    cmd.addFromKey('Volume', e.where, '-v', source === '' ? dest : `${source}:${dest}${options}`);
  }
}

/** --network values that are modes, not network names (the part before the first colon). */
const NETWORK_MODES = new Set(['pasta', 'slirp4netns', 'none', 'host', 'private', 'container', 'ns']);

/** Network= lines: net.network and web.container become names, with dependencies. */
export function addNetworks(unit: UnitFile, group: string, service: UnitFile, cmd: TpodCmdline, ctx: TranslateContext): void {
  for (const e of unit.lookupAllEntries(group, 'Network')) {
    let network = e.value.trim();
    const colon = network.indexOf(':');
    const name = colon >= 0 ? network.slice(0, colon) : network;
    const options = colon >= 0 ? network.slice(colon + 1) : undefined;
    if (name.endsWith('.network') || name.endsWith('.container')) {
      const isContainer = name.endsWith('.container');
      const info = referencedInfo(ctx, name, e, isContainer ? 'Quadlet container' : 'Quadlet network');
      if (!info.resourceName) throw new TpodError('EQUADLET', `${at(e)}cannot tell the name of ${name} (its name uses systemd specifiers)`);
      requireUnit(service, info);
      if (isContainer && options !== undefined) throw new TpodError('EQUADLET', `${at(e)}Network=${network}: options are not supported when joining another container's network`);
      network = isContainer ? `container:${info.resourceName}` : options !== undefined ? `${info.resourceName}:${options}` : info.resourceName;
    } else if (!NETWORK_MODES.has(name) && !ctx.features.hasCommand(['network', 'create'])) {
      ctx.diag.push({ where: e.where, message: `Network=${e.value.trim()}: "${name}" is a named network, and this tpod has only the modes ${[...NETWORK_MODES].join(', ')}` });
    }
    cmd.addFromKey('Network', e.where, '--network', network);
  }
}

/** PublishPort= lines as they are. */
export function addPublishPorts(unit: UnitFile, group: string, cmd: TpodCmdline): void {
  for (const e of unit.lookupAllEntries(group, 'PublishPort')) cmd.addFromKey('PublishPort', e.where, '--publish', e.value.trim());
}

/** KEY=VALUE keys (Environment=, Label=, Annotation=). */
export function addKeyVals(unit: UnitFile, group: string, key: string, flag: string, cmd: TpodCmdline, diag: Diagnostic[]): void {
  const where = unit.lookupAllEntries(group, key)[0]?.where;
  for (const [k, v] of unit.lookupAllKeyVal(group, key, diag)) cmd.addFromKey(key, where, flag, v === undefined ? k : `${k}=${v}`);
}

/** Single-value keys that map to `--flag VALUE`, in this order. */
export function addStrings(unit: UnitFile, group: string, map: Array<[string, string]>, cmd: TpodCmdline): void {
  for (const [key, flag] of map) {
    const v = unit.lookup(group, key);
    if (v) cmd.addFromKey(key, unit.lastEntry(group, key)?.where, flag, v);
  }
}

/** Repeatable keys that map to one `--flag VALUE` each. */
export function addAllStrings(unit: UnitFile, group: string, map: Array<[string, string]>, cmd: TpodCmdline): void {
  for (const [key, flag] of map) {
    for (const e of unit.lookupAllEntries(group, key)) cmd.addFromKey(key, e.where, flag, e.value.trim());
  }
}

/** yes/no keys: `--flag` when yes; tpod's defaults are all "no", so "no" adds nothing. */
export function addBooleans(unit: UnitFile, group: string, map: Array<[string, string]>, cmd: TpodCmdline, diag: Diagnostic[]): void {
  for (const [key, flag] of map) {
    if (unit.lookupBoolean(group, key, diag) === true) cmd.addFromKey(key, unit.lastEntry(group, key)?.where, flag);
  }
}

/** Oneshot services (volume, network, image): done once, "active" after. */
export function defaultOneshot(service: UnitFile, remainAfterExit: boolean): void {
  if (!service.has('Service', 'SyslogIdentifier')) service.set('Service', 'SyslogIdentifier', '%N');
  if (!service.has('Service', 'Type')) service.set('Service', 'Type', 'oneshot');
  if (remainAfterExit && !service.has('Service', 'RemainAfterExit')) service.set('Service', 'RemainAfterExit', 'yes');
}

/**
 * The end of a .network or .volume translation: Label=, PodmanArgs=, the resource's name,
 * and the oneshot ExecStart= that creates it.
 */
export function finishCreateOneshot(unit: UnitFile, group: string, create: TpodCmdline, name: string, service: UnitFile, ctx: TranslateContext): UnitFile {
  addKeyVals(unit, group, 'Label', '--label', create, ctx.diag);
  addPodmanArgs(unit, group, create, ctx.diag);
  create.addRaw([name]);
  service.add('Service', 'ExecStart', create.line(ctx.tpod, ctx.features, ctx.diag));
  defaultOneshot(service, true);
  return service;
}

/** UserNS=, UIDMap=, GIDMap=, SubUIDMap=, SubGIDMap= and the older RemapUsers= family. */
export function addUserMappings(unit: UnitFile, group: string, cmd: TpodCmdline, supportManual: boolean): void {
  let defined = false;
  const userns = unit.lookup(group, 'UserNS');
  if (userns) {
    cmd.addFromKey('UserNS', unit.lastEntry(group, 'UserNS')?.where, '--userns', userns);
    defined = true;
  }
  for (const [key, flag] of [['UIDMap', '--uidmap'], ['GIDMap', '--gidmap']] as const) {
    const entries = unit.lookupAllEntries(group, key);
    if (entries.length === 0) continue;
    defined = true;
    for (const m of unit.lookupAllStrv(group, key)) cmd.addFromKey(key, entries[0]!.where, flag, m);
  }
  for (const [key, flag] of [['SubUIDMap', '--subuidname'], ['SubGIDMap', '--subgidname']] as const) {
    const v = unit.lookup(group, key);
    if (v) {
      cmd.addFromKey(key, unit.lastEntry(group, key)?.where, flag, v);
      defined = true;
    }
  }
  const remap = unit.lastEntry(group, 'RemapUsers');
  const uidMaps = unit.lookupAllStrv(group, 'RemapUid');
  const gidMaps = unit.lookupAllStrv(group, 'RemapGid');
  if (defined) {
    if (remap || uidMaps.length > 0 || gidMaps.length > 0) {
      throw new TpodError('EQUADLET', `${at(remap ?? unit.lastEntry(group, 'RemapUid') ?? unit.lastEntry(group, 'RemapGid'))}the deprecated Remap keys are set along with UserNS= or explicit mapping keys`);
    }
    return;
  }
  const mode = unit.lookup(group, 'RemapUsers') ?? '';
  switch (mode) {
    case '':
      if (uidMaps.length > 0) throw new TpodError('EQUADLET', `${at(unit.lastEntry(group, 'RemapUid'))}RemapUid= is set without RemapUsers=`);
      if (gidMaps.length > 0) throw new TpodError('EQUADLET', `${at(unit.lastEntry(group, 'RemapGid'))}RemapGid= is set without RemapUsers=`);
      return;
    case 'manual':
      if (!supportManual) throw new TpodError('EQUADLET', `${at(remap)}RemapUsers=manual is not supported here`);
      for (const m of uidMaps) cmd.addFromKey('RemapUid', remap?.where, '--uidmap', m);
      for (const m of gidMaps) cmd.addFromKey('RemapGid', remap?.where, '--gidmap', m);
      return;
    case 'auto': {
      const opts = [...uidMaps.map((m) => `uidmapping=${m}`), ...gidMaps.map((m) => `gidmapping=${m}`)];
      const size = unit.lookup(group, 'RemapUidSize');
      if (size && Number(size) > 0) opts.push(`size=${Number(size)}`);
      cmd.addFromKey('RemapUsers', remap?.where, '--userns', opts.length > 0 ? `auto:${opts.join(',')}` : 'auto');
      return;
    }
    case 'keep-id': {
      if (uidMaps.length > 1) throw new TpodError('EQUADLET', `${at(remap)}RemapUsers=keep-id takes a single RemapUid= value`);
      if (gidMaps.length > 1) throw new TpodError('EQUADLET', `${at(remap)}RemapUsers=keep-id takes a single RemapGid= value`);
      const opts = [...uidMaps.map((m) => `uid=${m}`), ...gidMaps.map((m) => `gid=${m}`)];
      cmd.addFromKey('RemapUsers', remap?.where, '--userns', opts.length > 0 ? `keep-id:${opts.join(',')}` : 'keep-id');
      return;
    }
    default:
      throw new TpodError('EQUADLET', `${at(remap)}unsupported RemapUsers=${mode} (use auto, keep-id or manual)`);
  }
}

export type { Where };
