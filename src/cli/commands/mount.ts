import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class MountCommand extends TpodCommand {
  static override paths = [['mount'], ['container', 'mount']];
  static override usage = Command.Usage({
    description: "Mount a working container's root filesystem",
    details: `
      Mounts each container's root filesystem and prints where; without a container, lists
      the mounted ones. Rootless, the mount lives in tpod's user namespace, so as with
      Podman this works inside \`tpod unshare\` (and is refused outside it).
    `,
    examples: [['Look into a stopped container', "$0 unshare sh -c 'ls $(tpod mount web)/etc'"]],
  });

  notruncate = Option.Boolean('--notruncate', false, { description: 'Do not truncate output' });
  format = Option.String('--format', { description: 'Print the mounted containers in the specified format (json)' });
  all = Option.Boolean('-a,--all', false, { description: 'Mount all containers' });
  names = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const { insideNamespace } = await import('../../rootless/join.js');
    const m = await import('../../engine/mount.js');
    if (!insideNamespace() && this.ctx.uid !== 0) throw m.rootlessMountRefusal('mount');
    const targets = this.all ? (await import('../../storage/containers.js')).listContainers(this.ctx).map((r) => r.id) : this.names;
    if (targets.length > 0) {
      const paths: string[] = [];
      for (const n of targets) paths.push(await m.mountContainer(this.ctx, n));
      this.print(paths.join('\n'));
      return 0;
    }
    const mounted = m.mountedContainers(this.ctx);
    if (this.format === 'json') {
      this.print(JSON.stringify(mounted.map((x) => ({ id: x.id, mountpoint: x.path })), null, 4));
      return 0;
    }
    if (mounted.length > 0) this.print(mounted.map((x) => `${this.notruncate ? x.id : x.id.slice(0, 12)} ${x.path}`).join('\n'));
    return 0;
  }
}
