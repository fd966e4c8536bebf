// X.container -> X.service: `tpod run -d` under systemd. The container is named
// systemd-%N, its ID kept in %t/%N.cid; the monitor tells systemd when it is up
// (--sdnotify=conmon, Type=notify) and the service's stop removes it.
import { existsSync } from 'node:fs';
import { TpodError } from '../errors.js';
import { parseSecurityOpts, SECURITY_OPTS_SUPPORTED } from '../runtime/security.js';
import {
  GROUPS, addAllStrings, addBooleans, addKeyVals, addNetworks, addPodmanArgs, addPublishPorts, addStrings, addUserMappings,
  addVolumes, absolutePath, at, baseCmdline, containerNameOf, initService, referencedInfo, resolveImage, serviceFile,
  type TranslateContext, type UnitInfo,
} from './common.js';
import { entryArgs, entryStrv, type UnitFile } from './unit-file.js';

const G = GROUPS.container.group;

/** Whether tpod's run takes this --security-opt (src/runtime/security.ts); anything else would fail at start. */
function tpodTakesSecurityOpt(value: string): boolean {
  try {
    parseSecurityOpts([value], '/');
    return true;
  } catch {
    return false;
  }
}

const STRING_KEYS: Array<[string, string]> = [
  ['Timezone', '--tz'],
  ['PidsLimit', '--pids-limit'],
  ['ShmSize', '--shm-size'],
  ['Entrypoint', '--entrypoint'],
  ['WorkingDir', '--workdir'],
  ['IP', '--ip'],
  ['IP6', '--ip6'],
  ['HostName', '--hostname'],
  ['StopSignal', '--stop-signal'],
  ['StopTimeout', '--stop-timeout'],
  ['Pull', '--pull'],
  ['Memory', '--memory'],
  ['Retry', '--retry'],
  ['RetryDelay', '--retry-delay'],
];

const ALL_STRING_KEYS: Array<[string, string]> = [
  ['NetworkAlias', '--network-alias'],
  ['Ulimit', '--ulimit'],
  ['DNS', '--dns'],
  ['DNSOption', '--dns-option'],
  ['DNSSearch', '--dns-search'],
  ['GroupAdd', '--group-add'],
  ['AddHost', '--add-host'],
  ['Tmpfs', '--tmpfs'],
];

const BOOL_KEYS: Array<[string, string]> = [
  ['RunInit', '--init'],
  ['EnvironmentHost', '--env-host'],
  ['ReadOnlyTmpfs', '--read-only-tmpfs'],
];

const HEALTH_KEYS: Array<[string, string]> = [
  ['HealthCmd', '--health-cmd'],
  ['HealthInterval', '--health-interval'],
  ['HealthOnFailure', '--health-on-failure'],
  ['HealthLogDestination', '--health-log-destination'],
  ['HealthMaxLogCount', '--health-max-log-count'],
  ['HealthMaxLogSize', '--health-max-log-size'],
  ['HealthRetries', '--health-retries'],
  ['HealthStartPeriod', '--health-start-period'],
  ['HealthTimeout', '--health-timeout'],
  ['HealthStartupCmd', '--health-startup-cmd'],
  ['HealthStartupInterval', '--health-startup-interval'],
  ['HealthStartupRetries', '--health-startup-retries'],
  ['HealthStartupSuccess', '--health-startup-success'],
  ['HealthStartupTimeout', '--health-startup-timeout'],
];

