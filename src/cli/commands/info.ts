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
    const { collectInfo, toYaml } = await import('../../engine/info.js');
    const { describeRuntime } = await import('../../runtime/runtime.js');
    const info = await collectInfo(this.ctx, await describeRuntime(this.ctx));
    if (this.format === 'json') {
      this.print(JSON.stringify(info, null, 4));
    } else if (this.format) {
      const { renderTemplate } = await import('../format.js');
      this.print(renderTemplate(this.format, capitalizeKeys(info)));
    } else {
      this.print(toYaml(info));
    }
    return 0;
  }
}

/** Podman's templates name fields in Go's exported style: {{.Host.Kernel}}, {{.Store.GraphRoot}}. */
function capitalizeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(capitalizeKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k.charAt(0).toUpperCase() + k.slice(1), capitalizeKeys(x)]));
}
