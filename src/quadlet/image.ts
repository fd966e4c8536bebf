// X.image -> X-image.service: a oneshot `tpod image pull IMAGE` that containers with
// Image=X.image require, so the pull happens once, before them.
import { TpodError } from '../errors.js';
import { GROUPS, addBooleans, addPodmanArgs, addStrings, baseCmdline, defaultOneshot, initService, type TranslateContext, type UnitInfo } from './common.js';
import type { UnitFile } from './unit-file.js';

const G = GROUPS.image.group;

export function convertImage(info: UnitInfo, ctx: TranslateContext): UnitFile {
  const unit = info.source;
  const { diag } = ctx;
  const service = initService(info, ctx);
  const image = unit.lookup(G, 'Image');
  if (!image) throw new TpodError('EQUADLET', `${unit.path}: no Image= in the [Image] section: an .image file must name the image to pull`);
  const pull = baseCmdline(unit, G, ['image', 'pull'], diag);
  addStrings(unit, G, [
    ['Arch', '--arch'], ['AuthFile', '--authfile'], ['CertDir', '--cert-dir'], ['Creds', '--creds'], ['DecryptionKey', '--decryption-key'],
    ['OS', '--os'], ['Variant', '--variant'], ['Retry', '--retry'], ['RetryDelay', '--retry-delay'],
  ], pull);
  addBooleans(unit, G, [['AllTags', '--all-tags']], pull, diag);
  // --tls-verify defaults to true: only "no" says something.
  const tls = unit.lookupBoolean(G, 'TLSVerify', diag);
  if (tls !== undefined) pull.addFromKey('TLSVerify', unit.lastEntry(G, 'TLSVerify')?.where, `--tls-verify=${tls}`);
  addPodmanArgs(unit, G, pull, diag);
  pull.addRaw([image]);
  service.add('Service', 'ExecStart', pull.line(ctx.tpod, ctx.features, diag));
  defaultOneshot(service, true);
  return service;
}