export function convertContainer(info: UnitInfo, ctx: TranslateContext): UnitFile {
  const unit = info.source;
  const { diag } = ctx;
  const service = initService(info, ctx);

  const imageEntry = unit.lastEntry(G, 'Image');
  let image = unit.lookup(G, 'Image') ?? '';
  const rootfs = unit.lookup(G, 'Rootfs') ?? '';
  if (image === '' && rootfs === '') {
    throw new TpodError('EQUADLET', `${unit.path}: no Image= in the [Container] section: a .container file must name the image to run (e.g. Image=docker.io/library/nginx:latest)`);
  }
  if (image !== '' && rootfs !== '') throw new TpodError('EQUADLET', `${at(imageEntry)}Image= and Rootfs= cannot both be set`);
  if (image !== '') image = resolveImage(image, imageEntry, service, ctx);

  const name = containerNameOf(unit);
  service.add('Service', 'Environment', 'PODMAN_SYSTEMD_UNIT=%n');

  const killMode = service.lookup('Service', 'KillMode');
  if (killMode === undefined) service.set('Service', 'KillMode', 'mixed');
  else if (killMode !== 'mixed' && killMode !== 'control-group') {
    throw new TpodError('EQUADLET', `${at(service.lastEntry('Service', 'KillMode'))}KillMode=${killMode} is not supported: use mixed (the default) or control-group`);
  }

  // The monitor may have died without removing the container: rm -f; -i ignores an
  // absent one. ExecStopPost also runs when the main process was killed.
  const stop = baseCmdline(unit, G, ['rm'], diag);
  stop.add('-v', '-f', '-i', '--cidfile=%t/%N.cid');
  service.add('Service', 'ExecStop', stop.line(ctx.tpod, ctx.features, diag));
  service.add('Service', 'ExecStopPost', stop.line(ctx.tpod, ctx.features, diag, '-'));

  addReload(unit, service, name, ctx);

  const run = baseCmdline(unit, G, ['run'], diag);
  run.add('--name', name, '--cidfile=%t/%N.cid', '--replace', '--rm');
  const logDriver = unit.lookup(G, 'LogDriver');
  if (logDriver) run.addFromKey('LogDriver', unit.lastEntry(G, 'LogDriver')?.where, '--log-driver', logDriver);
  for (const e of unit.lookupAllEntries(G, 'LogOpt')) for (const o of entryStrv(e)) run.addFromKey('LogOpt', e.where, '--log-opt', o);

  service.add('Service', 'Delegate', 'yes');
  const cgroups = unit.lookup(G, 'CgroupsMode');
  if (cgroups) run.addFromKey('CgroupsMode', unit.lastEntry(G, 'CgroupsMode')?.where, '--cgroups', cgroups);
  else run.add('--cgroups=split');

  addStrings(unit, G, STRING_KEYS, run);
  addAllStrings(unit, G, ALL_STRING_KEYS, run);
  addBooleans(unit, G, BOOL_KEYS, run, diag);
  addNetworks(unit, G, service, run, ctx);

  const type = service.lookup('Service', 'Type');
  if (type !== undefined && type !== 'notify' && type !== 'oneshot') {
    throw new TpodError('EQUADLET', `${at(service.lastEntry('Service', 'Type'))}Type=${type} is not supported for a container: use notify (the default) or oneshot`);
  }
  if (type !== 'oneshot') {
    // systemd hears from the monitor once the container runs (or from the container itself with Notify=yes).
    const notify = unit.lookup(G, 'Notify');
    const notifyWhere = unit.lastEntry(G, 'Notify')?.where;
    const healthy = notify !== undefined && notify.toLowerCase() === 'healthy';
    if (healthy && ctx.features.hasFlag(['run'], '--health-cmd')) run.addFromKey('Notify', notifyWhere, '--sdnotify=healthy');
    else if (healthy) {
      diag.push({ where: notifyWhere, message: 'Notify=healthy needs health checks, which this tpod does not have; the service is ready once the container runs' });
      run.add('--sdnotify=conmon');
    } else if (unit.lookupBoolean(G, 'Notify', diag) === true) run.addFromKey('Notify', notifyWhere, '--sdnotify=container');
    else run.add('--sdnotify=conmon');
    service.set('Service', 'Type', 'notify');
    service.set('Service', 'NotifyAccess', 'all');
    run.add('-d');
  }
  if (!unit.has('Service', 'SyslogIdentifier')) service.set('Service', 'SyslogIdentifier', '%N');

  addSecurity(unit, run, ctx);

  for (const e of unit.lookupAllEntries(G, 'AddDevice')) for (const d of entryStrv(e)) {
    let device = d;
    // A leading "-": only if the device exists on this host.
    if (device.startsWith('-')) {
      device = device.slice(1);
      if (!existsSync(device.split(':')[0]!)) continue;
    }
    run.addFromKey('AddDevice', e.where, '--device', device);
  }
  for (const e of unit.lookupAllEntries(G, 'DropCapability')) for (const c of entryStrv(e)) run.addFromKey('DropCapability', e.where, '--cap-drop', c.toLowerCase());
  for (const e of unit.lookupAllEntries(G, 'AddCapability')) for (const c of entryStrv(e)) run.addFromKey('AddCapability', e.where, '--cap-add', c.toLowerCase());
  for (const e of unit.lookupAllEntries(G, 'Sysctl')) for (const c of entryStrv(e)) run.addFromKey('Sysctl', e.where, '--sysctl', c);
  for (const e of unit.lookupAllEntries(G, 'Secret')) for (const c of entryArgs(e, diag)) run.addFromKey('Secret', e.where, '--secret', c);

  const readOnly = unit.lookupBoolean(G, 'ReadOnly', diag);
  if (readOnly === true) run.addFromKey('ReadOnly', unit.lastEntry(G, 'ReadOnly')?.where, '--read-only');
  if (unit.lookupBoolean(G, 'VolatileTmp', diag) === true && readOnly !== true) {
    run.addFromKey('VolatileTmp', unit.lastEntry(G, 'VolatileTmp')?.where, '--tmpfs', '/tmp:rw,size=512M,mode=1777');
  }

  addUser(unit, run);
  addUserMappings(unit, G, run, true);
  addVolumes(unit, G, service, run, ctx);

  const update = unit.lookup(G, 'AutoUpdate');
  if (update) run.addFromKey('AutoUpdate', unit.lastEntry(G, 'AutoUpdate')?.where, '--label', `io.containers.autoupdate=${update}`);

  for (const e of unit.lookupAllEntries(G, 'ExposeHostPort')) {
    const port = e.value.trim();
    if (!/^\d+(-\d+)?(\/udp|\/tcp)?$/.test(port)) throw new TpodError('EQUADLET', `${at(e)}ExposeHostPort=${port}: not a port or port range (e.g. 8080, 8000-8010/udp)`);
    run.addFromKey('ExposeHostPort', e.where, '--expose', port);
  }
  addPublishPorts(unit, G, run);
  addKeyVals(unit, G, 'Environment', '--env', run, diag);
  addKeyVals(unit, G, 'Label', '--label', run, diag);
  addKeyVals(unit, G, 'Annotation', '--annotation', run, diag);

  for (const e of unit.lookupAllEntries(G, 'EnvironmentFile')) {
    for (const f of entryArgs(e, diag)) run.addFromKey('EnvironmentFile', e.where, '--env-file', absolutePath(unit, f));
  }
  for (const e of unit.lookupAllEntries(G, 'Mount')) run.addFromKey('Mount', e.where, '--mount', mountParam(unit, service, e.value.trim(), ctx, e));

  for (const [key, flag] of HEALTH_KEYS) {
    const v = unit.lookup(G, key);
    if (v) run.addFromKey(key, unit.lastEntry(G, key)?.where, flag, v);
  }

  addPod(unit, service, run, ctx);
  addPodmanArgs(unit, G, run, diag);

  if (image !== '') run.addRaw([image]);
  else run.addFromKey('Rootfs', unit.lastEntry(G, 'Rootfs')?.where, '--rootfs', rootfs);
  const exec = unit.lookupLastArgs(G, 'Exec', diag);
  if (exec) run.addRaw(exec, { key: 'Exec', where: unit.lastEntry(G, 'Exec')?.where });

  service.add('Service', 'ExecStart', run.line(ctx.tpod, ctx.features, diag));
  return service;
}

