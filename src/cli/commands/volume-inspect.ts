import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VolumeInspectCommand extends TpodCommand {
  static override paths = [['volume', 'inspect']];
  static override usage = Command.Usage({
    description: 'Display detailed information on one or more volumes',
    details: `
      Prints a JSON array with one object per volume (Name, Driver, Mountpoint, CreatedAt,
      Labels, Scope, Options, MountCount, NeedsCopyUp, NeedsChown, ...), or \`--format\`
      applied to each. \`-a\` inspects every volume.
    `,
    examples: [['Where a volume keeps its files', "$0 volume inspect --format '{{.Mountpoint}}' data"]],
  });

  format = Option.String('-f,--format', { description: 'Format volume output using JSON or a Go template' });
  all = Option.Boolean('-a,--all', false, { description: 'Inspect all volumes' });
  names = Option.Rest({ name: 'volume' });

  async execute(): Promise<number> {
    const { UsageError, TpodError } = await import('../../errors.js');
    if (this.all && this.names.length > 0) throw new UsageError('cannot specify --all with a volume name');
    if (!this.all && this.names.length === 0) throw new UsageError('provide one or more volume names or use --all');
    const { listVolumes, readVolume } = await import('../../storage/volumes.js');
    const { volumeView } = await import('../../engine/volumes.js');
    const found: unknown[] = [];
    const missing: string[] = [];
    if (this.all) found.push(...listVolumes(this.ctx).map((v) => volumeView(this.ctx, v)));
    for (const n of this.names) {
      const v = readVolume(this.ctx, n);
      if (v) found.push(volumeView(this.ctx, v));
      else missing.push(n);
    }
    const { printInspected } = await import('../inspect-common.js');
    await printInspected(found, this.format, (text) => this.print(text));
    if (missing.length === 0) return 0;
    for (const m of missing.slice(0, -1)) process.stderr.write(`Error: no such volume ${m}\n`);
    throw new TpodError('ENOVOLUME', `no such volume ${missing[missing.length - 1]}`);
  }
}
