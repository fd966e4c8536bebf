import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class ContainerCleanupCommand extends TpodCommand {
  static override paths = [['container', 'cleanup']];
  static override usage = Command.Usage({
    description: 'Clean up network and mountpoints of one or more containers',
    details: `
      The monitor of each container runs this once the container exited: it records the
      exit code, unmounts the root filesystem, has the OCI runtime forget the container,
      removes a container created with --rm, and restarts one whose --restart policy says
      so. A container that is still running is left alone, so running it by hand is safe.
    `,
    examples: [['Clean up a container', '$0 container cleanup web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Clean up all containers' });
  containers = Option.Rest({ name: 'container' });

  async execute(): Promise<number> {
    const { UsageError } = await import('../../errors.js');
    if (this.all === (this.containers.length > 0)) throw new UsageError(this.all ? '--all and container names cannot be used together' : 'specify one or more containers to clean up, or --all');
    const { listContainers } = await import('../../storage/containers.js');
    const { cleanupContainer } = await import('../../engine/exit-command.js');
    const { forEachContainer } = await import('../each.js');
    const ids = this.all ? listContainers(this.ctx).map((r) => r.id) : this.containers;
    return forEachContainer(this.ctx, ids, {}, async (rec) => {
      await cleanupContainer(this.ctx, rec.id);
      this.print(rec.id);
    });
  }
}
