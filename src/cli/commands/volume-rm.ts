import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class VolumeRmCommand extends TpodCommand {
  static override paths = [['volume', 'rm'], ['volume', 'remove']];
  static override usage = Command.Usage({
    description: 'Remove one or more volumes',
    details: `
      Removes each volume and its content. A volume that a container uses is refused (exit
      2) unless \`--force\`, which removes those containers first (stopping them with
      \`--time\`). A volume that does not exist is an error (exit 1), or nothing with
      \`--force\`.
    `,
    examples: [
      ['Remove a volume', '$0 volume rm data'],
      ['Remove every volume and whatever uses them', '$0 volume rm -af'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove all volumes' });
  force = Option.Boolean('-f,--force', false, { description: 'Remove a volume by force, even if it is being used by a container' });
  time = Option.String('-t,--time', { description: 'Seconds to wait before forcibly stopping running containers that use the volume' });
  names = Option.Rest({ name: 'volume' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.all && this.names.length > 0) throw new UsageError('choose either one or more volumes or all');
    if (!this.all && this.names.length === 0) throw new UsageError('choose either one or more volumes or all');
    let timeout: number | undefined;
    if (this.time !== undefined) {
      const { parseTimeout } = await import('../../runtime/lifecycle-options.js');
      timeout = parseTimeout(this.time, '--time');
    }
    const { listVolumes } = await import('../../storage/volumes.js');
    const names = this.all ? listVolumes(this.ctx).map((v) => v.name) : this.names;
    const { removeVolumesByName } = await import('../../engine/volumes.js');
    const reports = await removeVolumesByName(this.ctx, names, { force: this.force, timeout });
    const { reportRemovals } = await import('../report.js');
    return reportRemovals(reports, (t) => this.print(t));
  }
}