/** NoNewPrivileges=, SecurityLabel*=, SeccompProfile=, Mask=, Unmask=: --security-opt values. */
function addSecurity(unit: UnitFile, run: ReturnType<typeof baseCmdline>, ctx: TranslateContext): void {
  const { diag } = ctx;
  const opts: Array<[string, string]> = [];
  if (unit.lookupBoolean(G, 'NoNewPrivileges', diag) === true) opts.push(['NoNewPrivileges', 'no-new-privileges']);
  if (unit.lookupBoolean(G, 'SecurityLabelDisable', diag) === true) opts.push(['SecurityLabelDisable', 'label=disable']);
  if (unit.lookupBoolean(G, 'SecurityLabelNested', diag) === true) opts.push(['SecurityLabelNested', 'label=nested']);
  for (const [key, prefix] of [['SecurityLabelType', 'label=type:'], ['SecurityLabelFileType', 'label=filetype:'], ['SecurityLabelLevel', 'label=level:']] as const) {
    const v = unit.lookup(G, key);
    if (v) opts.push([key, prefix + v]);
  }
  const seccomp = unit.lookup(G, 'SeccompProfile');
  if (seccomp !== undefined) opts.push(['SeccompProfile', `seccomp=${seccomp}`]);
  for (const m of unit.lookupAllArgs(G, 'Mask', diag)) opts.push(['Mask', `mask=${m}`]);
  for (const m of unit.lookupAllArgs(G, 'Unmask', diag)) opts.push(['Unmask', `unmask=${m}`]);
  for (const [key, value] of opts) {
    const where = unit.lastEntry(G, key)?.where;
    if (!tpodTakesSecurityOpt(value)) {
      diag.push({ where, message: `${key}= asks for --security-opt ${value}, which tpod does not support (it takes ${SECURITY_OPTS_SUPPORTED}); ignored` });
      continue;
    }
    run.addFromKey(key, where, `--security-opt=${value}`);
  }
}

