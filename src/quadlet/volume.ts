// X.volume -> X-volume.service: a oneshot `tpod volume create --ignore systemd-X` that
// containers using Volume=X.volume:/path require.
import { TpodError } from '../errors.js';
import { GROUPS, at, baseCmdline, finishCreateOneshot, initService, resolveImage, type TranslateContext, type UnitInfo } from './common.js';
import type { UnitFile } from './unit-file.js';

const G = GROUPS.volume.group;

export function convertVolume(info: UnitInfo, ctx: TranslateContext): UnitFile {
  const unit = info.source;
  const { diag } = ctx;
  if (!ctx.features.hasCommand(['volume', 'create'])) {
    throw new TpodError('EQUADLET', `${unit.path}: this tpod has no named volumes (\`tpod volume create\`), so .volume files cannot become units yet; mount a host directory instead (Volume=/host/dir:/path in the .container file)`);
  }
  const service = initService(info, ctx);
  const name = info.resourceName!;
  const create = baseCmdline(unit, G, ['volume', 'create'], diag);
  create.add('--ignore');
  const driver = unit.lookup(G, 'Driver');
  if (driver) create.addFromKey('Driver', unit.lastEntry(G, 'Driver')?.where, '--driver', driver);

  if (driver === 'image') {
    const e = unit.lastEntry(G, 'Image');
    const image = unit.lookup(G, 'Image');
    if (!image) throw new TpodError('EQUADLET', `${unit.path}: Driver=image needs Image= in the [Volume] section`);
    create.addFromKey('Image', e?.where, '--opt', `image=${resolveImage(image, e, service, ctx)}`);
  } else {
    const o: string[] = [];
    const user = unit.lookup(G, 'User');
    if (user !== undefined) o.push(`uid=${toId(user)}`);
    const group = unit.lookup(G, 'Group');
    if (group !== undefined) o.push(`gid=${toId(group)}`);
    const copy = unit.lookupBoolean(G, 'Copy', diag);
    if (copy !== undefined) create.addFromKey('Copy', unit.lastEntry(G, 'Copy')?.where, '--opt', copy ? 'copy' : 'nocopy');
    const device = unit.lookup(G, 'Device');
    if (device) create.addFromKey('Device', unit.lastEntry(G, 'Device')?.where, '--opt', `device=${device}`);
    const type = unit.lookup(G, 'Type');
    if (type) {
      if (!device) throw new TpodError('EQUADLET', `${at(unit.lastEntry(G, 'Type'))}Type= needs Device=`);
      create.addFromKey('Type', unit.lastEntry(G, 'Type')?.where, '--opt', `type=${type}`);
      if (type === 'bind') service.add('Unit', 'RequiresMountsFor', device);
    }
    const options = unit.lookup(G, 'Options');
    if (options) {
      if (!device) throw new TpodError('EQUADLET', `${at(unit.lastEntry(G, 'Options'))}Options= needs Device=`);
      o.push(options);
    }
    if (o.length > 0) create.addFromKey('Options', unit.lastEntry(G, 'Options')?.where ?? unit.lastEntry(G, 'User')?.where, '--opt', `o=${o.join(',')}`);
  }
  return finishCreateOneshot(unit, G, create, name, service, ctx);
}

/** User=/Group= of a volume: numbers as Podman reads them (0 when not a number). */
function toId(v: string): number {
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : 0;
}
