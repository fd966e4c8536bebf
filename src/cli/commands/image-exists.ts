import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ImageExistsCommand extends TpodCommand {
  static override paths = [['image', 'exists']];
  static override usage = Command.Usage({
    description: 'Check if an image exists in local storage',
    details: 'Exits 0 when the image exists, 1 when it does not; prints nothing.',
    examples: [['Check for busybox', '$0 image exists busybox']],
  });

  image = Option.String({ name: 'image' });

  async execute(): Promise<number> {
    const { imageExists } = await import('../../image/store.js');
    return (await imageExists(this.ctx, this.image)) ? 0 : 1;
  }
}
