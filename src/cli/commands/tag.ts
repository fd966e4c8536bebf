import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class TagCommand extends TpodCommand {
  static override paths = [['tag'], ['image', 'tag']];
  static override usage = Command.Usage({
    description: 'Add an additional name to a local image',
    details: 'Names without a registry are stored under `localhost/`, and without a tag as `:latest`, as Podman does.',
    examples: [['Tag an image', '$0 tag busybox localhost/mybox:1']],
  });

  image = Option.String({ name: 'image' });
  names = Option.Rest({ required: 1, name: 'target-name' });

  async execute(): Promise<number> {
    const { tagImage } = await import('../../image/store.js');
    await tagImage(this.ctx, this.image, this.names);
    return 0;
  }
}
