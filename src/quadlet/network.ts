// X.network -> X-network.service: a oneshot `tpod network create --ignore systemd-X`
// that containers using Network=X.network require.
import { TpodError } from '../errors.js';
import { GROUPS, addAllStrings, addBooleans, addKeyVals, addStrings, baseCmdline, finishCreateOneshot, initService, type TranslateContext, type UnitInfo } from './common.js';
import type { UnitFile } from './unit-file.js';

const G = GROUPS.network.group;

export function convertNetwork(info: UnitInfo, ctx: TranslateContext): UnitFile {
  const unit = info.source;
  const { diag } = ctx;
  if (!ctx.features.hasCommand(['network', 'create'])) {
    throw new TpodError('EQUADLET', `${unit.path}: this tpod has no named networks (\`tpod network create\`), so .network files cannot become units yet; use Network=pasta, slirp4netns, host or none in the .container file`);
  }
  const service = initService(info, ctx);
  const name = info.resourceName!;
  if (unit.lookupBoolean(G, 'NetworkDeleteOnStop', diag) === true) {
    const rm = baseCmdline(unit, G, ['network', 'rm'], diag);
    rm.add(name);
    service.add('Service', 'ExecStopPost', rm.line(ctx.tpod, ctx.features, diag));
  }
  const create = baseCmdline(unit, G, ['network', 'create'], diag);
  create.add('--ignore');
  addBooleans(unit, G, [['DisableDNS', '--disable-dns'], ['Internal', '--internal'], ['IPv6', '--ipv6']], create, diag);
  addStrings(unit, G, [['Driver', '--driver'], ['IPAMDriver', '--ipam-driver'], ['InterfaceName', '--interface-name']], create);
  addAllStrings(unit, G, [['DNS', '--dns']], create);
  const subnets = unit.lookupAllEntries(G, 'Subnet');
  const gateways = unit.lookupAll(G, 'Gateway');
  const ranges = unit.lookupAll(G, 'IPRange');
  if (subnets.length > 0) {
    if (gateways.length > subnets.length) throw new TpodError('EQUADLET', `${unit.path}: more Gateway= than Subnet= lines`);
    if (ranges.length > subnets.length) throw new TpodError('EQUADLET', `${unit.path}: more IPRange= than Subnet= lines`);
    subnets.forEach((s, i) => {
      create.addFromKey('Subnet', s.where, '--subnet', s.value.trim());
      if (gateways[i] !== undefined) create.addFromKey('Gateway', s.where, '--gateway', gateways[i]!.trim());
      if (ranges[i] !== undefined) create.addFromKey('IPRange', s.where, '--ip-range', ranges[i]!.trim());
    });
  } else if (gateways.length > 0 || ranges.length > 0) {
    throw new TpodError('EQUADLET', `${unit.path}: Gateway= and IPRange= need a Subnet=`);
  }
  addKeyVals(unit, G, 'Options', '--opt', create, diag);
  return finishCreateOneshot(unit, G, create, name, service, ctx);
}
