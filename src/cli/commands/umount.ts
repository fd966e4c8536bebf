import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class UmountCommand extends TpodCommand {
  static override paths = [['umount'], ['unmount'], ['container', 'umount'], ['container', 'unmount']];
  static override usage = Command.Usage({
    description: "Unmount working container's root filesystem",
    details: 'Unmounts what `tpod mount` mounted (a running container keeps its rootfs). Inside `tpod unshare`, as with Podman rootless.',
    examples: [['Unmount a container', '$0 umount web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Unmount all of the currently mounted containers' });
  force = Option.Boolean('-f,--force', false, { description: 'Force the complete unmount of the specified mounted containers' });
  names = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const { insideNamespace } = await import('../../rootless/join.js');
    const m = await import('../../engine/mount.js');
    if (!insideNamespace() && this.ctx.uid !== 0) throw m.rootlessMountRefusal('umount');
    const { findContainer, listContainers } = await import('../../storage/containers.js');
    const recs = this.all ? listContainers(this.ctx) : this.names.map((n) => findContainer(this.ctx, n));
    for (const r of recs) await m.unmountContainer(this.ctx, r);
    if (!this.all && recs.length > 0) this.print(recs.map((r) => r.id).join('\n'));
    return 0;
  }
}
