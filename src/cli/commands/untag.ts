import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class UntagCommand extends TpodCommand {
  static override paths = [['untag'], ['image', 'untag']];
  static override usage = Command.Usage({
    description: 'Remove a name from a local image',
    details: 'Without names, every name is removed; the image itself stays (shown as `<none>`).',
    examples: [
      ['Remove one name', '$0 untag busybox localhost/mybox:1'],
      ['Remove all names', '$0 untag busybox'],
    ],
  });

  image = Option.String({ name: 'image' });
  names = Option.Rest({ name: 'name' });

  async execute(): Promise<number> {
    const { untagImage } = await import('../../image/store.js');
    await untagImage(this.ctx, this.image, this.names);
    return 0;
  }
}
