import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VolumeMountCommand extends TpodCommand {
  static override paths = [['volume', 'mount']];
  static override usage = Command.Usage({
    description: 'Mount volume',
    details: `
      Prints where the volume's files are. Rootless, as with Podman, this is useful inside
      \`tpod unshare\` (where the files' owners are the container's), and refused outside.
    `,
    examples: [['Inside tpod unshare', '$0 unshare sh -c \'cd "$(tpod volume mount data)" && ls -l\'']],
  });

  names = Option.Rest({ name: 'volume', required: 1 });

  async execute(): Promise<number> {
    const { insideNamespace } = await import('../../rootless/join.js');
    const { TpodError } = await import('../../errors.js');
    if (!insideNamespace() && this.ctx.uid !== 0) {
      throw new TpodError('EROOTLESS', 'cannot run command "tpod volume mount" in rootless mode, must execute `tpod unshare` first');
    }
    const { findVolume, volumeDataPath } = await import('../../storage/volumes.js');
    this.print(this.names.map((n) => volumeDataPath(this.ctx, findVolume(this.ctx, n).name)).join('\n'));
    return 0;
  }
}
