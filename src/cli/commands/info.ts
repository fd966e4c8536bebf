import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class InfoCommand extends TpodCommand {
  static override paths = [['info'], ['system', 'info']];
  static override usage = Command.Usage({
    description: 'Display tpod related system information',
    details: 'Shows whether tpod runs rootless, the uid/gid mappings, the storage driver and paths, the OCI runtime and its version, the kernel, the cgroup version and the network helpers found.',
    examples: [['Show everything', 'tpod info'], ['Only the storage driver', "tpod info --format '{{.Store.GraphDriverName}}'"]],
  });

  format = Option.String('-f,--format', { description: 'Change the output format to JSON or a Go template' });

  async execute(): Promise<number> {
    const { collectInfo, toYaml, infoTemplateView } = await import('../../engine/info.js');
    const { describeRuntime } = await import('../../runtime/runtime.js');
    const info = await collectInfo(this.ctx, await describeRuntime(this.ctx));
    if (this.format === 'json') {
      this.print(JSON.stringify(info, null, 4));
    } else if (this.format !== undefined) {
      // An empty template prints nothing, as in Podman.
      if (this.format === '') return 0;
      const { renderTemplate } = await import('../format.js');
      this.print(renderTemplate(this.format, infoTemplateView(info)));
    } else {
      this.print(toYaml(info));
    }
    return 0;
  }
}