/** User= and Group= (Group= alone is an error, as in Podman). */
function addUser(unit: UnitFile, run: ReturnType<typeof baseCmdline>): void {
  const user = unit.lookup(G, 'User') ?? '';
  const group = unit.lookup(G, 'Group') ?? '';
  if (user === '') {
    if (group !== '') throw new TpodError('EQUADLET', `${at(unit.lastEntry(G, 'Group'))}Group= is set without User=`);
    return;
  }
  run.addFromKey('User', unit.lastEntry(G, 'User')?.where, '--user', group !== '' ? `${user}:${group}` : user);
}

/** ReloadCmd= (tpod exec) or ReloadSignal= (tpod kill): ExecReload=. */
function addReload(unit: UnitFile, service: UnitFile, name: string, ctx: TranslateContext): void {
  const signal = unit.lookup(G, 'ReloadSignal');
  const cmdArgs = unit.lookupLastArgs(G, 'ReloadCmd', ctx.diag);
  const hasCmd = cmdArgs !== undefined && cmdArgs.length > 0;
  if (!signal && !hasCmd) return;
  if (signal && hasCmd) throw new TpodError('EQUADLET', `${at(unit.lastEntry(G, 'ReloadCmd'))}ReloadCmd= and ReloadSignal= cannot both be set`);
  const reload = baseCmdline(unit, G, hasCmd ? ['exec'] : ['kill'], ctx.diag);
  if (hasCmd) {
    reload.addRaw([name, ...cmdArgs]);
  } else {
    reload.addFromKey('ReloadSignal', unit.lastEntry(G, 'ReloadSignal')?.where, '--signal', signal!);
    reload.addRaw([name]);
  }
  service.add('Service', 'ExecReload', reload.line(ctx.tpod, ctx.features, ctx.diag));
}

/** Mount=type=volume,source=data.volume,...: Quadlet sources resolved like Volume=. */
function mountParam(unit: UnitFile, service: UnitFile, mount: string, ctx: TranslateContext, e: Parameters<typeof referencedInfo>[2]): string {
  const tokens = mount.split(',');
  let type = '';
  const rest: string[] = [];
  for (const t of tokens) {
    if (t.startsWith('type=')) type = t.slice(5);
    else rest.push(t);
  }
  if (!['volume', 'bind', 'glob', 'image'].includes(type)) return mount;
  const out = rest.map((t) => {
    const eq = t.indexOf('=');
    const k = eq >= 0 ? t.slice(0, eq) : t;
    if ((k === 'source' || k === 'src') && eq >= 0) {
      let src = t.slice(eq + 1);
      if (src.startsWith('.')) src = absolutePath(unit, src);
      if (src.startsWith('/')) service.add('Unit', 'RequiresMountsFor', src);
      else if (src.endsWith('.volume') || src.endsWith('.image')) {
        const info = referencedInfo(ctx, src, e, src.endsWith('.volume') ? 'Quadlet volume' : 'Quadlet image');
        service.add('Unit', 'Requires', serviceFile(info));
        service.add('Unit', 'After', serviceFile(info));
        src = info.resourceName ?? src;
      }
      return `source=${src}`;
    }
    return t;
  });
  return [`type=${type}`, ...out].join(',');
}

/** Pod=web.pod: --pod, bound to the pod's service, which starts this one (unless StartWithPod=no). */
function addPod(unit: UnitFile, service: UnitFile, run: ReturnType<typeof baseCmdline>, ctx: TranslateContext): void {
  const e = unit.lastEntry(G, 'Pod');
  const pod = unit.lookup(G, 'Pod');
  if (!pod) return;
  if (!pod.endsWith('.pod')) throw new TpodError('EQUADLET', `${at(e)}Pod=${pod}: only Quadlet pods (NAME.pod) can be named here`);
  const info = referencedInfo(ctx, pod, e, 'Quadlet pod');
  run.addFromKey('Pod', e?.where, '--pod', info.resourceName!);
  service.add('Unit', 'BindsTo', serviceFile(info));
  service.add('Unit', 'After', serviceFile(info));
  if (unit.lookupBoolean(G, 'StartWithPod', ctx.diag) !== false) info.containersToStart.push(service.filename);
}
