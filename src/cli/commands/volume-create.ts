import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VolumeCreateCommand extends TpodCommand {
  static override paths = [['volume', 'create']];
  static override usage = Command.Usage({
    description: 'Create a new volume',
    details: `
      Makes a volume of the local driver under tpod's storage and prints its name (a random
      one when none is given). \`--opt\` takes the local driver's options: \`type=tmpfs\`
      (the volume is a tmpfs in each container), \`type=bind\` with \`device=DIR\` (the
      volume is that directory), \`o=uid=N,gid=N\` (the owner it is made with), \`o=...\`
      mount options for a tmpfs.
    `,
    examples: [
      ['Create a volume', '$0 volume create data'],
      ['A labelled volume owned by uid 1000', '$0 volume create --label app=db -o o=uid=1000,gid=1000 dbdata'],
    ],
  });

  driver = Option.String('-d,--driver', { description: 'Volume driver (local)' });
  label = Option.Array('-l,--label', { description: 'Set metadata for a volume (KEY=VALUE)' });
  opt = Option.Array('-o,--opt', { description: 'Set driver specific options (type, device, o)' });
  ignore = Option.Boolean('--ignore', false, { description: 'Do not fail if the volume already exists' });
  name = Option.String({ name: 'name', required: false });

  async execute(): Promise<number> {
    const { createVolumeFromOptions } = await import('../../engine/volumes.js');
    const labels: Record<string, string> = {};
    for (const l of this.label ?? []) {
      const eq = l.indexOf('=');
      labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
    }
    const v = await createVolumeFromOptions(this.ctx, { name: this.name, driver: this.driver, labels, opts: this.opt ?? [], ignore: this.ignore });
    this.print(v.name);
    return 0;
  }
}
