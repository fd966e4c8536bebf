import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VolumeExistsCommand extends TpodCommand {
  static override paths = [['volume', 'exists']];
  static override usage = Command.Usage({
    description: 'Check if the given volume exists',
    details: 'Exits 0 when the volume exists, 1 when it does not; prints nothing.',
    examples: [['Check for a volume', '$0 volume exists data']],
  });

  name = Option.String({ name: 'volume' });

  async execute(): Promise<number> {
    const { readVolume } = await import('../../storage/volumes.js');
    return readVolume(this.ctx, this.name) ? 0 : 1;
  }
}
