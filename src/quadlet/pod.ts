// X.pod -> X-pod.service: the pod is created before start (ExecStartPre), started, and
// removed when the service stops. Its infra container's monitor is the main process
// (Type=forking, PIDFile=); containers with Pod=X.pod are bound to this service and
// started with it.
import { TpodError } from '../errors.js';
import { GROUPS, addAllStrings, addKeyVals, addNetworks, addPodmanArgs, addPublishPorts, addStrings, addUserMappings, addVolumes, baseCmdline, initService, type TranslateContext, type UnitInfo } from './common.js';
import type { UnitFile } from './unit-file.js';

const G = GROUPS.pod.group;

export function convertPod(info: UnitInfo, ctx: TranslateContext): UnitFile {
  const unit = info.source;
  const { diag } = ctx;
  if (!ctx.features.hasCommand(['pod', 'create'])) {
    throw new TpodError('EQUADLET', `${unit.path}: this tpod has no pods (\`tpod pod create\`), so .pod files cannot become units yet`);
  }
  const service = initService(info, ctx);
  const name = info.resourceName!;
  for (const c of info.containersToStart) {
    service.add('Unit', 'Wants', c);
    service.add('Unit', 'Before', c);
  }
  if (!unit.has('Service', 'SyslogIdentifier')) service.set('Service', 'SyslogIdentifier', '%N');

  const start = baseCmdline(unit, G, ['pod', 'start'], diag);
  start.add(name);
  service.add('Service', 'ExecStart', start.line(ctx.tpod, ctx.features, diag));
  const stop = baseCmdline(unit, G, ['pod', 'stop'], diag);
  stop.add('--ignore', '--time=10', name);
  service.add('Service', 'ExecStop', stop.line(ctx.tpod, ctx.features, diag));
  const rm = baseCmdline(unit, G, ['pod', 'rm'], diag);
  rm.add('--ignore', '--force', name);
  service.add('Service', 'ExecStopPost', rm.line(ctx.tpod, ctx.features, diag));

  const create = baseCmdline(unit, G, ['pod', 'create'], diag);
  create.add('--infra-conmon-pidfile=%t/%N.pid', '--replace');
  const exitPolicy = unit.lookup(G, 'ExitPolicy');
  create.addFromKey('ExitPolicy', unit.lastEntry(G, 'ExitPolicy')?.where, '--exit-policy', exitPolicy || 'stop');
  addUserMappings(unit, G, create, true);
  addPublishPorts(unit, G, create);
  addKeyVals(unit, G, 'Label', '--label', create, diag);
  addNetworks(unit, G, service, create, ctx);
  addStrings(unit, G, [['IP', '--ip'], ['IP6', '--ip6'], ['ShmSize', '--shm-size']], create);
  addAllStrings(unit, G, [['NetworkAlias', '--network-alias'], ['DNS', '--dns'], ['DNSOption', '--dns-option'], ['DNSSearch', '--dns-search'], ['AddHost', '--add-host'], ['HostName', '--hostname']], create);
  addVolumes(unit, G, service, create, ctx);
  create.add('--infra-name', `${name}-infra`, '--name', name);
  addPodmanArgs(unit, G, create, diag);
  service.add('Service', 'ExecStartPre', create.line(ctx.tpod, ctx.features, diag));

  service.add('Service', 'Environment', 'PODMAN_SYSTEMD_UNIT=%n');
  service.set('Service', 'Type', 'forking');
  service.set('Service', 'Restart', 'on-failure');
  service.set('Service', 'PIDFile', '%t/%N.pid');
  return service;
}
