import { Command, Option } from 'clipanion';
import { TpodCommand } from '../base.js';

export class AttachCommand extends TpodCommand {
  static override paths = [['attach'], ['container', 'attach']];
  static override usage = Command.Usage({
    description: 'Attach to a running container',
    details: `
      Shows the container's output as it happens and, for a container created with -i,
      forwards stdin to it. Detach with ctrl-p,ctrl-q (or --detach-keys): the container
      keeps running. When the container exits, tpod exits with its exit code.
    `,
    examples: [['Attach to a container', '$0 attach web']],
  });

  detachKeys = Option.String('--detach-keys', { description: 'Key sequence for detaching a container (default ctrl-p,ctrl-q)' });
  noStdin = Option.Boolean('--no-stdin', false, { description: 'Do not attach STDIN' });
  sigProxy = Option.Boolean('--sig-proxy', true, { description: 'Proxy received signals to the container' });
  container = Option.String({ name: 'container' });

  async execute(): Promise<number> {
    const { findContainer } = await import('../../storage/containers.js');
    const { attachRunning } = await import('../../engine/start-attached.js');
    const rec = findContainer(this.ctx, this.container);
    return attachRunning(this.ctx, rec.id, { stdin: rec.interactive && !this.noStdin, detachKeys: this.detachKeys, sigProxy: this.sigProxy });
  }
}
