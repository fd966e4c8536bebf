import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VolumeUnmountCommand extends TpodCommand {
  static override paths = [['volume', 'unmount'], ['volume', 'umount']];
  static override usage = Command.Usage({
    description: 'Unmount volume',
    details: "A local volume is a directory: there is nothing to unmount. Prints the volume's name.",
    examples: [['Unmount a volume', '$0 volume unmount data']],
  });

  names = Option.Rest({ name: 'volume', required: 1 });

  async execute(): Promise<number> {
    const { findVolume } = await import('../../storage/volumes.js');
    this.print(this.names.map((n) => findVolume(this.ctx, n).name).join('\n'));
    return 0;
  }
}
